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

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from autonomos_pipelines.dcl.model.canonical_model import has_field
from autonomos_pipelines.dcl.model.transforms import TRANSFORMS
from autonomos_pipelines.dcl.registry.expression_checks import validate_proposals
from autonomos_pipelines.dcl.registry.refs import ROW_COLUMNS, FieldRef, WorkflowError, row_value

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


def _key_arrays(refs: Sequence[FieldRef]) -> dict[str, list]:
    return {
        "t": [r.tenant_id or "" for r in refs],
        "c": [r.connector for r in refs],
        "tbl": [r.source_table.lower() for r in refs],
        "f": [r.source_field for r in refs],
    }


_KEYS = """SELECT * FROM unnest(CAST(:t AS text[]), CAST(:c AS text[]), CAST(:tbl AS text[]),
                                CAST(:f AS text[])) AS k(t, c, tbl, f)"""
_MATCH = """COALESCE(m.tenant_id, '') = k.t AND m.connector = k.c
            AND lower(m.source_table) = k.tbl AND m.source_field = k.f"""


def _next_versions(connection: Connection, refs: Sequence[FieldRef]) -> list[int]:
    rows = connection.execute(
        sa.text(f"""SELECT k.t, k.c, k.tbl, k.f, max(m.version)
                      FROM ({_KEYS}) k JOIN field_mappings m ON {_MATCH}
                     GROUP BY k.t, k.c, k.tbl, k.f"""),  # noqa: S608
        _key_arrays(refs),
    )
    latest = {tuple(row[:4]): int(row[4]) for row in rows}
    versions, seen = [], dict(latest)
    for key in zip(*_key_arrays(refs).values(), strict=True):
        seen[key] = seen.get(key, 0) + 1  # the same field twice in a batch: two versions
        versions.append(seen[key])
    return versions


def _active_rows(connection: Connection, refs: Sequence[FieldRef]) -> list[Any]:
    if not refs:
        return []
    columns = ", ".join(f"m.{c.strip()}" for c in ROW_COLUMNS.split(","))
    return list(
        connection.execute(
            sa.text(f"""SELECT {columns} FROM field_mappings m JOIN ({_KEYS}) k ON {_MATCH}
                         WHERE m.is_active FOR UPDATE OF m"""),  # noqa: S608
            _key_arrays(refs),
        ).mappings()
    )


def _insert(
    connection: Connection, batch: list[Proposal], versions: list[int], actor: str
) -> list[int]:
    targets = [split_target(p.target) for p in batch]
    params = _key_arrays([p.ref for p in batch]) | {
        "tenant": [p.ref.tenant_id for p in batch],
        "table": [p.ref.source_table for p in batch],
        "e": [e for e, _ in targets],
        "cf": [f for _, f in targets],
        "tr": [p.transform for p in batch],
        "conf": [round(float(p.confidence), 4) for p in batch],
        "m": [p.method for p in batch],
        "act": [p.activate for p in batch],
        "v": versions,
        "reason": [p.reason[:500] for p in batch],
        "ev": [None if p.evidence is None else json.dumps(p.evidence, default=str) for p in batch],
        "x": [p.expression for p in batch],
        "actor": actor,
    }
    ids = [
        int(row[0])
        for row in connection.execute(
            sa.text("""
            INSERT INTO field_mappings (tenant_id, connector, source_table, source_field,
                canonical_entity, canonical_field, transform, confidence, method, status,
                version, is_active, approved_by, approved_at, created_by, reason, evidence,
                expression)
            SELECT tenant, c, tbl_name, f, e, cf, tr, conf, m,
                   CASE WHEN act THEN 'active' ELSE 'proposed' END, v, act,
                   CASE WHEN act THEN CAST(:actor AS text) END, CASE WHEN act THEN now() END,
                   :actor, reason, CAST(ev AS jsonb), x
              FROM unnest(CAST(:tenant AS text[]), CAST(:c AS text[]), CAST(:table AS text[]),
                          CAST(:f AS text[]), CAST(:e AS text[]), CAST(:cf AS text[]),
                          CAST(:tr AS text[]), CAST(:conf AS float8[]), CAST(:m AS text[]),
                          CAST(:act AS boolean[]), CAST(:v AS int[]), CAST(:reason AS text[]),
                          CAST(:ev AS text[]), CAST(:x AS text[]))
                   WITH ORDINALITY AS p(tenant, c, tbl_name, f, e, cf, tr, conf, m, act, v,
                                        reason, ev, x, n)
             ORDER BY n
            RETURNING id"""),
            params,
        )
    ]
    return ids


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
    connection.execute(
        sa.text("""INSERT INTO audit_log (actor, action, tenant_id, object_type, object_key,
                                          old_value, new_value)
                   SELECT :actor, a, t, 'field_mapping', k, CAST(o AS jsonb), CAST(v AS jsonb)
                     FROM unnest(CAST(:a AS text[]), CAST(:t AS text[]), CAST(:k AS text[]),
                                 CAST(:o AS text[]), CAST(:v AS text[])) AS x(a, t, k, o, v)"""),
        {
            "actor": actor,
            "a": [p.action for p in batch],
            "t": [p.ref.tenant_id for p in batch],
            "k": [f"{p.ref.key}@{v}" for p, v in zip(batch, versions, strict=True)],
            "o": [None if value is None else json.dumps(value, default=str) for value in old],
            "v": [json.dumps(value, default=str) for value in values],
        },
    )
