"""The forms in which sample values meet a target's known values (value_forms) and the
value_overlap evidence built on them, on small schemas and on the canonical model."""

from __future__ import annotations

import pytest

from autonomos_pipelines.dcl.matching.lexical_evidence import LexicalEvidence
from autonomos_pipelines.dcl.matching.source_field import SourceField
from autonomos_pipelines.dcl.matching.targets import canonical_targets, targets_from_json
from autonomos_pipelines.dcl.matching.value_forms import (
    CORE_WEIGHT,
    keyed_forms,
    value_forms,
    value_key,
)


@pytest.mark.parametrize(
    ("value", "key"),
    [("Past Due", "past_due"), ("PAST_DUE", "past_due"), ("past-due", "past_due"),
     (" Closed / Won ", "closed_won"), (" on-hold ", "on_hold"), ("A/B.test", "a_b_test"),
     ("x__y", "x_y"), ("N0 (i+)", "n0_(i+)"), ("   ", "")],
)  # fmt: skip
def test_case_and_separators_never_matter(value, key):
    assert value_key(value) == key


@pytest.mark.parametrize(
    ("values", "forms"),
    [
        # most of the set wears a leading word: the core stands for the value too
        (["Stage IIA", "Stage IV", "Unknown"],
         [{"stage_iia", "iia"}, {"stage_iv", "iv"}, {"unknown"}]),
        # a lower-case letter before a capital, worn by the whole set
        (["pT3", "pT1b"], [{"pt3", "t3"}, {"pt1b", "t1b"}]),
        # worn by one value of three: part of that value's meaning
        (["Paid", "Partially Paid", "Open"], [{"paid"}, {"partially_paid"}, {"open"}]),
        # a core of digits alone is no value of anything
        (["Grade 1", "Grade 2"], [{"grade_1"}, {"grade_2"}]),
        # camelCase words are not a decoration: their first words differ
        (["pastDue", "partiallyPaid"], [{"pastdue"}, {"partiallypaid"}]),
        # blanks have no forms; repeats have the same
        (["Stage I", "", "Stage I", "Stage II"],
         [{"stage_i", "i"}, set(), {"stage_i", "i"}, {"stage_ii", "ii"}]),
        # separators mark a label as spaces do, and values of separators alone count not
        (["stage_iia", "Stage-IV", "-", "___"],
         [{"stage_iia", "iia"}, {"stage_iv", "iv"}, set(), set()]),
        # two spellings of one value are one value, not a decorated set
        (["Stage I", "STAGE I"], [{"stage_i"}, {"stage_i"}]),
        (["Partially Paid", "PARTIALLY PAID", "Paid"], [{"partially_paid"}] * 2 + [{"paid"}]),
        # a negation is part of the meaning however many values wear it
        (["Not Paid", "Not Open", "Void"], [{"not_paid"}, {"not_open"}, {"void"}]),
        # a core with a letter of any script (a Roman numeral's character included)
        (["Stage Ⅱ", "Stage É1"], [{"stage_ⅱ", "ⅱ"}, {"stage_é1", "é1"}]),
    ],
)  # fmt: skip
def test_a_decoration_most_of_a_set_wears_is_set_aside(values, forms):
    assert value_forms(values) == [frozenset(f) for f in forms]


def test_the_spellings_of_a_value_share_their_forms_in_any_order():
    assert keyed_forms(("pT3", "pT2", "PT3")) == keyed_forms(("PT3", "pT2", "pT3"))
    assert dict(keyed_forms(("PT3", "pT2", "pT3")))["pt3"] == {"pt3", "t3"}


def _field(*samples: str) -> SourceField:
    return SourceField("src", "tumours", "stage", "string", None, None, samples)


def _evidence(**targets: list[str]) -> LexicalEvidence:
    fields = [{"name": name, "values": values} for name, values in targets.items()]
    return LexicalEvidence(targets_from_json({"entities": [{"name": "t", "fields": fields}]}))


def test_a_value_met_only_by_its_core_counts_less_than_an_equal_one():
    """'IIA' is among 'Stage IIA, Stage IV' once the label is set aside; 'Stage III' equals
    one value of the first set and meets the second ('III') only by its core."""
    evidence = _evidence(
        labelled=["Stage IIA", "Stage III", "Stage IV"], bare=["I", "II", "III"], other=["X"]
    )
    bare_codes, labelled_codes = evidence.value_overlap(
        [_field("IIA", "IV", "II"), _field("Stage III", "Stage IV")]
    )
    assert bare_codes.tolist() == pytest.approx([2 / 3 * CORE_WEIGHT, 1 / 3, 0.0])
    assert labelled_codes.tolist() == pytest.approx([1.0, CORE_WEIGHT / 2, 0.0])


def test_vendor_spellings_of_canonical_values_are_those_values():
    """'Past Due' and 'PAST_DUE' are the canonical model's past_due: every value of the field
    is one of subscription.status's, and none of it is a ticket status."""
    schema = canonical_targets()
    keys = [t.key for t in schema.targets]
    (overlap,) = LexicalEvidence(schema).value_overlap([_field("Past Due", "PAST_DUE", "Active")])
    assert overlap[keys.index("subscription.status")] == pytest.approx(1.0)
    assert overlap[keys.index("ticket.status")] == 0.0


def test_the_canonical_model_meets_values_only_whole():
    """Its sets name kinds (TargetSchema.fuzzy_values is off): a 'Work Email' is no
    ticket channel 'email', though most of its set wears 'Work'."""
    schema = canonical_targets()
    keys = [t.key for t in schema.targets]
    (overlap,) = LexicalEvidence(schema).value_overlap(
        [_field("Work Phone", "Work Email", "Home Phone")]
    )
    assert overlap[keys.index("ticket.channel")] == 0.0


def test_a_field_whose_every_value_is_known_overlaps_exactly_one():
    """Shares of 1/n added up in float32 pass 1 by a hair for some n (10, 11, 14)."""
    values = [f"v{i}" for i in range(14)]
    (overlap,) = _evidence(codes=values).value_overlap([_field(*values)])
    assert overlap.max() <= 1.0 and overlap[0] == pytest.approx(1.0)
