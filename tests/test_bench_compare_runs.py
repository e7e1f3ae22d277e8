"""bench/compare_runs.py: the paired, system-level bootstrap that says whether a change to the
matcher moved the unseen-systems figures or only reshuffled borderline fields."""

import pytest

from bench.compare_runs import compare


def _rows(system: str, right: int, wrong: int, held: int) -> list[dict]:
    """Mappable fields of one system: auto-approved right / wrong, and held for review."""
    rows = [{"system": system, "mappable": True, "correct": True, "auto": True}] * right
    rows += [{"system": system, "mappable": True, "correct": False, "auto": True}] * wrong
    return rows + [{"system": system, "mappable": True, "correct": True, "auto": False}] * held


def _run(extra_right: int = 0) -> list[dict]:
    rows = []
    for n in range(12):
        rows += _rows(f"s{n}", 6 + (extra_right if n < 6 else 0), 1, 8)
    return rows


def test_the_same_run_twice_differs_by_nothing():
    found = compare(_run(), _run())
    assert found == {
        "auto-approved share": [0.0, 0.0, 0.0],
        "precision": [0.0, 0.0, 0.0],
        "top-1": [0.0, 0.0, 0.0],
    }


def test_a_change_on_half_the_systems_has_an_interval_around_its_difference():
    delta, low, high = compare(_run(), _run(extra_right=3))["auto-approved share"]
    assert delta > 0 and low <= delta <= high
    assert low >= 0  # every system moved one way or not at all: no draw can reverse it
    assert high > delta  # a draw of the changed systems only goes further


def test_a_better_first_target_moves_top_1_and_nothing_auto_approved():
    before = _rows("a", 6, 1, 8) + _rows("b", 6, 1, 8)
    after = _rows("a", 6, 1, 8) + _rows("b", 6, 1, 8)
    # one field held for review in system b had the wrong first target before the change
    before[-1] = {"system": "b", "mappable": True, "correct": False, "auto": False}
    found = compare(before, after)
    assert found["top-1"][0] == pytest.approx(1 / 30)  # one more of 30 mappable fields
    assert found["auto-approved share"] == [0.0, 0.0, 0.0] and found["precision"][0] == 0.0
