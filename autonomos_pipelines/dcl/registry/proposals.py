"""Writing many mapping versions at once: one transaction, a handful of set-based statements.

Onboarding a tenant proposes tens of thousands of mappings; one round trip per statement per
field would dominate the run. Every proposal is validated before anything is written, so a bad
one rejects the batch with nothing half-written. Each written version gets its audit row.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

import orjson
import sqlalchemy as sa
from sqlalchemy.engine import Connection

from autonomos_pipelines.dcl.model.canonical_model import has_field
from autonomos_pipelines.dcl.model.transforms import TRANSFORMS
from autonomos_pipelines.dcl.registry.expression_checks import validate_proposals
from autonomos_pipelines.dcl.registry.refs import ROW_FIELDS, FieldRef, WorkflowError, row_value
from autonomos_pipelines.dcl.registry.superseded import supersede_read_columns

BATCH = 5_000


@dataclass(frozen=True)
class Proposal:
    ref: FieldRef
    target: str | None  # None: decided "no canonical counterpart"
    confidence: float
    method: str
    activate: bool = False  # auto-approval, or a reviewer's manual edit
    transform: str = "none"
    reason: str = ""
    evidence: dict | None = None
    expression: str | None = None  # a computed mapping (dcl/expressions), validated first

    @property
    def action(self) -> str:
        if self.activate:
            return "mapping.auto_approve" if self.method == "rag" else "mapping.activate"
        return "mapping.propose"


def split_target(target: str | None) -> tuple[str | None, str | None]:
    if target is None:
        return None, None
    entity, _, field = target.partition(".")
    if not has_field(entity, field):
        raise WorkflowError(f"{target!r} is not a field of the canonical model")
    return entity, field


def write_proposals(
    connection: Connection,
    proposals: Sequence[Proposal],
    actor: str,
    deprecate: Callable[[Connection, Any, str], None],
) -> list[int]:
    """Insert a new version per proposal (ids returned in order). The active version an
    activating proposal replaces is handed to `deprecate` first."""
    for proposal in proposals:
        split_target(proposal.target)
        if proposal.transform not in TRANSFORMS:
            raise WorkflowError(f"unknown transform {proposal.transform!r}")
        if not 0.0 <= float(proposal.confidence) <= 1.0:  # NaN fails too: jsonb has none
            raise WorkflowError(
                f"{proposal.ref.key}: confidence {proposal.confidence!r} is not a number "
                "from 0 to 1"
            )
    validate_proposals(connection, proposals)
    ids: list[int] = []
    for start in range(0, len(proposals), BATCH):
        batch = list(proposals[start : start + BATCH])
        versions = _next_versions(connection, [p.ref for p in batch])
        replaced = _active_rows(connection, [p.ref for p in batch if p.activate])
        for row in replaced:
            deprecate(connection, row, actor)
        old = {_row_ident(row): row_value(row) for row in replaced}
        ids += _insert(connection, batch, versions, actor)
        _audit(connection, batch, versions, actor, [old.get(_ident(p.ref)) for p in batch])
        for proposal in batch:  # a computed mapping in effect: the lists' columns it reads
            if proposal.activate and proposal.expression:
                supersede_read_columns(connection, proposal.ref, proposal.expression, actor)
    return ids


def _ident(ref: FieldRef) -> tuple[str, str, str, str]:
    return (ref.tenant_id or "", ref.connector, ref.source_table.lower(), ref.source_field)


def _row_ident(row: Any) -> tuple[str, str, str, str]:
    return (
        row["tenant_id"] or "",
        row["connector"],
        row["source_table"].lower(),
        row["source_field"],
    )


def _keys(refs: Sequence[FieldRef]) -> list[tuple[str, str, str, str]]:
    return [(r.tenant_id or "", r.connector, r.source_table.lower(), r.source_field) for r in refs]


def _key_rows(refs: Sequence[FieldRef]) -> dict[str, str]:
    """The keys as one JSON parameter: a batch's rows travel as one document, parsed by
    PostgreSQL, instead of one escaped text array per column (psycopg escapes array
    elements in Python, which dominated writing a large onboarding)."""
    return {"keys": json.dumps([dict(zip("tcbf", key, strict=True)) for key in _keys(refs)])}


_KEYS = """SELECT * FROM jsonb_to_recordset(CAST(:keys AS jsonb)) AS k(t text, c text, b text,
                                                                       f text)"""
_MATCH = """COALESCE(m.tenant_id, '') = k.t AND m.connector = k.c
            AND lower(m.source_table) = k.b AND m.source_field = k.f"""


def _next_versions(connection: Connection, refs: Sequence[FieldRef]) -> list[int]:
    rows = connection.execute(
        sa.text(f"""SELECT k.t, k.c, k.b, k.f, max(m.version)
                      FROM ({_KEYS}) k JOIN field_mappings m ON {_MATCH}
                     GROUP BY k.t, k.c, k.b, k.f"""),  # noqa: S608
        _key_rows(refs),
    )
    latest = {tuple(row[:4]): int(row[4]) for row in rows}
    versions, seen = [], dict(latest)
    for key in _keys(refs):
        seen[key] = seen.get(key, 0) + 1  # the same field twice in a batch: two versions
        versions.append(seen[key])
    return versions


def _active_rows(connection: Connection, refs: Sequence[FieldRef]) -> list[Any]:
    if not refs:
        return []
    columns = ", ".join(f"m.{c}" for c in ROW_FIELDS)
    return list(
        connection.execute(
            sa.text(f"""SELECT {columns} FROM field_mappings m JOIN ({_KEYS}) k ON {_MATCH}
                         WHERE m.is_active FOR UPDATE OF m"""),  # noqa: S608
            _key_rows(refs),
        ).mappings()
    )


def _insert(
    connection: Connection, batch: list[Proposal], versions: list[int], actor: str
) -> list[int]:
    rows = []
    for proposal, version in zip(batch, versions, strict=True):
        entity, field = split_target(proposal.target)
        ref = proposal.ref
        rows.append({
            "tenant": ref.tenant_id, "c": ref.connector, "tbl": ref.source_table,
            "f": ref.source_field, "e": entity, "cf": field, "tr": proposal.transform,
            "conf": round(float(proposal.confidence), 4), "m": proposal.method,
            "act": proposal.activate, "v": version, "reason": proposal.reason[:500],
            "ev": proposal.evidence, "x": proposal.expression,
        })  # fmt: skip
    found = connection.execute(
        sa.text("""
        INSERT INTO field_mappings (tenant_id, connector, source_table, source_field,
            canonical_entity, canonical_field, transform, confidence, method, status,
            version, is_active, approved_by, approved_at, created_by, reason, evidence,
            expression)
        SELECT r->>'tenant', r->>'c', r->>'tbl', r->>'f', r->>'e', r->>'cf', r->>'tr',
               CAST(r->>'conf' AS float8), r->>'m',
               CASE WHEN CAST(r->>'act' AS boolean) THEN 'active' ELSE 'proposed' END,
               CAST(r->>'v' AS int), CAST(r->>'act' AS boolean),
               CASE WHEN CAST(r->>'act' AS boolean) THEN CAST(:actor AS text) END,
               CASE WHEN CAST(r->>'act' AS boolean) THEN now() END,
               :actor, r->>'reason', NULLIF(r->'ev', 'null'::jsonb), r->>'x'
          FROM jsonb_array_elements(CAST(:rows AS jsonb)) WITH ORDINALITY AS p(r, n)
         ORDER BY n
        RETURNING id"""),
        {"rows": _json(rows), "actor": actor},
    )
    return [int(row[0]) for row in found]


def _json(rows: list[dict]) -> str:
    """The rows as one JSON document. orjson (dlt's own dependency) writes a large
    onboarding's evidence, 60 MB of it, several times faster than the standard library
    (numpy numbers as numbers; a float that is not a number as null, where PostgreSQL refused
    the standard library's NaN). What orjson refuses (a string that is no UTF-8, a lone
    surrogate from a hostile file) goes the standard library's way, so PostgreSQL refuses the
    batch as it did, with nothing written."""
    try:
        return orjson.dumps(rows, option=orjson.OPT_SERIALIZE_NUMPY, default=str).decode()
    except orjson.JSONEncodeError:
        return json.dumps(rows, default=str)


def _audit(
    connection: Connection,
    batch: list[Proposal],
    versions: list[int],
    actor: str,
    old: list[dict | None],
) -> None:
    values = [
        {
            "target": p.target,
            "confidence": p.confidence,
            "method": p.method,
            "status": "active" if p.activate else "proposed",
            "transform": p.transform,
            **({"expression": p.expression} if p.expression else {}),
        }
        for p in batch
    ]
    rows = [
        {"a": p.action, "t": p.ref.tenant_id, "k": f"{p.ref.key}@{version}", "o": before,
         "v": value}
        for p, version, before, value in zip(batch, versions, old, values, strict=True)
    ]  # fmt: skip
    connection.execute(
        sa.text("""INSERT INTO audit_log (actor, action, tenant_id, object_type, object_key,
                                          old_value, new_value)
                   SELECT :actor, r->>'a', r->>'t', 'field_mapping', r->>'k',
                          NULLIF(r->'o', 'null'::jsonb), r->'v'
                     FROM jsonb_array_elements(CAST(:rows AS jsonb)) AS x(r)"""),
        {"actor": actor, "rows": _json(rows)},
    )
