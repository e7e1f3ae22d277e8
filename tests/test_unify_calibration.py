"""What reviewers' verdicts say about the link threshold: bands of the queue with the share
decided "same", and a threshold suggested only where enough verdicts support it."""

from __future__ import annotations

import pytest

from autonomos_pipelines.dcl.unify.calibration import Band, calibrate, wilson_lower
from autonomos_pipelines.dcl.unify.model import Decision, RecordKey, ScoredPair, Thresholds


def _queue(bands: dict[float, tuple[int, int]]) -> tuple[list[ScoredPair], list[Decision]]:
    """At each probability, (decided same, decided different) pairs, plus one undecided."""
    pairs, decisions = [], []
    for probability, (same, different) in bands.items():
        for i in range(same + different + 1):
            left, right = RecordKey("crm", f"{probability}-{i}"), RecordKey("desk", f"{i}")
            pairs.append(ScoredPair(left, right, probability))
            if i < same + different:
                verdict = "same" if i < same else "different"
                decisions.append(Decision(right, left, verdict, 1, "ada"))  # either order
    return pairs, decisions


@pytest.mark.parametrize(
    ("bands", "suggested"),
    [
        ({0.92: (200, 0), 0.85: (400, 2), 0.7: (50, 10)}, 0.8),  # 0.65-0.80 is 83 %: stop
        ({0.92: (200, 0), 0.85: (60, 3)}, 0.9),  # 95 % in 0.80-0.90 pulls it under 98 %
        ({0.92: (200, 0), 0.85: (200, 0)}, 0.8),  # pooled: 400 verdicts all "same"
        ({0.92: (0, 0), 0.85: (300, 0)}, None),  # no verdict yet on the pairs just below 0.95
        ({0.92: (190, 10)}, None),  # 95 % same: keep reviewing
        ({0.92: (10, 0)}, None),
        ({}, None),
        ({0.55: (200, 0), 0.7: (200, 0), 0.85: (200, 0), 0.92: (200, 0)}, 0.5),
    ],
)
def test_the_threshold_reviewers_support(bands, suggested):
    pairs, decisions = _queue(bands)
    calibration = calibrate(pairs, decisions, Thresholds())
    assert calibration.suggested_upper == suggested
    assert [(b.low, b.high) for b in calibration.bands] == [
        (0.5, 0.65), (0.65, 0.8), (0.8, 0.9), (0.9, 0.95)
    ]  # fmt: skip
    decided = {round(b.low, 2): (b.same, b.decided - b.same) for b in calibration.bands}
    for probability, counts in bands.items():
        band = max(low for low in decided if low <= probability)
        assert decided[band] == counts


def test_a_large_band_with_few_verdicts_cannot_hide_behind_a_small_well_reviewed_one():
    pairs, decisions = _queue({0.92: (300, 0), 0.85: (5, 0)})
    big = [ScoredPair(RecordKey("crm", f"x{i}"), RecordKey("desk", "y"), 0.85) for i in range(5000)]
    calibration = calibrate(pairs + big, decisions, Thresholds())
    assert calibration.suggested_upper == 0.9


def test_the_bands_follow_a_tenants_own_thresholds():
    calibration = calibrate([], [], Thresholds(lower=0.6, upper=0.85))
    assert [(b.low, b.high) for b in calibration.bands] == [(0.6, 0.65), (0.65, 0.8), (0.8, 0.85)]


def test_the_lower_bound_is_wilsons():
    assert wilson_lower(1.0, 30) == pytest.approx(0.886, abs=1e-3)
    assert wilson_lower(1.0, 190) > 0.98 > wilson_lower(1.0, 180)
    assert wilson_lower(0.995, 1000) == pytest.approx(0.9884, abs=1e-3)
    assert wilson_lower(0.0, 0) == 0.0
    assert Band(0.9, 0.95, 400, 200, 199).lower_bound == wilson_lower(0.995, 200)
