"""One tenant's value-mapping pass, after its field-mapping pass: every value observed in a
field actively mapped onto a canonical enumeration is accounted for, and the values no
mapping covers get proposals.

A value already in the value set needs nothing; one with an active value mapping (the
tenant's, or the baseline's) or a proposal waiting for review is left alone; any other is
matched (dcl/matching/value_match.py): auto-approved at AUTO_APPROVE, proposed for review
from REVIEW, left unmapped below, where the canonical tables keep it as it is and count it.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field

from autonomos_pipelines.core.tenant_id import TenantId
from autonomos_pipelines.dcl.matching.embeddings import Embedder, default_embedder
from autonomos_pipelines.dcl.matching.thresholds import AUTO_APPROVE, REVIEW
from autonomos_pipelines.dcl.matching.value_match import ValueSuggestion, suggest_values
from autonomos_pipelines.dcl.model.canonical_model import CanonicalField, canonical_model
from autonomos_pipelines.dcl.registry.refs import FieldRef
from autonomos_pipelines.dcl.registry.source_values import ObservedValues, record_values
from autonomos_pipelines.dcl.registry.store import Mapping, Registry
from autonomos_pipelines.dcl.registry.value_refs import ValueMapping, ValueRef
from autonomos_pipelines.dcl.registry.value_store import FieldKey
from autonomos_pipelines.dcl.registry.value_workflow import ValueWorkflow
from autonomos_pipelines.dcl.registry.value_writes import ValueProposal
from autonomos_pipelines.dcl.registry.workflow import Workflow

ACTOR = "system:dcl"
STATUSES = ("canonical", "mapped", "in_review", "unmapped")


@dataclass(frozen=True)
class ValueOutcome:
    field: str  # connector.table.field
    value: str
    rows: int
    status: str  # one of STATUSES
    canonical_value: str | None = None
    confidence: float | None = None


@dataclass
class ValuePass:
    outcomes: list[ValueOutcome] = field(default_factory=list)
    auto_approved: int = 0
    proposed: int = 0

    def counts(self) -> Counter[str]:
        return Counter(outcome.status for outcome in self.outcomes)


def enumeration_fields(
    registry: Registry, tenant_id: TenantId
) -> list[tuple[Mapping, CanonicalField]]:
    """The tenant's active field mappings onto a canonical field with a value set."""
    model = canonical_model()
    found = []
    for mapping in registry.active_mappings(tenant_id):
        entity = model.get(mapping.canonical_entity or "")
        if entity is None or not mapping.canonical_field:
            continue
        target = entity.field(mapping.canonical_field)
        if target.values:
            found.append((mapping, target))
    return found


def map_tenant_values(
    registry: Registry,
    tenant_id: TenantId,
    observed: Sequence[ObservedValues],
    embedder: Embedder | None = None,
) -> ValuePass:
    """Record what was observed, propose mappings for the values nothing covers, account
    for every value. ``observed`` holds fields of `enumeration_fields` only."""
    record_values(registry.engine, tenant_id, observed)
    flow = ValueWorkflow(Workflow(registry))
    index, applying = registry.mapping_index(tenant_id), flow.store.applying(tenant_id)
    pending = flow.store.pending(tenant_id)
    rejected = flow.store.rejected(tenant_id)
    run, proposals = ValuePass(), list[ValueProposal]()
    for seen in observed:
        key = (seen.connector, seen.source_table.lower(), seen.source_field)
        target = _enumeration_of(index.get(key))
        if target is None:
            continue
        covered = _covered(key, target, applying.get(key, {}), pending)
        fresh = [v for v, _ in seen.counts if v not in target.values and v not in covered]
        if fresh:
            embedder = embedder or default_embedder()  # loaded only when a value needs it
            refused = {v: rejected.get((key, v), set()) for v in fresh}
            for suggestion in suggest_values(fresh, target, embedder, refused):
                if suggestion.canonical_value is None or suggestion.confidence < REVIEW:
                    continue  # unmapped: kept as sent, counted by the canonical tables
                proposal = _proposal(tenant_id, seen, target, suggestion)
                proposals.append(proposal)
                status = "mapped" if proposal.activate else "in_review"
                covered[proposal.ref.source_value] = (
                    status, proposal.canonical_value, proposal.confidence
                )  # fmt: skip
                run.auto_approved += proposal.activate
                run.proposed += not proposal.activate
        run.outcomes += _outcomes(seen, target, covered)
    flow.propose_many(proposals, ACTOR)
    return run


Covered = dict[str, tuple[str, str, float | None]]  # value -> (status, canonical, confidence)


def _enumeration_of(mapping: Mapping | None) -> CanonicalField | None:
    """The enumeration a field is mapped onto as it is (a computed one's values are the
    expression's, which no value map reads: value_checks.mapped_enumeration)."""
    if mapping is None or not mapping.canonical_entity or not mapping.canonical_field:
        return None
    if mapping.expression:
        return None
    target = canonical_model()[mapping.canonical_entity].field(mapping.canonical_field)
    return target if target.values else None


def _covered(
    key: FieldKey, target: CanonicalField, active: dict[str, ValueMapping], pending: list[dict]
) -> Covered:
    """The field's values an active value mapping or a proposal for ``target`` covers."""
    covered: Covered = {
        value: ("mapped", mapped.canonical_value, mapped.confidence)
        for value, mapped in active.items()
    }
    for row in pending:
        same_field = (row["connector"], row["source_table"].lower(), row["source_field"]) == key
        if same_field and row["canonical_field"] == target.name:
            covered.setdefault(
                row["source_value"], ("in_review", row["canonical_value"], row["confidence"])
            )
    return covered


def _proposal(
    tenant_id: TenantId, seen: ObservedValues, target: CanonicalField, suggestion: ValueSuggestion
) -> ValueProposal:
    field = FieldRef(tenant_id, seen.connector, seen.source_table, seen.source_field)
    return ValueProposal(
        ValueRef(field, suggestion.source_value), target.entity, target.name,
        str(suggestion.canonical_value), suggestion.confidence, suggestion.method,
        suggestion.confidence >= AUTO_APPROVE, suggestion.reason,
        {"candidates": [list(c) for c in suggestion.candidates]},
    )  # fmt: skip


def _outcomes(seen: ObservedValues, target: CanonicalField, covered: Covered) -> list[ValueOutcome]:
    name = f"{seen.connector}.{seen.source_table}.{seen.source_field}"
    outcomes: list[ValueOutcome] = []
    for value, rows in seen.counts:
        if value in target.values:
            outcomes.append(ValueOutcome(name, value, rows, "canonical", value, 1.0))
        elif value in covered:
            outcomes.append(ValueOutcome(name, value, rows, *covered[value]))
        else:
            outcomes.append(ValueOutcome(name, value, rows, "unmapped"))
    return outcomes
