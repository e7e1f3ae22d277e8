"""bench/fit_spread.py: the trees fitted on bootstrap resamples of their training rows, drawn
alike for any version of the code, so that two versions' figures pair up fit by fit."""

import numpy as np
import pytest

from bench.fit_spread import means, resampled_rows


def test_the_fit_as_always_takes_every_row_once():
    assert resampled_rows(5, 0).tolist() == [0, 1, 2, 3, 4]


def test_a_resample_is_a_draw_with_replacement_the_same_every_time():
    first, again = resampled_rows(1000, 3), resampled_rows(1000, 3)
    assert np.array_equal(first, again)  # two versions of the code see the same rows
    assert len(first) == 1000 and len(set(first.tolist())) < 1000  # some rows twice
    assert not np.array_equal(first, resampled_rows(1000, 4))


def test_means_average_each_figure_over_the_fits():
    fits = [
        {"auto_rate": 0.6, "auto_precision": 0.96, "top1": 0.95},
        {"auto_rate": 0.7, "auto_precision": 0.98, "top1": 0.93},
    ]
    assert means(fits) == pytest.approx({"auto_rate": 0.65, "auto_precision": 0.97, "top1": 0.94})
