"""`autonomos review approve-table`: a source table's proposals decided together, its key
first; what a person must still weigh is left with why (real PostgreSQL)."""

from __future__ import annotations

import pytest
from typer.testing import CliRunner

from autonomos_pipelines.cli.common import os_account
from autonomos_pipelines.cli.main import app
from autonomos_pipelines.dcl.registry.bootstrap import open_registry
from autonomos_pipelines.dcl.registry.refs import FieldRef
from autonomos_pipelines.dcl.registry.workflow import Workflow
from tests.cli_runner import cli

pytestmark = pytest.mark.postgres
PROPOSED = [  # field, target, confidence
    ("title", "opportunity.name", 0.90),
    ("lead_id", "opportunity.opportunity_id", 0.84),  # the key: decided first
    ("headline", "opportunity.name", 0.70),  # the same target as `title`
    ("company", "account.name", 0.80),  # another entity's field
    ("stage", "opportunity.stage", 0.55),  # below the floor
    ("value", "opportunity.amount", 0.75),
]


@pytest.fixture
def flow(env) -> Workflow:
    registry = open_registry(env)
    registry.add_tenant("acme", {}, "test")
    workflow = Workflow(registry)
    workflow.set_role(os_account(), "admin", os_account())  # the CLI acts as this account
    for field, target, confidence in PROPOSED:
        ref = FieldRef("acme", "legacy_crm", "leads", field)
        workflow.propose(ref, target, confidence, "rag", "system:dcl")
    other = FieldRef("acme", "legacy_crm", "deals", "title")  # another table: never touched
    workflow.propose(other, "opportunity.name", 0.9, "rag", "system:dcl")
    return workflow


def decided(output: str, verb: str) -> list[str]:
    """The source fields of the lines starting with ``verb``, in order."""
    return [
        line.split("legacy_crm.")[1].split(" ")[0].split(".", 1)[1]
        for line in output.splitlines()
        if line.startswith(verb + " ")
    ]


def test_tables_lists_each_table_waiting_with_its_key(flow):
    junk = FieldRef("acme", "legacy_crm", "leads", "junk")  # approved: no canonical counterpart
    flow.propose(junk, None, 1.0, "manual", "t", activate=True)
    said = cli("review", "tables", "--tenant", "acme").splitlines()
    key = next(r["id"] for r in flow.pending("acme") if r["source_field"] == "lead_id")
    assert said[:2] == [
        "acme  legacy_crm.deals  1 waiting  no key proposed",
        f"acme  legacy_crm.leads  6 waiting  key lead_id -> opportunity.opportunity_id ({key})",
    ]
    assert said[2].startswith("2 table(s) with proposals waiting; decide one with")


def test_a_dry_run_says_what_would_be_decided_and_decides_nothing(flow):
    said = cli("review", "approve-table", "legacy_crm.leads", "--tenant", "acme", "--dry-run")
    assert decided(said, "would approve") == ["lead_id", "title", "value"]
    assert decided(said, "would leave") == ["company", "headline", "stage"]
    assert "opportunity.name is already fed by title of this table" in said
    assert (
        "the table is taken for opportunity; this would make it feed canonical account too" in said
    )
    assert "confidence 0.550 is below 0.60" in said
    assert said.splitlines()[-1] == (
        "legacy_crm.leads feeds opportunity: 3 would approve, 3 would leave for a person"
    )
    assert len(flow.pending("acme")) == len(PROPOSED) + 1


def test_the_key_goes_first_and_what_is_left_stays_for_a_person(flow):
    said = cli("review", "approve-table", "legacy_crm.leads", "--tenant", "acme",
               "--min-confidence", "0.5")  # fmt: skip
    assert decided(said, "approved") == ["lead_id", "title", "value", "stage"]
    assert decided(said, "left") == ["company", "headline"]
    active = flow.registry.mapping_index("acme")
    leads = {f for (c, t, f) in active if (c, t) == ("legacy_crm", "leads")}
    assert leads == {"lead_id", "title", "value", "stage"}
    waiting = {(r["source_table"], r["source_field"]) for r in flow.pending("acme")}
    assert waiting == {("leads", "headline"), ("leads", "company"), ("deals", "title")}
    key = flow.history(FieldRef("acme", "legacy_crm", "leads", "lead_id"))
    assert [(r["status"], r["approved_by"]) for r in key] == [("active", os_account())]

    again = cli("review", "approve-table", "legacy_crm.deals", "--tenant", "acme")
    assert decided(again, "approved") == ["title"]  # a table with no key proposed: said so
    assert "note: legacy_crm.deals feeds no canonical opportunity row until a field" in again
    assert "note:" not in said


def test_only_new_mappings_of_fields_are_decided_in_bulk(flow):
    def ref(field: str) -> FieldRef:
        return FieldRef("acme", "legacy_crm", "leads", field)

    # an approved mapping a new proposal would replace, and one flagged by drift
    for field in ("title", "value"):
        for pending in flow.pending("acme"):
            if pending["source_field"] == field and pending["source_table"] == "leads":
                flow.approve(pending["id"], os_account())
    flow.propose(ref("title"), "opportunity.description", 0.95, "rag", "system:dcl")
    value = flow.registry.lookup("acme", "legacy_crm", "leads", "value")
    assert value is not None
    flow.flag_for_review(value.id, "system:dcl", "the source changed the column's type")
    # a field's two pending versions, and a field with no counterpart
    flow.propose(ref("stage"), "opportunity.stage", 0.65, "rag", "system:dcl")  # v2 of stage
    flow.propose(ref("notes"), None, 0.9, "rag", "system:dcl")

    said = cli("review", "approve-table", "legacy_crm.leads", "--tenant", "acme")
    assert decided(said, "approved") == ["lead_id", "stage"]
    why = {line.split("legacy_crm.leads.")[1].split(" ")[0]: line.split("]: ")[1]
           for line in said.splitlines() if line.startswith("left ")}  # fmt: skip
    assert why["title"] == "would replace its active mapping to opportunity.name"
    assert why["value"] == "flagged for review: the source changed the column's type"
    assert why["notes"] == "proposes that the field has no canonical counterpart: decide it alone"
    assert why["stage"] == "version 1: a newer version of the field waits too"
    assert flow.registry.lookup("acme", "legacy_crm", "leads", "title").canonical_field == "name"
    assert flow.registry.lookup("acme", "legacy_crm", "leads", "stage").version == 2
    # the older version is still there for a person, never approved by a second run
    again = CliRunner().invoke(app, ["review", "approve-table", "legacy_crm.leads", "--tenant",
                                     "acme"])  # fmt: skip
    assert "approved " not in again.output


def test_a_dry_run_is_refused_as_the_decisions_would_be(flow):
    flow.set_role(os_account(), "viewer", os_account())
    said = CliRunner().invoke(app, ["review", "approve-table", "legacy_crm.leads", "--tenant",
                                    "acme", "--dry-run"])  # fmt: skip
    assert said.exit_code == 2 and "needs role reviewer or admin" in said.output


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["leads"], "table 'leads': expected connector.table"),
        (["legacy_crm.leads", "--min-confidence", "1.5"],
         "--min-confidence 1.5: expected a number"),
        (["legacy_crm.leads", "--tenant", "nosuch"], "no tenant 'nosuch'"),
        (["legacy_crm.nothing", "--tenant", "acme"],
         "legacy_crm.nothing: no proposals wait for review for tenant acme"),
    ],
)  # fmt: skip
def test_bad_input_is_named(flow, args, message):
    said = CliRunner().invoke(app, ["review", "approve-table", *args])
    assert said.exit_code == 2 and message in said.output


def test_a_target_the_baseline_feeds_and_an_active_key_hold_their_ground(flow):
    def ref(field: str, tenant: str | None = "acme") -> FieldRef:
        return FieldRef(tenant, "legacy_crm", "leads", field)

    # the baseline already feeds opportunity.description from another field of the table
    flow.propose(ref("summary", None), "opportunity.description", 1.0, "manual", "t",
                 activate=True)  # fmt: skip
    flow.propose(ref("notes"), "opportunity.description", 0.9, "rag", "system:dcl")
    # accounts' keys proposed for a table whose key already says opportunity
    flow.propose(ref("lead_id"), "opportunity.opportunity_id", 1.0, "manual", "t", activate=True)
    flow.propose(ref("acct"), "account.account_id", 0.95, "rag", "system:dcl")
    flow.propose(ref("company_id"), "account.account_id", 0.9, "rag", "system:dcl")

    plan = cli("review", "approve-table", "legacy_crm.leads", "--tenant", "acme", "--dry-run")
    assert plan.splitlines()[-1].startswith("legacy_crm.leads feeds opportunity:")
    assert "opportunity.description is already fed by summary of this table" in plan
    taken = "the table is taken for opportunity; this would make it feed canonical account too"
    assert plan.count(taken) == 3  # and `company` -> account.name
    assert "already mapped so (the active mapping)" in plan  # lead_id's proposal: stale
    tables = cli("review", "tables", "--tenant", "acme")
    assert "legacy_crm.leads  9 waiting  key mapped: lead_id -> opportunity.opportunity_id" in (
        tables
    )


def test_a_row_refused_midway_is_left_and_the_rest_still_decided(flow, monkeypatch):
    from autonomos_pipelines.dcl import table_review
    from autonomos_pipelines.dcl.registry.refs import MappingConflict

    approve = table_review.review.approve

    def approve_but_title(workflow, mapping_id, *args, **kwargs):  # another reviewer was first
        if workflow.get(mapping_id)["source_field"] == "title":
            raise MappingConflict("opportunity.name is already fed by headline; reject one")
        return approve(workflow, mapping_id, *args, **kwargs)

    monkeypatch.setattr(table_review.review, "approve", approve_but_title)
    said = cli("review", "approve-table", "legacy_crm.leads", "--tenant", "acme")
    assert decided(said, "approved") == ["lead_id", "value", "headline"]  # name is free
    assert "opportunity.name is already fed by headline\n" in said


def test_a_database_lost_midway_names_what_was_approved_and_a_second_run_goes_on(flow, monkeypatch):
    from sqlalchemy.exc import OperationalError

    from autonomos_pipelines.dcl import review

    real, calls = review.approve, []

    def dropped_on_the_second(*args, **kwargs):  # stands for PostgreSQL going away midway
        calls.append(args[1])
        if len(calls) == 2:
            raise OperationalError("UPDATE", {}, Exception("server closed the connection"))
        return real(*args, **kwargs)

    monkeypatch.setattr(review, "approve", dropped_on_the_second)
    said = cli("review", "approve-table", "legacy_crm.leads", "--tenant", "acme", code=2)
    key, title = calls
    assert f"legacy_crm.leads: stopped at {title} (title): server closed the connection; " in said
    assert f"approved before it, and kept: {key} ({title} itself may be: " in said
    assert said.rstrip().endswith("approve-table again goes on from there")
    assert flow.get(key)["is_active"] and not flow.get(title)["is_active"]

    monkeypatch.setattr(review, "approve", real)
    again = cli("review", "approve-table", "legacy_crm.leads", "--tenant", "acme")
    assert decided(again, "approved") == ["title", "value"]


def test_a_dry_run_the_database_interrupts_says_nothing_was_decided(flow, monkeypatch):
    from sqlalchemy.exc import OperationalError

    calls = []
    real = flow.claimed_elsewhere

    def dropped_on_the_second(row):  # stands for PostgreSQL going away midway
        calls.append(row["id"])
        if len(calls) == 2:
            raise OperationalError("SELECT", {}, Exception("server closed the connection"))
        return real(row)

    monkeypatch.setattr(Workflow, "claimed_elsewhere", lambda self, row: dropped_on_the_second(row))
    said = cli("review", "approve-table", "legacy_crm.leads", "--tenant", "acme", "--dry-run",
               code=2)  # fmt: skip
    assert "server closed the connection; a dry run: nothing was decided" in said
    assert "kept" not in said
