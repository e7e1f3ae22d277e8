"""dlt's nested tables go to a person, dlt's own columns map to nothing
(dcl/matching/nested_tables.py, through Matcher.decide and the Resolver)."""

from __future__ import annotations

import pytest

from autonomos_pipelines.dcl.matching.candidate import Candidate
from autonomos_pipelines.dcl.matching.embeddings import default_embedder
from autonomos_pipelines.dcl.matching.matcher import Matcher
from autonomos_pipelines.dcl.matching.nested_tables import hold_nested
from autonomos_pipelines.dcl.matching.resolver import Resolver
from autonomos_pipelines.dcl.matching.source_field import SourceField
from autonomos_pipelines.dcl.matching.targets import canonical_targets
from autonomos_pipelines.dcl.matching.thresholds import AUTO_APPROVE, CONTESTED_CEILING

SUBSCRIPTION = ["id", "customer", "status", "quantity", "currency", "current_period_start"]
ITEMS = ["_dlt_parent_id", "_dlt_list_idx", "quantity", "price__unit_amount", "price__currency"]


@pytest.fixture(scope="module")
def matcher():
    return Matcher(canonical_targets(), default_embedder())


def _fields(table: str, names: list[str]) -> list[SourceField]:
    return [SourceField("billing", table, name, "text") for name in names]


def test_a_nested_lists_fields_wait_for_a_person_and_dlts_columns_map_to_nothing(matcher):
    """A subscription's `quantity` is approved; the same name in the list of its items
    (several per subscription) is proposed, never approved, and says why."""
    fields = _fields("subscriptions", SUBSCRIPTION) + _fields("subscriptions__items", ITEMS)
    found = {(r.field.source_entity, r.field.field): r for r in Resolver(matcher).resolve(fields)}
    root = found["subscriptions", "quantity"]
    assert root.mapping == "subscription.quantity" and root.status == "auto_approved"
    nested = found["subscriptions__items", "quantity"]
    assert nested.candidates[0].target == "subscription.quantity"
    assert nested.status == "pending_review" and nested.confidence <= CONTESTED_CEILING
    assert "'subscriptions__items' is a list nested in" in nested.reason
    for name in ("_dlt_parent_id", "_dlt_list_idx"):
        own = found["subscriptions__items", name]
        assert own.status == "unmapped" and own.candidates == [] and "dlt's own" in own.reason
    items = [r for (table, _), r in found.items() if table == "subscriptions__items"]
    assert all(r.status != "auto_approved" for r in items)


def test_a_later_pass_knows_the_table_is_nested_from_its_fields_seen_before(matcher):
    """Only a new field is ranked; `_dlt_parent_id`, seen in the first pass, still says
    the table is a nested list."""
    seen, new = (
        _fields("subscriptions__items", ITEMS[:2] + SUBSCRIPTION[1:3]),
        _fields("subscriptions__items", ["quantity"]),
    )
    table = ("billing", "subscriptions__items")
    unnested = matcher.rank_tables(new, 5, observed={table: seen[2:]})[0][0]
    assert unnested[0].target == "subscription.quantity"
    assert unnested[0].confidence >= AUTO_APPROVE  # nothing says it is nested: approved
    later = matcher.rank_tables(new, 5, observed={table: seen})[0][0]
    assert later[0].target == "subscription.quantity"
    assert later[0].confidence <= CONTESTED_CEILING and later[0].held
    assert "nested in" in later[0].note


@pytest.mark.parametrize(
    ("table", "names", "expected"),
    [
        # a Salesforce custom object: `__` in its name, but no parent key: not nested
        ("Invoice__c", ["Amount__c", "Name"], [0.9, 0.9]),
        ("invoices__lines", ["_dlt_parent_id", "amount"], [None, CONTESTED_CEILING]),
        ("invoices", ["_dlt_id", "amount"], [None, 0.9]),  # dlt's own, wherever it is
    ],
)
def test_only_tables_with_dlts_parent_key_are_held(table, names, expected):
    fields = _fields(table, names)
    ranked = [[Candidate("invoice.total_amount", 0.9, 0.5)] for _ in fields]
    held = hold_nested(ranked, fields)
    assert [c[0].confidence if c else None for c in held] == expected
    assert [bool(c and c[0].held) for c in held] == [e == CONTESTED_CEILING for e in expected]
