"""Repairs for drift events (the DCL decides; AAM detected and recorded them).

* a suspected rename of a mapped field moves the mapping to the new field, with a confidence
  that joins two independent pieces of evidence (noisy-OR): the matcher's calibrated
  confidence that the new field means the old mapping's target, and the structural evidence
  of one field vanishing as one of the same type appears in the same table (stronger the more
  alike the names are, and the more of the sampled values the two columns share);
* a removed mapped field gets a tenant-level "no counterpart" version (its canonical column
  goes null, nothing is guessed);
* a type change of a mapped field goes to review (the cast may no longer hold);
* a computed mapping is repaired through the columns its expression reads: a rename rewrites
  the expression, a removal or a type change it no longer fits goes to review
  (expression_repair.py);
* added fields need nothing here: the mapping pass resolves them like any new field.

Confidence >= 0.85 is applied at once (a new registry version and its audit row); anything
lower becomes a proposal, which the blocking review gate holds canonical tables behind.
The connection goes healing -> active (or review / failed, with the reason).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace

from autonomos_pipelines.core.tenant_id import TenantId
from autonomos_pipelines.core.tracing import tally, traced
from autonomos_pipelines.dcl.drift.events import DriftInput, EventOutcome, Repair
from autonomos_pipelines.dcl.drift.expression_repair import ExpressionDrift, readers, repair_reader
from autonomos_pipelines.dcl.drift.rename_confidence import rename_confidence, structural_evidence
from autonomos_pipelines.dcl.drift.status import set_connection
from autonomos_pipelines.dcl.matching.resolver import AUTO_APPROVE, Resolver
from autonomos_pipelines.dcl.matching.source_field import SourceField
from autonomos_pipelines.dcl.registry.mapped_fields import approved_targets, other_fields
from autonomos_pipelines.dcl.registry.store import Mapping, ObservedField, Registry
from autonomos_pipelines.dcl.registry.workflow import FieldRef, Workflow

ACTOR = "system:drift"


@traced(
    "drift.repair",
    attributes=lambda given: {"drift_events": len(given["events"])},
    result=lambda outcomes: tally("status", (outcome.status for outcome in outcomes)),
)
def repair_drift(
    registry: Registry,
    tenant_id: TenantId,
    fields: list[SourceField],
    events: list[DriftInput],
    resolver_factory: Callable[[], Resolver],
) -> list[EventOutcome]:
    """Decide every open drift event of the tenant; ``fields`` are its observed fields now.
    ``resolver_factory`` builds the matcher, only when a rename needs it (the caller's, so
    the drift room does not reach back into dcl.service, which reaches dcl.review)."""
    if not events:
        return []
    workflow = Workflow(registry)
    index = dict(registry.mapping_index(tenant_id))  # our copy: repairs update it as they go
    by_key = {(f.source_system, f.source_entity.lower(), f.field): f for f in fields}
    fits = _matcher_fits(registry, tenant_id, events, index, by_key, resolver_factory)
    columns = _columns_now(registry, tenant_id, events, fields)
    outcomes = []
    for event in events:
        set_connection(registry, tenant_id, event.connector, "healing")
        table = columns.get((event.connector, event.source_table.lower()), {})
        outcome = _decide(workflow, tenant_id, event, index, fits, table)
        connection = {"needs_review": "review", "repaired": "active"}.get(outcome.status)
        set_connection(registry, tenant_id, event.connector, connection or "failed")
        outcomes.append(outcome)
    return outcomes


def _columns_now(
    registry: Registry, tenant_id: TenantId, events: list[DriftInput], fields: list[SourceField]
) -> dict[tuple[str, str], dict[str, str]]:
    """{(connector, table): {column: type}} of the events' tables as observed now, recorded
    first so that a rewritten expression is validated against the columns it will read."""
    wanted = {(e.connector, e.source_table.lower()) for e in events}
    now = [f for f in fields if (f.source_system, f.source_entity.lower()) in wanted]
    registry.record_field_types(
        tenant_id,
        [ObservedField(f.source_system, f.source_entity, f.field, f.type, None) for f in now],
    )
    tables: dict[tuple[str, str], dict[str, str]] = {}
    for f in now:
        tables.setdefault((f.source_system, f.source_entity.lower()), {})[f.field] = f.type or ""
    return tables


def _decide(  # noqa: PLR0913
    workflow: Workflow,
    tenant_id: TenantId,
    event: DriftInput,
    index: dict,
    fits: dict,
    columns: dict[str, str],
) -> EventOutcome:
    made: list[Repair] = []
    try:
        sure: dict[str, float] = {}  # renamed column -> how sure the DCL is of the rename
        for change in event.changes:
            mapping = index.get((event.connector, event.source_table.lower(), change["column"]))
            # a computed mapping is repaired through what its expression reads, below
            plain = (
                mapping if mapping and mapping.canonical_field and not mapping.expression else None
            )
            rename = _rename_evidence(event, change, plain, fits)
            if plain is not None:
                made.append(_repair(workflow, tenant_id, event, change, plain, rename))
            if rename:
                sure[change["column"]] = rename["confidence"]
        drift = ExpressionDrift(workflow, tenant_id, event, columns, sure)
        for reader in readers(index, event.connector, event.source_table, event.changes):
            if repair := repair_reader(drift, reader):
                made.append(repair)
                if repair.applied and repair.expression:  # a later event builds on it
                    key = (event.connector, reader.source_table.lower(), reader.source_field)
                    index[key] = replace(reader, expression=repair.expression)
    except Exception as error:  # the event stays visible as failed; the gate holds
        reason = f"{type(error).__name__}: {error}"
        return EventOutcome(event.id, event.connector, "failed", made, reason)
    status = "needs_review" if any(not r.applied for r in made) else "repaired"
    return EventOutcome(event.id, event.connector, status, made)


def _matcher_fits(registry, tenant_id, events, index, by_key, resolver_factory) -> dict:  # type: ignore[no-untyped-def]
    """(connector, table, new field) -> {target: calibrated confidence} for renamed fields,
    each weighed against its table's other mapped fields."""
    observed = list(by_key.values())
    wanted, renamed = [], set()
    for event in events:
        for change in event.changes:
            old = index.get((event.connector, event.source_table.lower(), change["column"]))
            new = by_key.get(
                (event.connector, event.source_table.lower(), change.get("renamed_to") or "")
            )
            if change["kind"] == "renamed_suspected" and old and old.canonical_field and new:
                wanted.append(new)
                target = f"{old.canonical_entity}.{old.canonical_field}"
                renamed.add((new.source_system, new.source_entity, target))
    if not wanted:
        return {}
    # the targets the tables' other fields are mapped to (which found the tables), less the
    # renamed fields' own: a new name competes with no one for its old target
    taken = {
        table: {t for t in targets if (*table, t) not in renamed}
        for table, targets in approved_targets(index, wanted).items()
    }
    resolver = resolver_factory()
    resolver.registry_lookup = None
    return {
        (r.field.source_system, r.field.source_entity.lower(), r.field.field): {
            c.target: c.confidence for c in r.candidates
        }
        for r in resolver.resolve(
            wanted,
            top_k=10,
            tenant_id=tenant_id,
            taken=taken,
            observed=other_fields(observed, wanted),
        )
    }


def _rename_evidence(event: DriftInput, change: dict, plain: Mapping | None, fits: dict) -> dict:
    """How sure the DCL is of a suspected rename, and why (empty for other changes): the
    matcher's fit of the new field to the plain mapping's target (0 without one), joined with
    the structural evidence."""
    if change["kind"] != "renamed_suspected":
        return {}
    old, new = change["column"], change["renamed_to"]
    fit = 0.0
    if plain is not None:
        target = f"{plain.canonical_entity}.{plain.canonical_field}"
        fit = fits.get((event.connector, event.source_table.lower(), new), {}).get(target, 0.0)
    seen = change.get("evidence", {})
    overlap = float(seen.get("value_overlap", 0.0))
    compared = bool(seen.get("values_compared", False))
    return {
        "confidence": round(rename_confidence(fit, old, new, overlap, compared), 4),
        "matcher_fit": round(fit, 4),
        "value_overlap": overlap,
        "renamed_from": old,
        "structural": round(structural_evidence(old, new), 4),
    }


def _repair(  # noqa: PLR0913
    workflow: Workflow,
    tenant_id: TenantId,
    event: DriftInput,
    change: dict,
    mapping: Mapping,
    rename: dict,
) -> Repair:
    target = f"{mapping.canonical_entity}.{mapping.canonical_field}"
    table = event.source_table
    old_ref = FieldRef(tenant_id, event.connector, table, change["column"])
    why = f"drift event {event.id}"
    if change["kind"] == "renamed_suspected":
        new_field = change["renamed_to"]
        confidence = rename["confidence"]
        applied = confidence >= AUTO_APPROVE
        new_ref = FieldRef(tenant_id, event.connector, table, new_field)
        evidence = {k: v for k, v in rename.items() if k != "confidence"}
        workflow.propose(
            new_ref,
            target,
            confidence,
            "registry",
            ACTOR,
            activate=applied,
            transform=mapping.transform,
            evidence=evidence,
            reason=f"{why}: {change['column']} renamed to {new_field}",
        )
        if applied:
            _retire(workflow, old_ref, f"{why}: renamed to {new_field}")
        return Repair(
            event.id,
            "moved" if applied else "proposed",
            new_field,
            target,
            confidence,
            applied,
            f"{change['column']} -> {new_field}",
        )
    if change["kind"] == "removed":
        _retire(workflow, old_ref, f"{why}: the source no longer sends {change['column']}")
        return Repair(
            event.id, "deprecated", change["column"], target, 1.0, True, "removed at source"
        )
    workflow.propose(
        old_ref,
        target,
        0.5,
        "registry",
        ACTOR,
        activate=False,
        transform=mapping.transform,
        reason=f"{why}: type changed {change.get('old_type')} -> "
        f"{change.get('new_type')}; check the cast to {target}",
    )
    return Repair(event.id, "flagged", change["column"], target, 0.5, False, "type changed")


def _retire(workflow: Workflow, ref: FieldRef, reason: str) -> None:
    """A tenant-level "no counterpart" version: the field stops feeding canonical, for this
    tenant only (a global baseline row is never touched)."""
    workflow.propose(ref, None, 1.0, "none", ACTOR, activate=True, reason=reason)
