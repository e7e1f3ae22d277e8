"""One tenant's mapping pass: every observed field resolved, decisions written to the registry.

Fields with an active mapping are registry hits. Fields with a pending proposal wait for their
reviewer. Everything else goes through RAG (and the LLM when configured): auto-approved above
the threshold, proposed for review in the middle band, left unmapped below. A target a person
rejected for a field is never proposed again for it, and a canonical field already fed by
another field of the same table is never auto-approved twice (it goes to review instead).
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Mapping
from dataclasses import dataclass, field

import sqlalchemy as sa

from autonomos_pipelines.core.database import tenant_session
from autonomos_pipelines.core.gc_pause import collector_paused
from autonomos_pipelines.core.metrics.definitions import count_decisions
from autonomos_pipelines.core.tenant_id import TenantId
from autonomos_pipelines.core.tracing import counts, traced
from autonomos_pipelines.dcl.llm.config import LlmConfig
from autonomos_pipelines.dcl.matching.resolver import Resolution
from autonomos_pipelines.dcl.matching.source_field import SourceField
from autonomos_pipelines.dcl.model.canonical_model import canonical_model
from autonomos_pipelines.dcl.registry.mapped_fields import (
    approved_targets,
    field_key,
    mapped_fields,
    other_fields,
)
from autonomos_pipelines.dcl.registry.proposals import Proposal
from autonomos_pipelines.dcl.registry.store import Registry
from autonomos_pipelines.dcl.registry.workflow import FieldRef, Workflow

ACTOR = "system:dcl"


@dataclass
class FieldOutcome:
    source: SourceField
    status: str  # mapped | pending_review | unmapped
    method: str  # registry | rag | llm | none | manual
    confidence: float | None
    target: str | None
    mapping_id: int | None = None


@dataclass
class MappingRun:
    outcomes: list[FieldOutcome] = field(default_factory=list)
    resolved_now: int = 0  # fields that went through RAG/LLM in this pass
    auto_approved: int = 0
    proposed: int = 0
    llm_calls: int = 0
    llm_cost_usd: float = 0.0

    def counts(self, attribute: str) -> Counter[str]:
        return Counter(getattr(outcome, attribute) for outcome in self.outcomes)


def infer_transform(source: SourceField, target: str) -> str:
    entity, _, name = target.partition(".")
    target_type = canonical_model()[entity].field(name).type
    if target_type in ("timestamp", "date") and source.pattern == "epoch":
        return "unix_seconds"
    if name == "currency" and source.samples and all(s.islower() for s in source.samples):
        return "upper"
    return "none"


def rejected_targets(
    registry: Registry, tenant_id: TenantId
) -> dict[tuple[str, str, str], set[str]]:
    with tenant_session(registry.engine, tenant_id) as connection:
        rows = connection.execute(
            sa.text("""SELECT connector, lower(source_table), source_field,
                              canonical_entity || '.' || canonical_field
                         FROM field_mappings
                        WHERE tenant_id = :t AND status = 'rejected'
                          AND canonical_field IS NOT NULL"""),
            {"t": tenant_id},
        )
        found: dict[tuple[str, str, str], set[str]] = {}
        for connector, table, source_field, target in rows:
            found.setdefault((connector, table, source_field), set()).add(target)
        return found


@traced(
    "mapping.pass",
    attributes=lambda given: {"fields": len(given["fields"])},
    result=lambda run: {"resolved_now": run.resolved_now, **counts("status", run.counts("status"))},
)
def map_tenant_fields(
    registry: Registry, tenant_id: TenantId, fields: list[SourceField], llm: LlmConfig | None = None
) -> MappingRun:
    """Resolve the fields the registry has no answer for, and write the decisions; ``llm``
    None: no LLM is asked."""
    workflow = Workflow(registry)
    run = MappingRun()
    index = registry.mapping_index(tenant_id)
    pending = _pending(workflow, tenant_id)
    fresh = [f for f in fields if field_key(f) not in index and field_key(f) not in pending]
    resolutions: dict[tuple[str, str, str], Resolution] = {}
    # the cyclic collector is held off while the pass's candidates live, a quarter of a
    # million of them at scale, until the outcomes are built: collections that walked them
    # cost more than reading the registry back after the writes did (0.86 s of 0.95 s)
    with collector_paused():
        if fresh:
            others = other_fields(fields, fresh)
            approved = mapped_fields(index, fields, fresh)
            resolutions = _decide(
                registry, tenant_id, fresh, (approved, others), index, workflow, run, llm
            )
            index = registry.mapping_index(tenant_id)
            pending = _pending(workflow, tenant_id)
        for source in fields:
            key = field_key(source)
            run.outcomes.append(
                _outcome(source, index.get(key), pending.get(key), resolutions.get(key))
            )
    return run


def _decide(registry, tenant_id, fresh, known, index, workflow, run, llm) -> dict:
    """Resolve the ``fresh`` fields and write the decisions; ``known``: their tables' fields
    already mapped, which they are weighed against, and their other fields whatever their
    state, among which each table's key is sought (mapped_fields, other_fields)."""
    approved, others = known
    from autonomos_pipelines.dcl.service import build_resolver  # heavy: embeddings

    resolutions: dict[tuple[str, str, str], Resolution] = {}
    resolver = build_resolver(registry, tenant_id, llm=llm, persistent=True)
    resolver.registry_lookup = None  # already answered from the hot index above
    run.resolved_now = len(fresh)
    taken = approved_targets(index, fresh)
    found = resolver.resolve(
        fresh, tenant_id=tenant_id, taken=taken, approved=approved, observed=others
    )
    for resolution in found:
        resolutions[field_key(resolution.field)] = resolution
    if resolver.llm is not None:
        run.llm_calls = getattr(resolver.llm, "calls", 0)
    rejected = rejected_targets(registry, tenant_id)
    _write_decisions(workflow, tenant_id, resolutions, index, rejected, run)
    count_decisions(tenant_id, ((r.method, r.status) for r in resolutions.values()))
    return resolutions


def _pending(workflow: Workflow, tenant_id: TenantId) -> dict[tuple[str, str, str], dict]:
    return {
        (r["connector"], r["source_table"].lower(), r["source_field"]): r
        for r in workflow.pending(tenant_id, evidence=False)
    }


def _write_decisions(workflow, tenant_id, resolutions, index, rejected, run) -> None:
    claimed = {
        (m.connector, m.source_table.lower(), f"{m.canonical_entity}.{m.canonical_field}")
        for m in index.values()
        if m.canonical_field
    }
    model = canonical_model()
    feeds = {
        (m.connector, m.source_table.lower()): m.canonical_entity
        for m in index.values()
        if m.canonical_entity and m.canonical_field == model[m.canonical_entity].identity_field
    }
    proposals: list[Proposal] = []
    for (connector, table, _), resolution in resolutions.items():
        target = resolution.mapping
        run.llm_cost_usd += resolution.llm_cost_usd
        if target is None or resolution.status == "unmapped":
            continue
        source = resolution.field
        if target in rejected.get((connector, table, source.field), set()):
            resolution.status, resolution.mapping = "unmapped", None
            continue
        activate = resolution.status == "auto_approved"
        reason = resolution.reason
        held = _needs_a_person(connector, table, target, claimed, feeds) if activate else None
        if held:
            activate, reason, resolution.status = False, held, "pending_review"
        ref = FieldRef(tenant_id, connector, source.source_entity, source.field)
        evidence: dict = {
            "candidates": [
                {"target": c.target, "confidence": c.confidence, "features": _said(c.features)}
                for c in resolution.candidates
            ]
        }
        if resolution.table is not None:  # what the reviewer sees the table was taken for
            evidence["table"] = {"entity": resolution.table.entity, "why": resolution.table.why}
        proposals.append(
            Proposal(
                ref,
                target,
                resolution.confidence,
                resolution.method,
                activate,
                infer_transform(source, target),
                reason,
                evidence,
            )
        )
        if activate:
            claimed.add((connector, table, target))
            run.auto_approved += 1
        else:
            run.proposed += 1
    workflow.propose_many(proposals, ACTOR)


def _said(features: Mapping[str, float]) -> dict[str, float]:
    """The features that say something: one at 0 (no example, no sample values, no table
    disagreement) is left out of the stored evidence, as `autonomos review` leaves it out of
    what it shows: 43 % of an onboarding's evidence by size."""
    return {name: value for name, value in features.items() if value}


def _needs_a_person(connector, table, target, claimed, feeds) -> str | None:
    """Structural decisions are never automatic, however confident the match."""
    entity, _, field = target.partition(".")
    if (connector, table, target) in claimed:
        return f"{target} is already fed by another field of this table"
    if field == canonical_model()[entity].identity_field:
        return f"mapping {target} would make this table feed canonical {entity}"
    fed = feeds.get((connector, table))
    if fed is not None and fed != entity:
        return f"this table feeds canonical {fed}, not {entity}"
    return None


def _outcome(source, active, pending_row, resolution) -> FieldOutcome:
    if active is not None and not active.canonical_field:
        return FieldOutcome(source, "unmapped", "registry", active.confidence, None, active.id)
    if active is not None:
        method = "registry" if resolution is None else active.method
        target = f"{active.canonical_entity}.{active.canonical_field}"
        return FieldOutcome(source, "mapped", method, active.confidence, target, active.id)
    if pending_row is not None:
        target = f"{pending_row['canonical_entity']}.{pending_row['canonical_field']}"
        return FieldOutcome(
            source,
            "pending_review",
            pending_row["method"],
            pending_row["confidence"],
            target,
            pending_row["id"],
        )
    confidence = resolution.confidence if resolution else None
    method = resolution.method if resolution else "none"
    return FieldOutcome(source, "unmapped", method, confidence, None)
