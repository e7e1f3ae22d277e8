"""`autonomos review approve` says when the approved field's table feeds no canonical row yet
(its key is not mapped to the entity's identity field), and which proposal would make it
(real PostgreSQL)."""

from __future__ import annotations

import pytest
from typer.testing import CliRunner

from autonomos_pipelines.cli.common import os_account
from autonomos_pipelines.cli.main import app
from autonomos_pipelines.dcl.registry.bootstrap import open_registry
from autonomos_pipelines.dcl.registry.refs import FieldRef
from autonomos_pipelines.dcl.registry.workflow import Workflow

pytestmark = pytest.mark.postgres
HINT = "crm.leads feeds no canonical opportunity row until a field of it is mapped to "


def approve(mapping_id: int) -> str:
    result = CliRunner().invoke(app, ["review", "approve", str(mapping_id)])
    assert result.exit_code == 0, result.output
    return result.output


def propose(flow: Workflow, field: str, target: str) -> int:
    ref = FieldRef("acme", "crm", "leads", field)
    return flow.propose(ref, target, 0.7, "rag", "system:dcl")


def test_approving_a_field_of_a_table_that_feeds_nothing_says_what_it_waits_for(env):
    registry = open_registry(env)
    registry.add_tenant("acme", {}, "test")
    flow = Workflow(registry)
    flow.set_role(os_account(), "admin", os_account())  # the CLI acts as this account

    title = approve(propose(flow, "title", "opportunity.name"))
    assert f"note: {HINT}opportunity.opportunity_id\n" in title  # nothing proposed for the key

    key = propose(flow, "lead_id", "opportunity.opportunity_id")
    amount = approve(propose(flow, "value", "opportunity.amount"))
    assert f"{HINT}opportunity.opportunity_id; waiting for review: {key} (lead_id)" in amount

    assert "note:" not in approve(key)  # the key itself: the table feeds opportunity now
    assert "note:" not in approve(propose(flow, "stage", "opportunity.stage"))


def test_a_baseline_rows_note_names_only_the_baselines_proposals(env):
    registry = open_registry(env)
    registry.add_tenant("acme", {}, "test")
    flow = Workflow(registry)
    flow.set_role(os_account(), "admin", os_account())
    tenants_key = flow.propose(FieldRef("acme", "crm", "leads", "lead_id"),
                               "opportunity.opportunity_id", 0.7, "rag", "system:dcl")  # fmt: skip
    baseline = flow.propose(FieldRef(None, "crm", "leads", "title"), "opportunity.name", 0.7,
                            "rag", "system:dcl")  # fmt: skip
    said = approve(baseline)
    assert f"note: {HINT}opportunity.opportunity_id\n" in said
    assert str(tenants_key) not in said.split("note:")[1]


def test_a_tenant_inherits_the_baselines_key_unless_its_own_version_of_that_field_overrides_it(
    env,
):
    registry = open_registry(env)
    registry.add_tenant("acme", {}, "test")
    flow = Workflow(registry)
    flow.set_role(os_account(), "admin", os_account())
    approve(flow.propose(FieldRef(None, "crm", "LEADS", "lead_id"), "opportunity.opportunity_id",
                         0.7, "rag", "system:dcl"))  # fmt: skip
    assert "note:" not in approve(propose(flow, "title", "opportunity.name"))  # any name case

    approve(propose(flow, "lead_id", None))  # the tenant's own: its lead_id is no key
    said = approve(propose(flow, "value", "opportunity.amount"))
    assert f"note: {HINT}opportunity.opportunity_id\n" in said
