"""What a mapping pass writes for the fields it resolved: one batch of proposals, each with
its evidence, and the structural decisions kept from automatic approval whatever the
confidence (a second claim on a canonical field within a table, whether the first is approved
or still waits for a person, another entity than the table feeds, an identity field its table
and key do not agree on)."""

from __future__ import annotations

from collections.abc import Mapping

import sqlalchemy as sa

from autonomos_pipelines.core.database import tenant_session
from autonomos_pipelines.core.tenant_id import TenantId
from autonomos_pipelines.dcl.identity_waits import IdentityWaits
from autonomos_pipelines.dcl.list_aggregates import list_aggregates
from autonomos_pipelines.dcl.list_candidates import ListAggregate
from autonomos_pipelines.dcl.mapping_outcomes import MappingRun
from autonomos_pipelines.dcl.matching.candidate import FeatureRow
from autonomos_pipelines.dcl.matching.resolver import Resolution
from autonomos_pipelines.dcl.matching.source_field import SourceField
from autonomos_pipelines.dcl.matching.table_entity import TableEntity
from autonomos_pipelines.dcl.model.canonical_model import is_identity, target_type
from autonomos_pipelines.dcl.registry.mapped_fields import field_key
from autonomos_pipelines.dcl.registry.proposals import Proposal
from autonomos_pipelines.dcl.registry.store import Registry
from autonomos_pipelines.dcl.registry.workflow import FieldRef

ACTOR = "system:dcl"


def infer_transform(source: SourceField, target: str) -> str:
    name = target.partition(".")[2]
    if target_type(target) in ("timestamp", "date") and source.pattern == "epoch":
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


def write_decisions(  # noqa: PLR0913
    workflow, tenant_id, resolutions, registered, rejected, run: MappingRun
) -> None:
    """Write the pass's decisions as one batch of proposals: auto-approvals, proposals for
    review (a nested list's field as an aggregate on its parent: list_aggregates), and
    nothing for a field left unmapped or for a target a person rejected for it;
    ``registered``: the tenant's mapping index, its pending proposals and every field
    the pass observed."""
    index, pending, observed = registered
    claimed = {
        (m.connector, m.source_table.lower(), f"{m.canonical_entity}.{m.canonical_field}")
        for m in index.values()
        if m.canonical_field
    }
    waiting = _waiting_targets(pending, observed)
    feeds = {
        (m.connector, m.source_table.lower()): m.canonical_entity
        for m in index.values()
        if m.canonical_entity and is_identity(f"{m.canonical_entity}.{m.canonical_field}")
    }
    waits = IdentityWaits(feeds, pending)
    aggregates, replaced = list_aggregates(
        workflow, tenant_id, resolutions, (index, pending), rejected, observed
    )
    proposals = [_aggregate_proposal(aggregate) for aggregate in aggregates]
    run.proposed += len(aggregates)
    run.aggregates_proposed += len(aggregates)  # a pass writes in parts
    for key, resolution in resolutions.items():
        connector, table, _ = key
        target = resolution.mapping
        run.llm_cost_usd += resolution.llm_cost_usd
        if key in replaced:
            resolution.status, resolution.mapping = "unmapped", None
        if target is None or resolution.status == "unmapped":
            continue
        source = resolution.field
        if target in rejected.get((connector, table, source.field), set()):
            resolution.status, resolution.mapping = "unmapped", None
            continue
        activate = resolution.status == "auto_approved"
        reason = resolution.reason
        held = (
            _needs_a_person(key, target, resolution.table, (claimed, waiting), feeds)
            if activate
            else None
        )
        if held:
            activate, reason, resolution.status = False, held, "pending_review"
        ref = FieldRef(tenant_id, connector, source.source_entity, source.field)
        proposals.append(
            Proposal(
                ref,
                target,
                resolution.confidence,
                resolution.method,
                activate,
                infer_transform(source, target),
                reason,
                _evidence(resolution),
            )
        )
        waits.saw((connector, table), source.source_entity, target, activate)
        first = resolution.candidates[0] if resolution.candidates else None
        first = first if first is not None and first.target == target else None
        if activate:
            claimed.add((connector, table, target))
            run.auto_approved += 1
            if is_identity(target):
                run.tables_now_feeding[f"{connector}.{source.source_entity}"] = target.split(".")[0]
            if first is not None:
                run.keys_settled += first.settled == "key"
                run.references_settled += first.settled == "reference"
        else:
            run.proposed += 1
            run.held_unfounded += first is not None and first.unfounded
    run.tables_awaiting_identity.update(waits.waiting())  # a pass writes in parts
    workflow.propose_many(proposals, ACTOR)


def _evidence(resolution: Resolution) -> dict:
    evidence: dict = {
        "candidates": [
            {"target": c.target, "confidence": c.confidence, "features": _said(c.features)}
            for c in resolution.candidates
        ]
    }
    if resolution.table is not None:  # what the reviewer sees the table was taken for
        evidence["table"] = {"entity": resolution.table.entity, "why": resolution.table.why}
    return evidence


def _aggregate_proposal(aggregate: ListAggregate) -> Proposal:
    """The nested list field's proposal, made on its parent table (list_aggregates)."""
    source = aggregate.resolution.field
    evidence = {
        **_evidence(aggregate.resolution),
        "list": {"table": source.source_entity, "field": source.field},
    }
    return Proposal(
        aggregate.ref,
        aggregate.target,
        aggregate.resolution.confidence,
        aggregate.resolution.method,
        reason=aggregate.reason,
        evidence=evidence,
        expression=aggregate.expression,
    )


def _said(features: Mapping[str, float]) -> dict[str, float]:
    """The features that say something: one at 0 (no example, no sample values, no table
    disagreement) is left out of the stored evidence, as `autonomos review` leaves it out of
    what it shows: 43 % of an onboarding's evidence by size."""
    if isinstance(features, FeatureRow):
        return features.said()
    return {name: value for name, value in features.items() if value}


def _waiting_targets(pending, observed) -> dict[tuple[str, str, str], str]:
    """(connector, table, target) -> the field an earlier pass proposed for it, still waiting
    for a person (``pending``), among the fields this pass observed (``observed``: a field
    gone from its source, renamed, claims nothing). A new field of the table that fits the
    target is then a second claim on it: a person chooses, as `contested_fields.close_rivals`
    has them choose between two fields ranked in one pass."""
    present = {field_key(source) for source in observed}
    return {
        (connector, table, f"{row['canonical_entity']}.{row['canonical_field']}"): field
        for (connector, table, field), row in pending.items()
        if row["canonical_field"] and (connector, table, field) in present
    }


def _needs_a_person(key, target: str, decided: TableEntity | None, claims, feeds) -> str | None:
    """Structural decisions are never automatic, however confident the match; an identity
    is, where the table and its key agree on it (``decided``: TableEntity.agrees_on_key).
    ``claims``: the table's targets fed by approved mappings, and those proposed for its
    other fields that wait for a person (`_waiting_targets`)."""
    connector, table, field = key
    entity = target.partition(".")[0]
    claimed, waiting = claims
    if (connector, table, target) in claimed:
        return f"{target} is already fed by another field of this table"
    if (rival := waiting.get((connector, table, target))) not in (None, field):
        return f"{target} is proposed for {rival!r} of this table too, waiting: a person chooses"
    fed = feeds.get((connector, table))
    if fed is not None and fed != entity:
        return f"this table feeds canonical {fed}, not {entity}"
    if is_identity(target) and not (decided and decided.agrees_on_key(field, target)):
        return f"mapping {target} would make this table feed canonical {entity}"
    return None
