"""A nested list's field is proposed as an aggregate on its parent table (dcl/list_aggregates.py
through dcl/mapping_run.py), on real PostgreSQL: for review, in place of its own proposal; its
columns then count as mapped, or in review, through it; a person's rejection is final."""

from __future__ import annotations

import pytest
import sqlalchemy as sa

from autonomos_pipelines.cli.common import os_account
from autonomos_pipelines.dcl.list_aggregates import batch_aggregates, list_aggregates
from autonomos_pipelines.dcl.mapping_run import map_tenant_fields
from autonomos_pipelines.dcl.matching.candidate import Candidate
from autonomos_pipelines.dcl.matching.resolver import Resolution
from autonomos_pipelines.dcl.matching.source_field import SourceField
from autonomos_pipelines.dcl.matching.table_entity import TableEntity
from autonomos_pipelines.dcl.registry.bootstrap import open_registry
from autonomos_pipelines.dcl.registry.refs import FieldRef
from autonomos_pipelines.dcl.registry.store import Mapping, ObservedField
from autonomos_pipelines.dcl.registry.workflow import Workflow
from mapping_assets.mappings.metadata import mapping_metadata
from tests.cli_runner import cli

pytestmark = pytest.mark.postgres

DESK = "zorgdesk"  # a helpdesk the catalogue has no connector for, loaded by dlt
TICKETS = [
    ("id", "BIGINT", ("101", "102")),
    ("subject", "VARCHAR", ("Printer broken", "Login fails")),
    ("status", "VARCHAR", ("open", "solved")),
    ("priority", "VARCHAR", ("high", "low")),
    ("created_at", "TIMESTAMP", ("2024-01-02T10:00:00Z",)),
]
TAGS = [  # dlt's table for `tags: ["billing", ...]` in each ticket
    ("_dlt_parent_id", "VARCHAR", ("k2Jd9x",)),
    ("_dlt_list_idx", "BIGINT", ("0", "1")),
    ("value", "VARCHAR", ("billing", "urgent", "vip")),
]
CONTACTS = [("id", "BIGINT", ("1", "2")), ("email", "VARCHAR", ("ann@zorg.io",)),
            ("first_name", "VARCHAR", ("Ann",))]  # fmt: skip
EMAILS = [("_dlt_parent_id", "VARCHAR", ("x9",)), ("value", "VARCHAR", ("ann@home.net",))]


def _observed(tables: dict[str, list]) -> list[SourceField]:
    return [
        SourceField(DESK, table, name, kind, samples=samples)
        for table, columns in tables.items()
        for name, kind, samples in columns
    ]


def _pass(registry, fields: list[SourceField]):
    """A mapping step as the asset runs it: the pass, then the fields it saw recorded with
    their outcomes (so a first pass finds no field of the tenant recorded)."""
    run = map_tenant_fields(registry, "acme", fields)
    registry.record_source_fields("acme", [
        ObservedField(o.source.source_system, o.source.source_entity, o.source.field,
                      o.source.type, o.mapping_id if o.status == "mapped" else None, o.status)
        for o in run.outcomes
    ])  # fmt: skip
    return run


@pytest.fixture
def onboarded(env):
    registry = open_registry(env)
    registry.add_tenant("acme", {}, "test")
    Workflow(registry).set_role(os_account(), "admin", os_account())  # the first account
    tables = {"tickets": TICKETS, "tickets__tags": TAGS,
              "contacts": CONTACTS, "contacts__emails": EMAILS}  # fmt: skip
    fields = _observed(tables)
    return registry, fields, _pass(registry, fields)


def _outcome(run, table, field):
    (found,) = [
        o for o in run.outcomes if (o.source.source_entity, o.source.field) == (table, field)
    ]
    return found


def test_a_list_of_tags_is_proposed_as_an_aggregate_on_its_parent_for_review(onboarded):
    registry, _, run = onboarded
    pending = Workflow(registry).pending("acme")
    (aggregate,) = [r for r in pending if r["expression"]]
    assert (aggregate["source_table"], aggregate["source_field"]) == ("tickets", "tags")
    assert (aggregate["canonical_entity"], aggregate["canonical_field"]) == ("ticket", "tags")
    assert aggregate["expression"] == "list(tags.value)"
    assert aggregate["status"] == "proposed" and not aggregate["is_active"]
    assert "tickets__tags.value is a list nested in tickets's records" in aggregate["reason"]
    assert aggregate["evidence"]["list"] == {"table": "tickets__tags", "field": "value"}
    assert aggregate["evidence"]["candidates"][0]["target"] == "ticket.tags"
    assert run.aggregates_proposed == 1 and run.proposed >= 1
    assert mapping_metadata(run)["list_aggregates_proposed_this_run"] == 1  # in the Dagster UI
    shown = cli("review", "show", str(aggregate["id"]))
    assert "zorgdesk.tickets.tags -> ticket.tags = list(tags.value)" in shown
    assert "reads the list tickets__tags nested in tickets's records" in shown
    # the list's field is not proposed as it is: the aggregate stands for it
    assert not [r for r in pending if r["source_table"] == "tickets__tags"]
    tags = _outcome(run, "tickets__tags", "value")
    assert (tags.status, tags.target, tags.mapping_id) == (
        "pending_review", "ticket.tags", aggregate["id"],
    )  # fmt: skip


def test_a_list_field_whose_target_the_parent_already_feeds_keeps_its_own_proposal(onboarded):
    """The contact's own `email` feeds contact.email: a list of other addresses is not a
    second claim on it, and waits for a person as it is, its note saying what to write."""
    registry, _, run = onboarded
    assert _outcome(run, "contacts", "email").target == "contact.email"
    pending = Workflow(registry).pending("acme")
    assert not [r for r in pending if r["source_table"] == "contacts" and r["expression"]]
    (own,) = [r for r in pending if r["source_table"] == "contacts__emails"]
    assert own["source_field"] == "value" and not own["expression"]
    assert "aggregate, e.g. first(emails.value)" in own["reason"]


def test_an_approved_aggregate_maps_its_list_columns_and_they_are_not_ranked_again(onboarded):
    registry, fields, first = onboarded
    workflow = Workflow(registry)
    (aggregate,) = [r for r in workflow.pending("acme") if r["expression"]]
    workflow.approve(aggregate["id"], os_account())
    again = _pass(registry, fields)
    tags = _outcome(again, "tickets__tags", "value")
    assert (tags.status, tags.method, tags.mapping_id) == ("mapped", "registry", aggregate["id"])
    # ranked again: only what was unmapped (the list's column is mapped through its reader)
    assert again.resolved_now == sum(o.status == "unmapped" for o in first.outcomes)
    pending = workflow.pending("acme")
    assert not [r for r in pending if r["source_table"] == "tickets__tags" or r["expression"]]


def test_a_rejected_aggregate_is_not_proposed_again_nor_the_list_field_as_it_is(onboarded):
    registry, fields, _ = onboarded
    workflow = Workflow(registry)
    (aggregate,) = [r for r in workflow.pending("acme") if r["expression"]]
    workflow.reject(aggregate["id"], os_account(), "tags are not kept")
    again = _pass(registry, fields)
    assert _outcome(again, "tickets__tags", "value").status == "unmapped"
    pending = workflow.pending("acme")
    assert not [r for r in pending if r["source_table"] == "tickets__tags" or r["expression"]]


def test_a_list_arriving_later_is_proposed_on_its_parent_mapped_before(env):
    """dlt creates a list's table with its first item: the parent was mapped and recorded in
    an earlier pass, and only the list's fields are ranked now."""
    registry = open_registry(env)
    registry.add_tenant("acme", {}, "test")
    first = _observed({"tickets": TICKETS})
    _pass(registry, first)
    later = first + _observed({"tickets__tags": TAGS})
    run = _pass(registry, later)
    assert run.resolved_now < len(later)  # the parent's fields were decided before
    (aggregate,) = [r for r in Workflow(registry).pending("acme") if r["expression"]]
    assert (aggregate["source_table"], aggregate["source_field"]) == ("tickets", "tags")
    assert aggregate["expression"] == "list(tags.value)"


ASSIGNEES = [("_dlt_parent_id", "VARCHAR", ()), ("value", "BIGINT", ()), ("group_id", "BIGINT", ())]


@pytest.mark.parametrize("recorded", [False, True], ids=["first pass", "observed before"])
def test_an_aggregate_is_cast_to_its_targets_type_and_the_best_list_field_wins(env, recorded):
    """A list of numbers read onto a text field is cast (to_text), whether or not the tables
    were recorded before the pass; of two list fields for the same target the more confident
    is proposed; a target the parent feeds is left alone."""
    registry = open_registry(env)
    registry.add_tenant("acme", {}, "test")
    fields = _observed({"tickets": TICKETS, "tickets__assignees": ASSIGNEES})
    if recorded:
        registry.record_field_types(
            "acme", [ObservedField(DESK, f.source_entity, f.field, f.type, None) for f in fields]
        )
    resolutions = dict([
        _nested("tickets__assignees", "value", "ticket.assignee_id", 0.8),
        _nested("tickets__assignees", "group_id", "ticket.assignee_id", 0.7),
        _nested("tickets__assignees", "_dlt_list_idx", "ticket.subject", 0.9),
    ])  # fmt: skip
    index = {(DESK, "tickets", "subject"): _active("ticket", "subject")}
    workflow = Workflow(registry)
    found, withheld = list_aggregates(workflow, "acme", resolutions, (index, {}), {}, fields)
    (aggregate,) = found
    assert (aggregate.ref.source_table, aggregate.ref.source_field) == ("tickets", "assignees")
    assert aggregate.expression == "to_text(first(assignees.value))"
    assert withheld == {(DESK, "tickets__assignees", "value")}
    # the registry checks it against the same types before writing it
    workflow.propose(aggregate.ref, aggregate.target, 0.8, "rag", "system:dcl",
                     expression=aggregate.expression)  # fmt: skip


@pytest.mark.parametrize(
    ("tables", "listed"),
    [
        # the parent has a column of the aggregate's name (dlt's variant of an object/list)
        ({"tickets": [*TICKETS, ("tags", "VARCHAR", ())], "tickets__tags": TAGS[:1] + TAGS[2:]},
         "tickets__tags"),
        # `<parent>__` names no list
        ({"tickets": TICKETS, "tickets__": TAGS}, "tickets__"),
        # a list inside a list: an expression on the root reads only its direct lists
        ({"tickets": TICKETS, "tickets__comments": [("_dlt_parent_id", "VARCHAR", ())],
          "tickets__comments__tags": TAGS}, "tickets__comments__tags"),
    ],
    ids=["name taken by a column", "no path", "list in a list"],
)  # fmt: skip
def test_no_aggregate_where_it_cannot_be_one(env, tables, listed):
    registry = open_registry(env)
    registry.add_tenant("acme", {}, "test")
    fields = _observed(tables)
    parent = "tickets__comments" if "comments" in listed else "tickets"
    index = {(DESK, parent, "subject"): _active("ticket", "subject")}
    resolutions = dict([_nested(listed, "value", "ticket.tags")])
    found, _ = list_aggregates(Workflow(registry), "acme", resolutions, (index, {}), {}, fields)
    assert found == []


def _active(entity, field, table="tickets"):
    return Mapping(1, "acme", DESK, table, field, entity, field, "none", 1.0, "manual",
                   "active", 1)  # fmt: skip


def _root(table, field, target):
    """A field of a table that is no list, decided to be the target's entity."""
    entity = TableEntity(target.partition(".")[0], 0.9, None, 0.0, 5, None)
    source = SourceField(DESK, table, field, "VARCHAR")
    return (DESK, table, field), Resolution(
        source, [Candidate(target, 0.9, 0.9)], target, 0.9, "rag", "auto_approved", table=entity
    )


def _nested(table, field, target, confidence=0.8):
    entity = TableEntity(target.partition(".")[0], 0.7, None, 0.0, 2, None, nested=True)
    source = SourceField(DESK, table, field, "BIGINT")
    candidate = Candidate(target, confidence, confidence)
    return (DESK, table, field), Resolution(
        source, [candidate], target, confidence, "rag", "pending_review", table=entity
    )


def test_a_list_column_a_baseline_aggregate_reads_counts_as_mapped(env):
    """The baseline reads Zendesk's ticket tags as `tickets.tags = list(tags.value)`, and
    says the list's column has no counterpart as it is: the aggregate maps it."""
    registry = open_registry(env)
    registry.add_tenant("acme", {"zendesk": {}}, "test")
    fields = [
        SourceField("zendesk", "tickets", "subject", "VARCHAR"),
        SourceField("zendesk", "tickets__tags", "_dlt_parent_id", "VARCHAR"),
        SourceField("zendesk", "tickets__tags", "value", "VARCHAR"),
    ]
    run = map_tenant_fields(registry, "acme", fields)
    tags = _outcome(run, "tickets__tags", "value")
    baseline = registry.lookup("acme", "zendesk", "tickets", "tags")
    assert baseline is not None and baseline.expression == "list(tags.value)"
    assert (tags.status, tags.target, tags.mapping_id) == ("mapped", "ticket.tags", baseline.id)
    assert _outcome(run, "tickets__tags", "_dlt_parent_id").status == "unmapped"  # not read


def test_an_approved_aggregate_outranks_the_list_columns_own_older_proposal(onboarded):
    """The contact's other addresses wait as they are (their target is the contact's own
    e-mail's); a person then writes an aggregate that reads them: the column is mapped
    through it, not shown as waiting."""
    registry, fields, first = onboarded
    assert _outcome(first, "contacts__emails", "value").status == "pending_review"
    emails = FieldRef("acme", DESK, "contacts", "emails")
    Workflow(registry).edit(emails, "contact.phone", "none", os_account(), "first(emails.value)")
    again = _outcome(_pass(registry, fields), "contacts__emails", "value")
    approved = registry.lookup("acme", DESK, "contacts", "emails")
    assert (again.status, again.target, again.mapping_id) == (
        "mapped",
        "contact.phone",
        approved.id,
    )


@pytest.mark.parametrize(
    ("flag", "condition"),
    [("BOOLEAN", "emails.primary"), ("VARCHAR", "to_boolean(emails.primary)")],
)
def test_a_list_whose_items_flag_the_primary_one_gives_that_one(env, flag, condition):
    """A person's e-mail addresses, one flagged primary (Pipedrive's, HubSpot's lists)."""
    registry = open_registry(env)
    registry.add_tenant("acme", {}, "test")
    emails = [("_dlt_parent_id", "VARCHAR", ()), ("value", "VARCHAR", ()),
              ("primary", flag, ()), ("label", "VARCHAR", ())]  # fmt: skip
    fields = _observed({"people": [("id", "BIGINT", ()), ("name", "VARCHAR", ())],
                        "people__emails": emails})  # fmt: skip
    index = {(DESK, "people", "name"): _active("contact", "full_name", "people")}
    resolutions = dict([_nested("people__emails", "value", "contact.email")])
    (found,), _ = list_aggregates(Workflow(registry), "acme", resolutions, (index, {}), {}, fields)
    assert found.expression == (f"coalesce(first(emails.value, {condition}), first(emails.value))")


def test_a_stale_table_the_registry_still_holds_keeps_the_pass_whole(env):
    """`tickets__custom` was a list once and is still recorded; `tickets__custom__tags` now
    comes straight from a ticket's `custom` object. The registry, which checks every
    proposal before a batch is written, reads the tags as a list inside that old list: the
    aggregate it would refuse is not proposed, and the pass's other decisions are written."""
    registry = open_registry(env)
    registry.add_tenant("acme", {}, "test")
    registry.record_field_types("acme", [
        ObservedField(DESK, "tickets__custom", name, "VARCHAR", None)
        for name in ("_dlt_parent_id", "name")
    ])  # fmt: skip
    fields = _observed({"tickets": TICKETS, "tickets__custom__tags": TAGS})
    run = _pass(registry, fields)
    assert run.aggregates_proposed == 0
    assert _outcome(run, "tickets", "subject").status == "mapped"  # the batch was written
    pending = Workflow(registry).pending("acme")
    assert not [r for r in pending if r["expression"]]


def test_autonomos_maps_aggregate_is_the_one_a_pass_would_propose():
    """No registry: the fields alone say the parent's entity and what its fields feed."""
    fields = _observed({"tickets": TICKETS, "tickets__assignees": ASSIGNEES,
                        "tickets__comments": [("_dlt_parent_id", "VARCHAR", ())],
                        "tickets__comments__tags": TAGS})  # fmt: skip
    resolutions = dict([
        _root("tickets", "subject", "ticket.subject"),
        _nested("tickets__assignees", "value", "ticket.assignee_id"),
        _nested("tickets__assignees", "group_id", "ticket.subject"),  # the parent feeds it
        _nested("tickets__comments__tags", "value", "ticket.tags"),  # a list in a list
    ])  # fmt: skip
    (found,) = batch_aggregates(resolutions, fields).values()
    assert (found.ref.source_field, found.expression) == (
        "assignees", "to_text(first(assignees.value))",
    )  # fmt: skip


def test_a_flag_that_is_no_boolean_leaves_the_first_item():
    """A json `primary` cannot say true or false: the first item's."""
    emails = [("_dlt_parent_id", "VARCHAR", ()), ("value", "VARCHAR", ()), ("primary", "JSON", ())]
    fields = _observed({"people": [("id", "BIGINT", ())], "people__emails": emails})
    resolutions = dict([
        _root("people", "id", "contact.contact_id"),
        _nested("people__emails", "value", "contact.email"),
    ])  # fmt: skip
    (found,) = batch_aggregates(resolutions, fields).values()
    assert found.expression == "first(emails.value)"


def _tags_waiting(env):
    """A tenant whose list's table came first, alone: `tickets__tags.value` waits as it is."""
    registry = open_registry(env)
    registry.add_tenant("acme", {}, "test")
    workflow = Workflow(registry)
    workflow.set_role(os_account(), "admin", os_account())
    _pass(registry, _observed({"tickets__tags": TAGS}))
    (own,) = [r for r in workflow.pending("acme") if r["source_table"] == "tickets__tags"]
    return registry, workflow, own


@pytest.mark.parametrize("decided", ["approved", "set by a person"])
def test_a_list_columns_own_proposal_is_superseded_by_an_aggregate_that_reads_it(env, decided):
    """The list's table came first, alone: its column waits for a person as it is. Once an
    aggregate on the parent that reads it is in effect, approved or set by hand, the column's
    proposal leaves the queue (which it held shut), deprecated, saying what replaced it."""
    registry, workflow, own = _tags_waiting(env)
    _pass(registry, _observed({"tickets": TICKETS, "tickets__tags": TAGS}))
    ref = FieldRef("acme", DESK, "tickets", "tags")
    if decided == "approved":
        proposed = workflow.propose(ref, "ticket.tags", 0.8, "rag", "system:dcl",
                                    expression="list(tags.value)")  # fmt: skip
        assert own["id"] in [r["id"] for r in workflow.pending("acme")]  # both wait
        workflow.approve(proposed, os_account())
    else:
        workflow.edit(ref, "ticket.tags", "none", os_account(), expression="list(tags.value)")
    assert own["id"] not in [r["id"] for r in workflow.pending("acme")]
    withdrawn = workflow.get(own["id"], "acme")
    assert (withdrawn["status"], withdrawn["is_active"]) == ("deprecated", False)
    assert withdrawn["reason"] == "superseded by zorgdesk.tickets.tags = list(tags.value)"
    history = cli("mappings", "history", "zorgdesk.tickets__tags.value", "--tenant", "acme")
    assert "[deprecated" in history and "superseded by zorgdesk.tickets.tags" in history
    with registry.engine.connect() as connection:
        actions = connection.execute(
            sa.text("SELECT action FROM audit_log WHERE object_key = :k ORDER BY id"),
            {"k": "zorgdesk.tickets__tags.value@1"},
        ).scalars()
        assert list(actions)[-1] == "mapping.supersede"


def test_a_baseline_aggregate_supersedes_a_tenants_list_column_at_its_next_pass(env):
    """The baseline gains `tickets.tags = list(tags.value)` after a tenant's `tags.value` was
    proposed as it is: written for no tenant, it withdraws nothing of theirs, but the tenant's
    next pass finds the column read by an approved mapping and withdraws its proposal, which
    would hold the tenant's review gate shut for good."""
    registry, workflow, own = _tags_waiting(env)
    workflow.edit(FieldRef(None, DESK, "tickets", "tags"), "ticket.tags", "none", os_account(),
                  expression="list(tags.value)")  # fmt: skip
    assert own["id"] in [r["id"] for r in workflow.pending("acme")]
    run = _pass(registry, _observed({"tickets": TICKETS, "tickets__tags": TAGS}))
    assert run.superseded == 1
    assert mapping_metadata(run)["proposals_superseded_this_run"] == 1  # in the Dagster UI
    assert own["id"] not in [r["id"] for r in workflow.pending("acme")]
    withdrawn = workflow.get(own["id"], "acme")
    assert withdrawn["status"] == "deprecated"
    assert withdrawn["reason"] == "superseded by zorgdesk.tickets.tags = list(tags.value)"
    tags = _outcome(run, "tickets__tags", "value")
    assert (tags.status, tags.target) == ("mapped", "ticket.tags")
    assert _pass(registry, _observed({"tickets": TICKETS})).superseded == 0  # once
