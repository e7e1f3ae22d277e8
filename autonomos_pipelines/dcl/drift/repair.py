"""Repairs for drift events (the DCL decides; AAM detected and recorded them).

* a suspected rename of a mapped field moves the mapping to the new field, with a confidence
  that joins two independent pieces of evidence (noisy-OR): the matcher's calibrated
  confidence that the new field means the old mapping's target, and the structural evidence
  of one field vanishing as one of the same type appears in the same table (stronger the more
  alike the names are, and the more of the sampled values the two columns share);
* a removed mapped field gets a tenant-level "no counterpart" version (its canonical column
  goes null, nothing is guessed);
* a type change of a mapped field goes to review (the cast may no longer hold);
* added fields need nothing here: the mapping pass resolves them like any new field.

Confidence >= 0.85 is applied at once (a new registry version and its audit row); anything
lower becomes a proposal, which the blocking review gate holds canonical tables behind.
The connection goes healing -> active (or review / failed, with the reason).
"""

from __future__ import annotations

from collections.abc import Callable

from autonomos_pipelines.core.tenant_id import TenantId
from autonomos_pipelines.core.tracing import tally, traced
from autonomos_pipelines.dcl.drift.events import DriftInput, EventOutcome, Repair
from autonomos_pipelines.dcl.drift.rename_confidence import rename_confidence, structural_evidence
from autonomos_pipelines.dcl.drift.status import set_connection
from autonomos_pipelines.dcl.matching.resolver import AUTO_APPROVE, Resolver
from autonomos_pipelines.dcl.matching.source_field import SourceField
from autonomos_pipelines.dcl.registry.store import Mapping, Registry
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
    index = registry.mapping_index(tenant_id)
    by_key = {(f.source_system, f.source_entity.lower(), f.field): f for f in fields}
    fits = _matcher_fits(registry, tenant_id, events, index, by_key, resolver_factory)
    outcomes = []
    for event in events:
        set_connection(registry, tenant_id, event.connector, "healing")
        outcome = _decide(workflow, tenant_id, event, index, fits)
        connection = {"needs_review": "review", "repaired": "active"}.get(outcome.status)
        set_connection(registry, tenant_id, event.connector, connection or "failed")
        outcomes.append(outcome)
    return outcomes


def _decide(  # noqa: PLR0913
    workflow: Workflow, tenant_id: TenantId, event: DriftInput, index: dict, fits: dict
) -> EventOutcome:
    made: list[Repair] = []
    try:
        for change in event.changes:
            mapping = index.get((event.connector, event.source_table.lower(), change["column"]))
            if mapping is None or mapping.canonical_field is None:
                continue  # an unmapped field: nothing to repair
            made.append(_repair(workflow, tenant_id, event, change, mapping, fits))
    except Exception as error:  # the event stays visible as failed; the gate holds
        reason = f"{type(error).__name__}: {error}"
        return EventOutcome(event.id, event.connector, "failed", made, reason)
    status = "needs_review" if any(not r.applied for r in made) else "repaired"
    return EventOutcome(event.id, event.connector, status, made)


def _matcher_fits(registry, tenant_id, events, index, by_key, resolver_factory) -> dict:  # type: ignore[no-untyped-def]
    """(connector, table, new field) -> {target: calibrated confidence} for renamed fields."""
    wanted = []
    for event in events:
        for change in event.changes:
            old = index.get((event.connector, event.source_table.lower(), change["column"]))
            new = by_key.get(
                (event.connector, event.source_table.lower(), change.get("renamed_to") or "")
            )
            if change["kind"] == "renamed_suspected" and old and old.canonical_field and new:
                wanted.append(new)
    if not wanted:
        return {}
    resolver = resolver_factory()
    resolver.registry_lookup = None
    return {
        (r.field.source_system, r.field.source_entity.lower(), r.field.field): {
            c.target: c.confidence for c in r.candidates
        }
        for r in resolver.resolve(wanted, top_k=10, tenant_id=tenant_id)
    }


def _repair(  # noqa: PLR0913
    workflow: Workflow,
    tenant_id: TenantId,
    event: DriftInput,
    change: dict,
    mapping: Mapping,
    fits: dict,
) -> Repair:
    target = f"{mapping.canonical_entity}.{mapping.canonical_field}"
    table = event.source_table
    old_ref = FieldRef(tenant_id, event.connector, table, change["column"])
    why = f"drift event {event.id}"
    if change["kind"] == "renamed_suspected":
        new_field = change["renamed_to"]
        fit = fits.get((event.connector, table.lower(), new_field), {}).get(target, 0.0)
        evidence = change.get("evidence", {})
        overlap = float(evidence.get("value_overlap", 0.0))
        compared = bool(evidence.get("values_compared", False))
        confidence = round(
            rename_confidence(fit, change["column"], new_field, overlap, compared), 4
        )
        applied = confidence >= AUTO_APPROVE
        new_ref = FieldRef(tenant_id, event.connector, table, new_field)
        evidence = {
            "matcher_fit": round(fit, 4),
            "value_overlap": overlap,
            "renamed_from": change["column"],
            "structural": round(structural_evidence(change["column"], new_field), 4),
        }
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
