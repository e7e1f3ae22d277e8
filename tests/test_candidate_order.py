"""candidate.most_likely_first: a field's first candidates reordered by calibrated confidence,
only as deep as the confidence trees were fitted, structural caps kept in place; and
candidate.held_back_last and candidate.own_entity_first: after the first, other fields' targets
last and the table's own entity's targets ahead of others', and a first of another entity
after its namesake in the table's."""

import pytest

from autonomos_pipelines.dcl.matching.candidate import (
    Candidate,
    held_back_last,
    most_likely_first,
    own_entity_first,
)

CEILING = 0.84


def _candidates(*confidences: float, note: str = "") -> list[Candidate]:
    """Candidates in score order (scores falling), the first one carrying ``note``."""
    found = [Candidate(f"t.f{i}", c, 5.0 - i) for i, c in enumerate(confidences)]
    if note:
        found[0] = Candidate(found[0].target, found[0].confidence, found[0].score, note=note)
    return found


@pytest.mark.parametrize(
    ("confidences", "depth", "order"),
    [
        ((0.2, 0.5, 0.1), 3, [1, 0, 2]),  # the trees' likelier candidate first
        ((0.9, 0.5, 0.1), 3, [0, 1, 2]),  # already in order: nothing moves
        ((0.3, 0.2, 0.1, 0.9), 3, [0, 1, 2, 3]),  # past the trained depth: never moved up
        ((0.1, 0.3, 0.2, 0.05, 0.9), 3, [1, 2, 0, 3, 4]),  # the rest keeps its place
        ((0.84, 0.9, 0.1), 3, [0, 1, 2]),  # capped at the ceiling: ties with a likelier one
        ((0.4, 0.4, 0.1), 3, [0, 1, 2]),  # a tie keeps score order
        ((0.2, 0.5), 1, [0, 1]),  # depth one: the score's first stays first
    ],
)
def test_order(confidences, depth, order):
    candidates = _candidates(*confidences)
    found = most_likely_first(candidates, CEILING, depth)
    assert [c.target for c in found] == [candidates[i].target for i in order]


@pytest.mark.parametrize(
    ("confidences", "order"),
    [
        ((0.5, 0.2, 0.1), [1, 2, 0]),  # another field's target goes after the rest
        ((0.2, 0.5, 0.1), [1, 2, 0]),
        ((0.1, 0.2, 0.3, 0.9), [2, 1, 0, 3]),  # within the trained depth only
    ],
)
def test_a_target_another_field_holds_goes_after_the_others(confidences, order):
    candidates = _candidates(*confidences)
    found = most_likely_first(candidates, CEILING, 3, held={"t.f0"})
    assert [c.target for c in found] == [candidates[i].target for i in order]


def test_a_candidate_moved_ahead_of_the_scores_first_goes_to_a_person():
    found = most_likely_first(_candidates(0.5, 0.95, 0.1), CEILING, 3)
    assert found[0].target == "t.f1" and found[0].confidence == CEILING
    assert "t.f0" in found[0].note
    # in place, a likely first candidate keeps its confidence
    assert most_likely_first(_candidates(0.95, 0.5), CEILING, 3)[0].confidence == 0.95


def test_notes_stay_with_their_candidates():
    note = "mapping t.f0 would make this table feed canonical t"
    found = most_likely_first(_candidates(0.1, 0.5, note=note), CEILING, 3)
    assert [(c.target, c.note) for c in found] == [("t.f1", ""), ("t.f0", note)]


def test_no_candidates():
    assert most_likely_first([], CEILING, 3) == []


def _targets(*targets: str) -> list[Candidate]:
    return [Candidate(t, 0.9 - 0.1 * i, 5.0 - i) for i, t in enumerate(targets)]


@pytest.mark.parametrize(
    ("targets", "order"),
    [
        # another entity's person_id first, the table's own further down: the own one first
        (("obs.person_id", "obs.obs_id", "meas.person_id"),
         ["meas.person_id", "obs.person_id", "obs.obs_id"]),
        # after the first, the table's own targets ahead of the others, each in order
        (("meas.value", "obs.visit_id", "obs.value", "meas.visit_id"),
         ["meas.value", "meas.visit_id", "obs.visit_id", "obs.value"]),
        # a first of another entity with no namesake stays first
        (("obs.value", "obs.unit", "meas.unit"), ["obs.value", "meas.unit", "obs.unit"]),
        # another field of the table holds the namesake: it is not moved first
        (("obs.meas_id", "meas.meas_id", "obs.unit"), ["obs.meas_id", "meas.meas_id", "obs.unit"]),
        # only as deep as asked: the rest keeps its place
        (("meas.value", "obs.unit", "meas.unit", "obs.value", "meas.visit_id"),
         ["meas.value", "meas.unit", "obs.unit", "obs.value", "meas.visit_id"]),
    ],
)  # fmt: skip
def test_own_entity_first(targets, order):
    found = own_entity_first(_targets(*targets), "meas", 4, held_back={"meas.meas_id"})
    assert [c.target for c in found] == order


@pytest.mark.parametrize(
    ("targets", "order"),
    [
        # a chart's HADM_ID: its person and provider are other fields' keys
        (("m.visit_detail_id", "m.person_id", "m.provider_id", "m.visit_id", "m.id", "m.x"),
         ["m.visit_detail_id", "m.visit_id", "m.id", "m.person_id", "m.provider_id", "m.x"]),
        # the first keeps its place, held back or not; nothing held back: nothing moves
        (("m.person_id", "m.visit_id"), ["m.person_id", "m.visit_id"]),
        (("m.visit_id", "m.id"), ["m.visit_id", "m.id"]),
    ],
)  # fmt: skip
def test_held_back_last(targets, order):
    found = held_back_last(_targets(*targets), 5, {"m.person_id", "m.provider_id"})
    assert [c.target for c in found] == order


def test_a_namesake_moved_first_goes_to_a_person_and_says_why():
    candidates = _targets("obs.person_id", "meas.person_id")
    moved = own_entity_first(candidates, "meas", 10)[0]
    assert moved.target == "meas.person_id" and moved.held
    assert moved.confidence == min(CEILING, candidates[1].confidence)
    assert moved.note == "the table is meas: its own person_id, before obs's"
    # moved up behind the first, a candidate keeps its confidence and its note
    kept = own_entity_first(_targets("meas.value", "obs.unit", "meas.unit"), "meas", 10)
    assert [(c.confidence, c.held, c.note) for c in kept] == [(0.9, False, ""), (0.7, False, ""),
                                                              (0.8, False, "")]  # fmt: skip
    assert own_entity_first([], "meas", 10) == []


def test_a_namesake_never_changes_where_the_field_goes():
    """Proposed for review, a field is not left unmapped for a namesake below REVIEW."""
    candidates = [Candidate("obs.person_id", 0.7, 5.0), Candidate("meas.person_id", 0.2, 4.0)]
    assert own_entity_first(candidates, "meas", 10)[0].target == "obs.person_id"
    below = [Candidate("obs.person_id", 0.4, 5.0), Candidate("meas.person_id", 0.2, 4.0)]
    assert own_entity_first(below, "meas", 10)[0].target == "meas.person_id"
