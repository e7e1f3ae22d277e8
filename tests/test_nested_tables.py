"""dlt's nested tables go to a person, dlt's own columns map to nothing
(dcl/matching/nested_tables.py, through Matcher.decide and the Resolver)."""

from __future__ import annotations

import pytest

from autonomos_pipelines.dcl.matching.candidate import Candidate
from autonomos_pipelines.dcl.matching.embeddings import default_embedder
from autonomos_pipelines.dcl.matching.matcher import Matcher
from autonomos_pipelines.dcl.matching.nested_tables import apart, hold_nested, nested_of
from autonomos_pipelines.dcl.matching.resolver import Resolver, asks_llm
from autonomos_pipelines.dcl.matching.source_field import SourceField
from autonomos_pipelines.dcl.matching.targets import canonical_targets
from autonomos_pipelines.dcl.matching.thresholds import (
    AUTO_APPROVE,
    CONTESTED_CEILING,
    LLM_FLOOR,
    REVIEW,
)

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
    assert (  # the parent is among the tables ranked: the aggregate a person most likely writes
        "to put it on subscriptions's record, map subscription.quantity there with an "
        "aggregate, e.g. first(items.quantity)" in nested.reason
    )
    assert nested.table is not None and nested.table.nested and "nested" in nested.table.why
    assert not found["subscriptions", "quantity"].table.nested
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
    taken = {table: {"subscription.status"}}  # approved before: the table is founded
    unnested = matcher.rank_tables(new, 5, taken=taken, observed={table: seen[2:]})[0][0]
    assert unnested[0].target == "subscription.quantity"
    assert unnested[0].confidence >= AUTO_APPROVE  # nothing says it is nested: approved
    later = matcher.rank_tables(new, 5, taken=taken, observed={table: seen})[0][0]
    assert later[0].target == "subscription.quantity"
    assert later[0].confidence <= CONTESTED_CEILING and later[0].held
    assert "nested in" in later[0].note


def test_dlts_columns_weigh_in_nothing_but_whether_their_table_is_nested(matcher):
    """The same table with and without dlt's columns is decided alike, counting only its
    own fields; a root table's `_dlt_id` (as `autonomos map` may be sent it) maps to nothing."""
    names = ["id", "email", "first_name", "last_name", "created_at"]
    plain = _fields("contacts", names)
    ranked, tables = matcher.rank_tables(plain, 5)
    with_dlt = _fields("contacts", ["_dlt_id", *names, "_dlt_load_id"])
    ranked_dlt, tables_dlt = matcher.rank_tables(with_dlt, 5)
    assert ranked_dlt[0] == [] and ranked_dlt[-1] == [] and ranked_dlt[1:-1] == ranked
    assert tables_dlt == tables and tables[("billing", "contacts")].fields == len(names)


def test_the_llm_is_not_asked_about_a_nested_tables_fields(matcher):
    """Their note must reach the person; an answer would replace it (Gemini, unreachable
    here, stands behind asks_llm's gate: the gate is what is tested)."""
    items = _fields("subscriptions__items", [*ITEMS, "id", "plan__interval"])
    fields = _fields("subscriptions", SUBSCRIPTION) + items
    nested = [r for r in Resolver(matcher).resolve(fields) if "__" in r.field.source_entity]
    # some are just short of review, where an unheld field would be asked
    assert any(LLM_FLOOR <= r.confidence < REVIEW for r in nested)
    assert all(not asks_llm(r.candidates) for r in nested)
    held = [r for r in nested if r.candidates]
    assert held and all(r.candidates[0].held for r in held)


@pytest.mark.parametrize(
    ("table", "names", "expected"),
    [
        # a Salesforce custom object: `__` in its name, but no parent key: not nested
        ("Invoice__c", ["Amount__c", "Name"], [0.9, 0.9]),
        ("invoices__lines", ["_dlt_parent_id", "amount"], [CONTESTED_CEILING]),
        ("invoices", ["_dlt_id", "amount"], [0.9]),  # a root table's `_dlt_id` says nothing
    ],
)
def test_only_tables_with_dlts_parent_key_are_held(table, names, expected):
    fields = _fields(table, names)
    own, others = apart(fields, None)
    kept = [fields[i] for i in own]
    ranked = [[Candidate("invoice.total_amount", 0.9, 0.5)] for _ in kept]
    nested = nested_of(kept, others)
    held = hold_nested(ranked, kept, nested)
    assert bool(nested) is (CONTESTED_CEILING in expected)
    assert [c[0].confidence for c in held] == expected
    assert [c[0].held for c in held] == [e == CONTESTED_CEILING for e in expected]


def test_a_list_of_scalars_reads_as_the_lists_name(matcher):
    """dlt's `value`, the column of a list of scalars, says nothing; the list's name says
    what it holds: a ticket's tags rank ticket.tags first (the aggregate the mapping pass
    proposes on the ticket: dcl/list_aggregates.py), not another of its text fields."""
    tags = SourceField("desk", "tickets__tags", "value", "text", samples=("billing", "vip"))
    assert (tags.read_name, tags.name_text) == ("tags", "tags")
    plain = SourceField("desk", "tickets", "value", "text")  # a table's own `value` stays
    assert plain.read_name == "value"
    fields = _fields("tickets", ["id", "subject", "status", "priority"]) + [
        SourceField("desk", "tickets__tags", "_dlt_parent_id", "text"), tags,
    ]  # fmt: skip
    fields = [SourceField("desk", f.source_entity, f.field, "text", samples=f.samples)
              for f in fields]  # fmt: skip
    ranked, tables = matcher.rank_tables(fields, 5)
    assert ranked[-1][0].target == "ticket.tags" and ranked[-1][0].held
    assert tables["desk", "tickets__tags"].parent == "tickets"


def test_autonomos_map_gives_a_nested_fields_aggregate_on_its_parent():
    """The batch contract (`autonomos map`, POST .../map) is read-only: it says what the
    mapping pass would propose on the parent table for a nested list's field."""
    from autonomos_pipelines.dcl.mapping_batch import map_batch, source_fields

    rows = [{"source_system": "desk", "source_entity": table, "field": name, "samples": samples}
            for table, name, samples in [
                ("tickets", "id", ["101", "102"]), ("tickets", "subject", ["Printer broken"]),
                ("tickets", "status", ["open", "solved"]),
                ("tickets__tags", "_dlt_parent_id", ["x1"]),
                ("tickets__tags", "value", ["billing", "vip"]),
            ]]  # fmt: skip
    out = map_batch(rows, source_fields(rows, "input"), None, None, llm=None)
    tags = out[-1]
    assert tags["aggregate"] == {
        "table": "tickets", "field": "tags", "target": "ticket.tags",
        "expression": "list(tags.value)",
    }  # fmt: skip
    assert tags["status"] == "pending_review"  # the list's field itself waits for a person
    assert all("aggregate" not in row for row in out[:3])  # the parent's own fields
    assert "aggregate" not in out[3]  # dlt's column has no candidate


def test_a_nested_table_against_a_target_schema_of_the_callers():
    """`autonomos map --target-schema`: a nested field's note and output name no canonical
    type (its targets are the caller's); no aggregate is offered."""
    from autonomos_pipelines.dcl.mapping_batch import map_batch, source_fields
    from autonomos_pipelines.dcl.matching.targets import targets_from_json

    schema = targets_from_json(
        {
            "entities": [
                {
                    "name": "issue",
                    "fields": [
                        {"name": "issue_id", "type": "string"},
                        {"name": "title", "type": "string"},
                        {"name": "tags", "type": "string", "description": "the tags of the issue"},
                    ],
                }
            ]
        }
    )
    rows = [{"source_system": "desk", "source_entity": t, "field": f, "samples": s}
            for t, f, s in [("tickets", "id", ["101"]), ("tickets", "subject", ["Broken"]),
                            ("tickets__tags", "_dlt_parent_id", ["x1"]),
                            ("tickets__tags", "value", ["billing", "vip"])]]  # fmt: skip
    out = map_batch(rows, source_fields(rows, "input"), None, None, schema=schema, llm=None)
    tags = out[-1]
    assert tags["mapping"] == "issue.tags" and tags["status"] == "pending_review"
    assert "e.g. first(tags.value)" in tags["reason"] and "aggregate" not in tags
