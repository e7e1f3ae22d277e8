"""The value-mapping commands: `mappings values | set-value | value-history | value-rollback`
and `review list | show | approve | reject` with `v` ids, as a reviewer uses them."""

from __future__ import annotations

import json
import re

import pytest
import sqlalchemy as sa

from autonomos_pipelines.cli.common import os_account
from autonomos_pipelines.core.errors import SpecError
from autonomos_pipelines.core.tenant_id import TenantId
from autonomos_pipelines.dcl.registry.bootstrap import open_registry
from autonomos_pipelines.dcl.registry.file_import import import_file
from autonomos_pipelines.dcl.registry.refs import FieldRef, WorkflowError
from autonomos_pipelines.dcl.registry.source_values import ObservedValues
from autonomos_pipelines.dcl.registry.value_file import parse_values
from autonomos_pipelines.dcl.registry.value_refs import ValueRef
from autonomos_pipelines.dcl.registry.value_workflow import ValueWorkflow
from autonomos_pipelines.dcl.registry.value_writes import ValueProposal
from autonomos_pipelines.dcl.registry.workflow import Workflow
from autonomos_pipelines.dcl.value_run import map_tenant_values
from tests.cli_runner import cli
from tests.test_value_mappings import active_map

pytestmark = pytest.mark.postgres
FIELD = "zendesk.tickets.status"


@pytest.fixture
def flow(env) -> ValueWorkflow:
    registry = open_registry(env)
    for tenant in ("acme", "beta"):
        registry.add_tenant(tenant, {"zendesk": {}}, "test")
    workflow = Workflow(registry)
    workflow.set_role(os_account(), "admin", os_account())  # the CLI acts as this account
    return ValueWorkflow(workflow)


def propose(flow: ValueWorkflow, value: str, canonical: str) -> int:
    ref = ValueRef(FieldRef("acme", "zendesk", "tickets", "status"), value)
    evidence = {"candidates": [[canonical, 0.71], ["pending", 0.52]]}
    proposal = ValueProposal(ref, "ticket", "status", canonical, 0.72, "rag", False,
                             "nearest by meaning", evidence)  # fmt: skip
    return flow.propose_many([proposal], "system:dcl")[0]


def test_set_show_history_and_rollback_a_value_mapping(flow):
    said = cli("mappings", "set-value", FIELD, "snoozed", "on_hold", "--tenant", "acme")
    assert re.search(r"now +v\d+  acme  zendesk\.tickets\.status = 'snoozed' -> "
                     r"ticket\.status = 'on_hold'  \[active, manual", said)  # fmt: skip
    cli("mappings", "set-value", FIELD, "snoozed", "pending", "--tenant", "acme")
    refused = cli("mappings", "set-value", FIELD, "snoozed", "later", "--tenant", "acme", code=2)
    assert "'later' is not a value of ticket.status; allowed: new, open, pending" in refused

    history = cli("mappings", "value-history", FIELD, "snoozed", "--tenant", "acme")
    assert "version 1 " in history and "[deprecated" in history and "'pending'  [active" in history
    assert "now" in cli("mappings", "value-rollback", FIELD, "snoozed", "--version", "1",
                        "--tenant", "acme")  # fmt: skip
    map_tenant_values(flow.registry, "acme", [ObservedValues(
        "zendesk", "tickets", "status", (("open", 9), ("hold", 3), ("snoozed", 2), ("xq-7", 1))
    )])  # fmt: skip
    shown = cli("mappings", "values", FIELD, "--tenant", "acme")
    assert "zendesk.tickets.status -> ticket.status: new, open, pending, on_hold" in shown
    assert "'hold' -> 'on_hold'" in shown and "global" in shown  # inherited from the baseline
    assert "'snoozed' -> 'on_hold'" in shown and "version 3, tenant" in shown
    assert "seen 'open': 9 rows, canonical" in shown
    assert "seen 'xq-7': 1 rows, unknown" in shown and "1 seen without a mapping" in shown
    assert "'snoozed'" not in cli("mappings", "values", FIELD, "--tenant", "beta")
    unmapped = cli("mappings", "values", "zendesk.tickets.subject", "--tenant", "acme", code=2)
    assert "ticket.subject has no value set" in unmapped


def test_review_lists_shows_and_decides_value_proposals_by_v_id(flow):
    first, second = propose(flow, "hold-ish", "on_hold"), propose(flow, "done", "solved")
    listed = cli("review", "list", "--tenant", "acme")
    line = next(x for x in listed.splitlines() if x.strip().startswith(f"v{first} "))
    assert "'hold-ish' -> ticket.status = 'on_hold'  [proposed, rag confidence 0.720]" in line
    assert "2 value mapping(s) await review" in listed
    assert line in cli("review", "list").splitlines()  # the same line without --tenant

    shown = cli("review", "show", f"v{first}")
    assert "reason: nearest by meaning" in shown and "0.710  on_hold" in shown
    assert "approved" in cli("review", "approve", f"v{first}")
    assert "'hold-ish' -> 'on_hold'" in cli("mappings", "values", FIELD, "--tenant", "acme")
    rejected = cli("review", "reject", f"V{second}", "--reason", "not ours")
    assert "[rejected" in rejected
    assert "0 value mapping(s) await review" in cli("review", "list", "--tenant", "acme")
    again = cli("review", "approve", f"v{first}", code=2)
    assert "only proposed or needs_review value mappings can be approved" in again


@pytest.mark.parametrize("args, message", [
    (["review", "approve", "vx"], "mapping id 'vx': expected a number (a field mapping) or v"),
    (["review", "show", "v0"], "value mapping id 0: expected a whole number from 1"),
    (["review", "reject", "v99999"], "no value mapping with id v99999"),
])  # fmt: skip
def test_a_bad_review_id_is_one_line(flow, args, message):
    assert message in cli(*args, code=2)


def test_export_and_import_carry_value_mappings_and_check_them_first(flow, tmp_path):
    cli("mappings", "set-value", FIELD, "snoozed", "on_hold", "--tenant", "acme")
    path = tmp_path / "acme.json"
    said = cli("mappings", "export", str(path), "--tenant", "acme")
    assert re.search(r"and \d+ value mappings to", said)
    document = json.loads(path.read_text())
    (own,) = [row for row in document["values"] if row["scope"] == "tenant"]
    assert own == {"field": FIELD, "value": "snoozed", "target": "ticket.status",
                   "canonical": "on_hold", "version": 1, "scope": "tenant"}  # fmt: skip
    inherited = [row for row in document["values"] if row["scope"] == "global"]
    assert inherited  # the baseline's value maps for zendesk ticket statuses

    own["canonical"] = "pending"
    path.write_text(json.dumps(document))
    said = cli("mappings", "import", str(path), "--tenant", "beta")
    assert f"{len(document['values'])} value mappings: 1 changed, 0 unchanged, " in said
    assert active_map(flow, "beta")["snoozed"] == "pending"
    assert active_map(flow, "acme")["snoozed"] == "on_hold"  # the source tenant's is its own

    # a bad value row is named, and nothing of the file is written (field rows included)
    own["canonical"] = "later"
    status = next(row for row in document["mappings"] if row["field"] == FIELD)
    status["scope"], status["target"] = "tenant", "ticket.status"
    subject = {"field": "zendesk.tickets.subject", "target": "ticket.description",
               "transform": "none", "scope": "tenant"}  # fmt: skip
    document["mappings"].append(subject)
    path.write_text(json.dumps(document))
    refused = cli("mappings", "import", str(path), "--tenant", "beta", code=2)
    assert "values[" in refused and "'later' is not a value of ticket.status" in refused
    subject_now = flow.registry.lookup("beta", "zendesk", "tickets", "subject")
    assert subject_now is None or subject_now.tenant_id is None
    own["canonical"], own["target"] = "pending", "ticket.priority"
    path.write_text(json.dumps(document))
    wrong = cli("mappings", "import", str(path), "--tenant", "beta", code=2)
    assert "maps onto ticket.status, not ticket.priority" in wrong


REFUSE_BOOM = """
CREATE FUNCTION refuse_boom() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  IF NEW.source_value = 'boom' THEN RAISE EXCEPTION 'could not extend file: disk full'; END IF;
  RETURN NEW;
END $$;
CREATE TRIGGER refuse_boom BEFORE INSERT ON value_mappings
  FOR EACH ROW EXECUTE FUNCTION refuse_boom();
"""


def test_an_import_failing_while_it_writes_leaves_none_of_the_file(flow):
    """The database fails on the file's value row, after its field rows were written (the
    trigger stands in for a full disk or a dropped connection): the field rows roll back."""
    document = {
        "tenant": "beta",
        "mappings": [
            {"field": FIELD, "target": "ticket.status", "transform": "none", "scope": "tenant"},
            {"field": "zendesk.tickets.subject", "target": "ticket.description",
             "transform": "none", "scope": "tenant"},
        ],
        "values": [{**ROW, "value": "boom", "canonical": "pending", "scope": "tenant"}],
    }  # fmt: skip
    with flow.engine.begin() as db:
        db.execute(sa.text(REFUSE_BOOM))
    try:
        refused = "file: the database refused the import (could not extend file: disk full); "
        with pytest.raises(WorkflowError, match=re.escape(refused + "nothing of the file")):
            import_file(flow.workflow, TenantId("beta"), document, os_account())
    finally:
        with flow.engine.begin() as db:
            db.execute(sa.text("DROP TRIGGER refuse_boom ON value_mappings"))
            db.execute(sa.text("DROP FUNCTION refuse_boom()"))
    flow.registry.invalidate(TenantId("beta"))  # read what the database holds
    for field in ("status", "subject"):
        own = flow.registry.lookup("beta", "zendesk", "tickets", field)
        assert own is None or own.tenant_id is None, f"{field}: the failed file left a row"
    assert "boom" not in active_map(flow, "beta")

    done = import_file(flow.workflow, TenantId("beta"), document, os_account())
    assert (done.fields.changed, len(done.values.proposals)) == (2, 1)
    assert active_map(flow, "beta")["boom"] == "pending"
    assert flow.registry.lookup("beta", "zendesk", "tickets", "subject").tenant_id == "beta"


ROW = {"field": FIELD, "value": "snoozed", "target": "ticket.status", "canonical": "on_hold"}


@pytest.mark.parametrize(
    ("row", "tenant", "message"),
    [
        ({**ROW, "value": "x" * 5_000}, "acme", "values[0]: source value of 5,000 characters"),
        ({**ROW, "value": "a\x00b"}, "acme", "values[0]: source value 'a\\x00b' contains a NUL"),
        ({**ROW, "scope": "tenants"}, "acme", "values[0]: scope 'tenants': one of tenant, global"),
        ({**ROW, "scope": "tenant"}, None, "values[0]: a tenant's own row cannot go into"),
        ({**ROW, "canonical": "later"}, "acme", "values[0]: 'later' is not a value of"),
        ({**ROW, "target": "ticket.priority"}, "acme", "maps onto ticket.status, not ticket"),
        ({"field": FIELD}, "acme", "values[0] needs text 'field', 'value', 'target'"),
    ],
)
def test_a_value_row_is_refused_naming_the_row_before_anything_is_written(row, tenant, message):
    targets = {("zendesk", "tickets", "status"): "ticket.status"}
    with pytest.raises(SpecError, match=re.escape(message)):
        parse_values([row], tenant, targets, "f.json")
