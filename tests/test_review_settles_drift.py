"""A reviewer's decision settles the drift event waiting on it at once, in the decision's
transaction (dcl/review.py, which the CLI and the API both call), and every reader of the
event's status (the raw `schema_changes` check behind the run summary, `drift list`, the
API) then says the same: repaired, 0 unresolved."""

from __future__ import annotations

import threading
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime, timedelta

import pytest
import sqlalchemy as sa
from dagster import AssetKey

from autonomos_pipelines.aam.drift.fingerprint import TableSchema
from autonomos_pipelines.aam.drift.loads import relevant_events
from autonomos_pipelines.aam.drift.report import event_summary
from autonomos_pipelines.aam.drift.store import SchemaStore
from autonomos_pipelines.core.database import get_engine
from autonomos_pipelines.dcl import review
from autonomos_pipelines.dcl.drift import settle
from autonomos_pipelines.dcl.drift.settle import settle_reviewed
from autonomos_pipelines.dcl.drift.status import set_connection
from autonomos_pipelines.dcl.registry.bootstrap import open_registry
from autonomos_pipelines.dcl.registry.refs import FieldRef, MappingConflict
from autonomos_pipelines.dcl.registry.workflow import Workflow
from quality_checks.raw_schema_changes import schema_check_result

pytestmark = pytest.mark.postgres
DEALS = AssetKey(["raw", "pipedrive", "deals"])


def deals(**columns: str) -> TableSchema:
    return TableSchema("deals", {n: {"type": t, "nullable": True} for n, t in columns.items()})


@pytest.fixture
def waiting(env):
    """Tenant acme with one drift event on pipedrive.deals waiting for review, the connection
    in `review`, and the two proposals the event waits on."""
    registry = open_registry(env)
    registry.add_tenant("acme", {"pipedrive": {}}, actor="t")
    flow = Workflow(registry)
    flow.set_role("alice", "admin", "alice")
    store = SchemaStore(get_engine(env))
    store.record("acme", "pipedrive", {"deals": deals(id="bigint", value="double")}, "observer")
    (event,) = store.record(
        "acme", "pipedrive", {"deals": deals(id="bigint", value="text", stage="text")}, "observer"
    )
    store.close_event("acme", event.id, "needs_review", [])
    set_connection(registry, "acme", "pipedrive", "review")
    ids = [
        flow.propose(FieldRef("acme", "pipedrive", "Deals", field), target, 0.5, "registry", "d")
        for field, target in (("value", "opportunity.amount"), ("stage", "opportunity.stage"))
    ]
    return flow, store, event.id, ids


def drift_status(flow: Workflow) -> str:
    with flow.engine.connect() as db:
        return db.execute(
            sa.text("SELECT drift_status FROM tenant_connectors WHERE connector = 'pipedrive'")
        ).scalar_one()


def unresolved_in_check(store: SchemaStore) -> int:
    """What the run summary prints for the raw table: the schema_changes check's count."""
    since = datetime.now(UTC) - timedelta(days=1)
    events = relevant_events(store, "acme", "pipedrive", "deals", since)
    return int(schema_check_result(DEALS, None, events).metadata["unresolved_drift_events"].value)


def test_deciding_the_last_proposal_settles_the_event_at_once(waiting):
    flow, store, event_id, (value_id, stage_id) = waiting
    review.approve(flow, value_id, "alice", False, "acme", drift=store)
    assert store.event(event_id).status == "needs_review"  # one proposal of the table waits
    assert drift_status(flow) == "review" and unresolved_in_check(store) == 1

    review.reject(flow, stage_id, "alice", "not a stage", None, drift=store)
    settled = store.event(event_id)
    assert settled.status == "repaired" and settled.resolved_at is not None
    assert drift_status(flow) == "active"
    assert unresolved_in_check(store) == 0  # the run summary's reader
    assert event_summary(settled)["unresolved"] is False  # `drift list` and the API's
    assert settle_reviewed(flow.registry, "acme", store) == []  # nothing left for a run


def test_two_reviewers_deciding_the_last_two_proposals_at_once_settle_the_event(
    waiting, monkeypatch
):
    """Each decision's transaction, having read the pending proposals, waits (up to 2 s) for
    the other to have read them too before committing: without a lock per table each sees
    the other's proposal pending and neither settles (write skew under READ COMMITTED)."""
    flow, store, event_id, (value_id, stage_id) = waiting
    both_read = threading.Barrier(2, timeout=2)
    read_pending = settle.pending_tables

    def pending_then_wait(db, tenant_id):  # type: ignore[no-untyped-def]
        found = read_pending(db, tenant_id)
        try:
            both_read.wait()
        except threading.BrokenBarrierError:  # the other waits for our lock: it reads later
            pass
        return found

    monkeypatch.setattr(settle, "pending_tables", pending_then_wait)
    with ThreadPoolExecutor(2) as pool:
        decisions = [
            pool.submit(review.approve, flow, value_id, "alice", False, "acme", drift=store),
            pool.submit(review.reject, flow, stage_id, "alice", "no", "acme", drift=store),
        ]
        assert [decision.result(timeout=30)["id"] for decision in decisions] == [value_id, stage_id]
    assert store.event(event_id).status == "repaired"
    assert drift_status(flow) == "active"


def test_a_refused_decision_leaves_the_event_waiting(waiting):
    flow, store, event_id, (value_id, stage_id) = waiting
    review.reject(flow, value_id, "alice", "", None, drift=store)
    amount = FieldRef("acme", "pipedrive", "deals", "amount")
    flow.propose(amount, "opportunity.stage", 1.0, "manual", "alice", activate=True)
    with pytest.raises(MappingConflict):  # the target is fed by another field: rolled back
        review.approve(flow, stage_id, "alice", False, None, drift=store)
    assert store.event(event_id).status == "needs_review"
    assert flow.get(stage_id)["status"] == "proposed"


def test_a_run_settles_what_was_decided_without_review(waiting):
    flow, store, event_id, ids = waiting
    for mapping_id in ids:  # decided by the bare workflow, as an older release did
        flow.reject(mapping_id, "alice")
    assert store.event(event_id).status == "needs_review"
    assert settle_reviewed(flow.registry, "acme", store) == [event_id]  # the mapping asset's
    assert store.event(event_id).status == "repaired" and drift_status(flow) == "active"
