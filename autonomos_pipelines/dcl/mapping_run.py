"""One tenant's mapping pass: every observed field resolved, decisions written to the registry.

Fields with an active mapping are registry hits. Fields with a pending proposal wait for their
reviewer. Everything else goes through RAG (and the LLM when configured): auto-approved above
the threshold, proposed for review in the middle band, left unmapped below. A target a person
rejected for a field is never proposed again for it, and a canonical field already fed by
another field of the same table is never auto-approved twice, nor one an earlier pass proposed
for another of its fields that still waits for a person (it goes to review instead).
"""

from __future__ import annotations

import time

from autonomos_pipelines.core.gc_pause import collector_paused
from autonomos_pipelines.core.metrics.definitions import count_decisions
from autonomos_pipelines.core.tenant_id import TenantId
from autonomos_pipelines.core.tracing import counts, traced
from autonomos_pipelines.dcl.decision_parts import WriteBehind, parts_of_whole_sources
from autonomos_pipelines.dcl.list_readers import ListReader, list_readers
from autonomos_pipelines.dcl.llm.config import LlmConfig
from autonomos_pipelines.dcl.mapping_decisions import ACTOR, rejected_targets, write_decisions
from autonomos_pipelines.dcl.mapping_outcomes import FieldOutcome, MappingRun
from autonomos_pipelines.dcl.matching.resolver import Resolution
from autonomos_pipelines.dcl.matching.source_field import SourceField
from autonomos_pipelines.dcl.registry.mapped_fields import (
    approved_targets,
    field_key,
    other_fields,
)
from autonomos_pipelines.dcl.registry.store import Registry
from autonomos_pipelines.dcl.registry.superseded import supersede_proposals
from autonomos_pipelines.dcl.registry.workflow import Workflow


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
    started = time.perf_counter()
    workflow = Workflow(registry)
    run = MappingRun()
    index = registry.mapping_index(tenant_id)
    pending = _pending(workflow, tenant_id)
    read = list_readers(index, pending)
    pending = _superseded(registry, tenant_id, read, pending, run)
    fresh = [
        f for f in fields if (key := field_key(f)) not in index and key not in pending
        and key not in read
    ]  # fmt: skip
    resolutions: dict[tuple[str, str, str], Resolution] = {}
    # the cyclic collector is held off while the pass's candidates live, a quarter of a
    # million of them at scale, until the outcomes are built: collections that walked them
    # cost more than reading the registry back after the writes did (0.86 s of 0.95 s)
    with collector_paused():
        if fresh:
            resolutions = _decide(
                registry,
                tenant_id,
                fresh,
                other_fields(fields, fresh),
                (index, pending, fields),
                workflow,
                run,
                llm,
            )
            index = registry.mapping_index(tenant_id)
            pending = _pending(workflow, tenant_id)
            read = list_readers(index, pending)
        for source in fields:
            key = field_key(source)
            reader = read.get(key)  # an approved one stands for an older proposal of its own
            waiting = reader if reader and reader.status == "mapped" else pending.get(key) or reader
            run.outcomes.append(_outcome(source, index.get(key), waiting, resolutions.get(key)))
        # freed while the collector is still held off: its first pass after the pause walks
        # every object made during it that is still alive (0.6 s with the candidates alive)
        resolutions.clear()
    run.seconds["pass"] = time.perf_counter() - started
    return run


def _decide(registry, tenant_id, fresh, others, registered, workflow, run, llm) -> dict:
    """Resolve the ``fresh`` fields and write the decisions; ``others``: their tables' other
    fields whatever their state, which they are weighed against and among which each table's
    key is sought (other_fields)."""
    from autonomos_pipelines.dcl.service import build_resolver  # heavy: embeddings

    index = registered[0]  # (index, pending, every field the pass observed)
    resolutions: dict[tuple[str, str, str], Resolution] = {}
    with run.stage("preparing"):
        resolver = build_resolver(registry, tenant_id, llm=llm, persistent=True)
        rejected = rejected_targets(registry, tenant_id)
    resolver.registry_lookup = None  # already answered from the hot index above
    run.resolved_now = len(fresh)
    taken = approved_targets(index, fresh)

    def write(decided: dict) -> None:
        write_decisions(workflow, tenant_id, decided, registered, rejected, run)

    with WriteBehind(write, run) as writer:  # a part is written while the next is matched
        for part in parts_of_whole_sources(fresh):
            with run.stage("matching", fields=len(part)):
                found = resolver.resolve(part, tenant_id=tenant_id, taken=taken, observed=others)
            decided = {field_key(resolution.field): resolution for resolution in found}
            resolutions.update(decided)
            writer.submit(decided)
    if resolver.llm is not None:
        run.llm_calls = getattr(resolver.llm, "calls", 0)
    count_decisions(tenant_id, ((r.method, r.status) for r in resolutions.values()))
    return resolutions


def _superseded(registry, tenant_id, read, pending, run) -> dict[tuple[str, str, str], dict]:
    """``pending`` without the list columns' proposals that an approved computed mapping
    reads (its own or the baseline's), which are withdrawn (registry/superseded.py)."""
    moot = {
        row["id"]: reader.by
        for key, row in pending.items()
        if (reader := read.get(key)) is not None and reader.status == "mapped"
        and row["status"] == "proposed"
    }  # fmt: skip
    if not moot:
        return pending
    run.superseded = supersede_proposals(registry.engine, tenant_id, moot, ACTOR)
    registry.invalidate(tenant_id)
    return {key: row for key, row in pending.items() if row["id"] not in moot}


def _pending(workflow: Workflow, tenant_id: TenantId) -> dict[tuple[str, str, str], dict]:
    return {
        (r["connector"], r["source_table"].lower(), r["source_field"]): r
        for r in workflow.pending(tenant_id, evidence=False)
    }


def _outcome(source, active, waiting, resolution) -> FieldOutcome:
    """``waiting``: the field's own proposal, or the computed mapping that reads it
    (list_readers.ListReader: a nested list's column, approved or waiting), which a
    decision that the column has no counterpart as it is does not gainsay."""
    if isinstance(waiting, ListReader) and active is not None and not active.canonical_field:
        active = None
    if active is not None and not active.canonical_field:
        return FieldOutcome(source, "unmapped", "registry", active.confidence, None, active.id)
    if active is not None:
        method = "registry" if resolution is None else active.method
        target = f"{active.canonical_entity}.{active.canonical_field}"
        return FieldOutcome(source, "mapped", method, active.confidence, target, active.id)
    if isinstance(waiting, ListReader):
        method = "registry" if resolution is None and waiting.status == "mapped" else waiting.method
        return FieldOutcome(
            source, waiting.status, method, waiting.confidence, waiting.target, waiting.mapping_id
        )
    if waiting is not None:
        target = f"{waiting['canonical_entity']}.{waiting['canonical_field']}"
        return FieldOutcome(
            source, "pending_review", waiting["method"], waiting["confidence"], target,
            waiting["id"],
        )  # fmt: skip
    confidence = resolution.confidence if resolution else None
    method = resolution.method if resolution else "none"
    return FieldOutcome(source, "unmapped", method, confidence, None)
