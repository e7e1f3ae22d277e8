"""The batch mapping contract (`autonomos map`, POST /v1/tenants/{t}/map): source fields in,
one decision row per field out, same order. Read-only: nothing is written to any registry."""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from autonomos_pipelines.core.limits import MAX_FIELDS, finite_or_none, refuse
from autonomos_pipelines.core.tracing import counts, traced

if TYPE_CHECKING:  # the CLI imports this module at start: keep that light
    from autonomos_pipelines.core.tenant_id import TenantId
    from autonomos_pipelines.dcl.llm.config import LlmConfig
    from autonomos_pipelines.dcl.matching.source_field import SourceField
    from autonomos_pipelines.dcl.matching.targets import TargetSchema
    from autonomos_pipelines.dcl.registry.store import Registry

MAX_TOP_K = 100


def source_fields(rows: list[Any], where: str) -> list[SourceField]:
    """The rows as SourceFields; a bad one is refused naming `where[i]` and the key, as is
    a row holding what no JSON output can carry (rows parsed by another JSON reader than
    core.json_input's: an unpaired surrogate, an infinite number)."""
    from autonomos_pipelines.core.json_input import unwritable_at
    from autonomos_pipelines.dcl.matching.source_field import SourceField

    if len(rows) > MAX_FIELDS:
        refuse(where, f"more than {MAX_FIELDS:,} fields in one call")
    if (found := unwritable_at(rows, where)) is not None:
        refuse(where, found)
    fields, seen = [], DistinctFields()
    for i, row in enumerate(rows):
        fields.append(SourceField.from_json(row, f"{where}[{i}]"))
        seen.check(fields[-1], f"{where}[{i}]", f"{where}[{i}]")
    return fields


class DistinctFields:
    """The fields and tables read so far: a field given twice, or two tables of one source
    whose names differ only by case (the registry keys a table by its name in lower case, so
    their mappings would be one table's), are refused naming where the first was given."""

    def __init__(self) -> None:
        self.fields: dict[tuple[str, str, str], str] = {}
        self.tables: dict[tuple[str, str], tuple[str, str]] = {}

    def check(self, field: SourceField, label: str, where: str) -> None:
        """``label``: where ``field`` was given, as a later error names it ("line 3")."""
        system, table = field.source_system, field.source_entity
        spelled, first = self.tables.setdefault((system, table.lower()), (table, label))
        if spelled != table:
            refuse(where, f"table {table!r} differs from {spelled!r} ({first}) only by case")
        before = self.fields.setdefault((system, table, field.field), label)
        if before != label:
            refuse(where, f"{system}.{table}.{field.field} is given at {before} too")


# what an output line adds to its input line; given in the input (an earlier run's output
# mapped again), they are this run's to write: one this run leaves out must not stay behind
OUTPUT_KEYS = frozenset({
    "candidates", "mapping", "confidence", "method", "status", "reason", "table", "aggregate",
    "note",
})  # fmt: skip


def output_row(row: dict, resolution: Any, top_k: int, aggregate: Any = None) -> dict:
    """One output line: the input row (less OUTPUT_KEYS) and the decision, and for a nested
    list's field the aggregate a mapping pass would propose on its parent
    (list_aggregates.batch_aggregates). A score that is not a finite number is written as
    null, with a note saying so (JSON has no NaN or Infinity)."""
    confidence = finite_or_none(resolution.confidence)
    out = {
        **{key: value for key, value in row.items() if key not in OUTPUT_KEYS},
        "candidates": [
            {"target": c.target, "score": finite_or_none(c.confidence)}
            for c in resolution.candidates[:top_k]
        ],
        "mapping": resolution.mapping,
        "confidence": None if confidence is None else round(confidence, 4),
        "method": resolution.method,
        "status": resolution.status,
        "reason": resolution.reason,
    }
    if resolution.table is not None:
        out["table"] = {"entity": resolution.table.entity, "why": resolution.table.why}
    if aggregate is not None:
        out["aggregate"] = {
            "table": aggregate.ref.source_table, "field": aggregate.ref.source_field,
            "target": aggregate.target, "expression": aggregate.expression,
        }  # fmt: skip
    if confidence is None or any(c["score"] is None for c in out["candidates"]):
        out["note"] = "null confidence or score: the matcher produced no finite number"
    return out


@traced(
    "mapping.batch",
    attributes=lambda given: {"fields": len(given["fields"])},
    result=lambda rows: counts("status", status_counts(rows)),
)
def map_batch(
    rows: list[dict],
    fields: list[SourceField],
    registry: Registry | None,
    tenant_id: TenantId | None,
    schema: TargetSchema | None = None,
    top_k: int = 5,
    llm: LlmConfig | None = None,
    progress: Callable[[int], None] | None = None,
) -> list[dict]:
    """Resolve `fields` (parsed from `rows`) and return the output rows. With a `schema`
    the registry is not consulted (its mappings name canonical targets)."""
    from autonomos_pipelines.dcl.service import build_resolver

    if not 1 <= top_k <= MAX_TOP_K:
        refuse("top_k", f"must be 1 to {MAX_TOP_K}, got {top_k}")
    resolver = build_resolver(registry if schema is None else None, tenant_id, schema, llm=llm)
    resolutions = resolver.resolve(fields, top_k, tenant_id, progress=progress)
    aggregates = _aggregates(resolutions, fields)
    return [
        output_row(row, resolution, top_k, aggregates.get(_key(resolution.field)))
        for row, resolution in zip(rows, resolutions, strict=True)
    ]


def _key(source: SourceField) -> tuple[str, str, str]:
    return (source.source_system, source.source_entity.lower(), source.field)


def _aggregates(resolutions: list, fields: list[SourceField]) -> dict:
    """Per nested list field, what a mapping pass would propose on its parent table."""
    from autonomos_pipelines.dcl.list_aggregates import batch_aggregates

    return batch_aggregates({_key(r.field): r for r in resolutions}, fields)


def status_counts(out_rows: list[dict]) -> dict[str, int]:
    counts: dict[str, int] = {}
    for row in out_rows:
        counts[row["status"]] = counts.get(row["status"], 0) + 1
    return counts
