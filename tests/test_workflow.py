"""The mapping workflow on real PostgreSQL (+ pgvector, + Redis): state machine, roles,
audit, rollback, conflicts, tenant namespaces and cross-process cache invalidation."""

from __future__ import annotations

import subprocess
import sys

import pytest
import sqlalchemy as sa

from autonomos_pipelines.dcl.matching.embeddings import default_embedder
from autonomos_pipelines.dcl.matching.source_field import SourceField
from autonomos_pipelines.dcl.matching.vector_store import PgVectorExampleIndex, refresh_examples
from autonomos_pipelines.dcl.registry.bootstrap import open_registry
from autonomos_pipelines.dcl.registry.proposals import Proposal
from autonomos_pipelines.dcl.registry.workflow import (
    FieldRef,
    MappingConflict,
    PermissionDenied,
    Workflow,
    WorkflowError,
)

pytestmark = pytest.mark.postgres


@pytest.fixture
def flow(env):
    registry = open_registry(env)
    registry.add_tenant("acme", {"stripe": {"endpoint": "sandbox"}}, "test")
    registry.add_tenant("globex", {"stripe": {"endpoint": "sandbox"}}, "test")
    workflow = Workflow(registry)
    workflow.set_role("alice", "admin", "alice")  # the first admin grants themself
    workflow.set_role("rita", "reviewer", "alice")
    return workflow


def audit_actions(flow, key_like: str) -> list[str]:
    with flow.engine.connect() as connection:
        rows = connection.execute(
            sa.text("SELECT action FROM audit_log WHERE object_key LIKE :k ORDER BY id"),
            {"k": key_like},
        )
        return [row[0] for row in rows]


REF = FieldRef("acme", "stripe", "customers", "email")


def test_a_mapping_for_a_tenant_never_added_is_refused_as_such(flow):
    """Not as the database's foreign key violation, which `autonomos mappings set --tenant`
    printed as a traceback before the tenant was added."""
    ghost = FieldRef("ghost", "stripe", "charges", "amount")
    with pytest.raises(WorkflowError, match="unknown tenant 'ghost'; add it with"):
        flow.edit(ghost, "payment.amount", "none", "alice")
    with pytest.raises(WorkflowError, match="unknown tenant 'ghost'"):
        flow.propose(ghost, "payment.amount", 0.7, "rag", "system:dcl")


def test_pending_without_evidence_is_the_same_rows_without_their_evidence(flow):
    """A mapping run reads pending rows back only to count and name them: the candidates'
    evidence (most of a row) is left in the database, everything else is the same."""
    evidence = {"candidates": [{"target": "contact.email", "confidence": 0.7, "features": {}}]}
    flow.propose(REF, "contact.email", 0.7, "rag", "system:dcl", evidence=evidence)
    (full,) = flow.pending("acme")
    (light,) = flow.pending("acme", evidence=False)
    assert full["evidence"] == evidence
    assert "evidence" not in light
    assert light == {key: value for key, value in full.items() if key != "evidence"}


def test_proposal_approved_becomes_active_with_audit(flow):
    mapping_id = flow.propose(REF, "contact.email", 0.7, "rag", "system:dcl")
    assert flow.get(mapping_id)["status"] == "proposed"
    assert flow.registry.lookup("acme", "stripe", "customers", "email").canonical_field is None
    approved = flow.approve(mapping_id, "rita")
    assert approved["status"] == "active" and approved["is_active"]
    assert approved["approved_by"] == "rita"
    found = flow.registry.lookup("acme", "stripe", "customers", "email")
    assert (found.canonical_entity, found.canonical_field) == ("contact", "email")
    actions = audit_actions(flow, "stripe.customers.email@%")
    assert actions[-3:] == ["mapping.propose", "mapping.approve", "mapping.activate"]
    with pytest.raises(WorkflowError, match="only proposed or needs_review"):
        flow.approve(mapping_id, "rita")


def test_reject_and_flag_transitions(flow):
    mapping_id = flow.propose(REF, "contact.email", 0.7, "rag", "system:dcl")
    assert flow.reject(mapping_id, "rita", "wrong entity")["status"] == "rejected"
    active_id = flow.edit(REF, "contact.email", "none", "rita")
    flagged = flow.flag_for_review(active_id, "system:drift", "source type changed")
    assert flagged["status"] == "needs_review" and flagged["is_active"]
    assert [r["id"] for r in flow.pending("acme")] == [active_id]
    assert flow.approve(active_id, "rita")["status"] == "active"


def test_users_without_the_role_are_refused_and_audited(flow):
    mapping_id = flow.propose(REF, "contact.email", 0.7, "rag", "system:dcl")
    flow.set_role("victor", "viewer", "alice")
    for actor in ("victor", "mallory"):
        with pytest.raises(PermissionDenied, match=f"'{actor}' may not approve .*reviewer"):
            flow.approve(mapping_id, actor)
    with pytest.raises(PermissionDenied):
        flow.set_role("mallory", "admin", "mallory")  # only the very first admin bootstraps
    assert flow.get(mapping_id)["status"] == "proposed"
    assert audit_actions(flow, "stripe.customers.email@%").count("mapping.approve.refused") == 2


def test_every_change_is_a_version_and_rollback_restores(flow):
    first = flow.edit(REF, "contact.email", "none", "rita")
    second = flow.edit(REF, "user.email", "none", "rita")
    assert flow.get(first)["status"] == "deprecated"
    rolled = flow.rollback(REF, version=flow.get(first)["version"], actor="rita")
    history = [
        (r["version"], r["canonical_entity"], r["status"])
        for r in flow.history(REF)
        if r["tenant_id"] == "acme"
    ]
    assert history == [
        (1, "contact", "deprecated"),
        (2, "user", "deprecated"),
        (3, "contact", "active"),
    ]
    assert flow.get(second)["version"] == 2 and flow.get(rolled)["version"] == 3
    assert "mapping.deprecate" in audit_actions(flow, "stripe.customers.email@%")
    with pytest.raises(WorkflowError, match="no version 9"):
        flow.rollback(REF, 9, "rita")


def test_conflicts_are_detected(flow):
    flow.edit(REF, "contact.email", "none", "rita")
    other = FieldRef("acme", "stripe", "customers", "contact_email")
    proposal = flow.propose(other, "contact.email", 0.7, "rag", "system:dcl")
    with pytest.raises(MappingConflict, match="already fed by email"):
        flow.approve(proposal, "rita")
    disagreeing = flow.propose(REF, "user.email", 0.7, "rag", "system:dcl")
    conflicts = flow.conflicts("acme")
    assert any("proposes user.email but contact.email is approved" in c for c in conflicts)
    flow.approve(proposal, "rita", force=True)
    assert any("all map to contact.email" in c for c in flow.conflicts("acme"))
    assert disagreeing


@pytest.mark.parametrize("exact_limit", [20_000, 0], ids=["exact-in-memory", "hnsw"])
def test_vector_namespaces_never_leak_between_tenants(flow, exact_limit):
    embedder = default_embedder()
    secret = FieldRef("acme", "stripe", "customers", "zz_acme_private_contact_mail")
    flow.edit(secret, "contact.email", "none", "rita")
    refresh_examples(flow.engine, embedder, None)  # the global baseline (an admin session)
    refresh_examples(flow.engine, embedder, "acme")
    refresh_examples(flow.engine, embedder, "globex")
    # the same rows as another embedder's (int8's name), pointing elsewhere: never searched
    with flow.engine.begin() as db:
        db.execute(sa.text("""INSERT INTO dcl_examples (tenant_id, kind, target, text,
                                  mapping_id, model, embedding)
                              SELECT tenant_id, kind, 'invoice.total_amount', text, mapping_id,
                                     'another-model', embedding
                                FROM dcl_examples WHERE model = :model
                              ON CONFLICT DO NOTHING"""),
                   {"model": embedder.name})  # fmt: skip
    index = PgVectorExampleIndex(flow.engine, embedder.name, exact_limit=exact_limit)
    query = embedder.encode([SourceField("stripe", "customers", secret.source_field).example_text])
    acme_hits = index.nearest(query, 5, "acme")[0]
    globex_hits = index.nearest(query, 50, "globex")[0]
    assert any(h.own and h.similarity > 0.99 for h in acme_hits)
    assert not any(h.own for h in globex_hits)
    assert max(h.similarity for h in globex_hits) < 0.99
    assert (index._memory["acme"] is None) == (exact_limit == 0)
    assert "invoice.total_amount" not in {h.target for h in acme_hits + globex_hits}


CHILD = """
import sys, time
from autonomos_pipelines.dcl.registry.bootstrap import open_registry
from autonomos_pipelines.core.settings import Settings
registry = open_registry(Settings.from_env())
before = registry.lookup("acme", "stripe", "customers", "email")
print("ready", before.canonical_field if before else None, flush=True)
sys.stdin.readline()  # the parent writes through its own process, then wakes us
for _ in range(100):
    if "acme" not in registry._hot:
        break
    time.sleep(0.05)
after = registry.lookup("acme", "stripe", "customers", "email")
print("after", after.canonical_field if after else None, flush=True)
"""


@pytest.mark.redis
def test_cache_invalidation_reaches_another_process(env, redis_url, monkeypatch):
    monkeypatch.setenv("REDIS_URL", redis_url)
    from autonomos_pipelines.core.settings import Settings

    registry = open_registry(Settings.from_env())
    registry.add_tenant("acme", {"stripe": {"endpoint": "sandbox"}}, "test")
    flow = Workflow(registry)
    flow.set_role("alice", "admin", "alice")
    child = subprocess.Popen(
        [sys.executable, "-c", CHILD], stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True
    )
    assert child.stdout.readline().split() == ["ready", "None"]  # hot and empty in the child
    flow.edit(REF, "contact.email", "none", "alice")
    child.stdin.write("go\n")
    child.stdin.flush()
    assert child.stdout.readline().split() == ["after", "email"]
    child.wait(timeout=30)


def test_batch_proposals_are_versioned_audited_and_all_or_nothing(flow):
    other = FieldRef("acme", "stripe", "customers", "name")
    first = flow.propose(REF, "contact.email", 0.95, "rag", "system:dcl", activate=True)
    ids = flow.propose_many(
        [
            Proposal(REF, "contact.email", 0.97, "rag", activate=True),  # replaces `first`
            Proposal(other, "contact.full_name", 0.7, "rag"),
            Proposal(other, "contact.first_name", 0.65, "rag"),  # same field twice
        ],
        "system:dcl",
    )
    rows = [flow.get(i) for i in ids]
    assert [r["version"] for r in rows] == [2, 1, 2]
    assert [r["status"] for r in rows] == ["active", "proposed", "proposed"]
    assert flow.get(first)["status"] == "deprecated"
    assert audit_actions(flow, "stripe.customers.email@2") == ["mapping.auto_approve"]
    assert audit_actions(flow, "stripe.customers.email@1")[-1] == "mapping.deprecate"
    before = flow.history(other)
    bad = [Proposal(other, "contact.last_name", 0.7, "rag"), Proposal(REF, "nope.x", 0.9, "rag")]
    with pytest.raises(WorkflowError, match="'nope.x' is not a field"):
        flow.propose_many(bad, "system:dcl")
    assert flow.history(other) == before  # nothing of the bad batch was written
    for confidence in (float("nan"), 1.5, -0.1):
        bad = [Proposal(other, "contact.last_name", 0.7, "rag"),
               Proposal(REF, "contact.email", confidence, "rag")]  # fmt: skip
        with pytest.raises(WorkflowError, match=r"stripe\.customers\.email: confidence"):
            flow.propose_many(bad, "system:dcl")
    assert flow.history(other) == before
    # a reason no UTF-8 can carry (a lone surrogate, as a hostile file's JSON can hold) is
    # refused by the database, as any bad row is (which `mappings import` reports): nothing
    # of the batch is written
    bad = [Proposal(other, "contact.last_name", 0.7, "rag"),
           Proposal(REF, "contact.email", 0.7, "rag", reason="bad \ud800 reason")]  # fmt: skip
    with pytest.raises(sa.exc.DBAPIError):
        flow.propose_many(bad, "system:dcl")
    assert flow.history(other) == before
