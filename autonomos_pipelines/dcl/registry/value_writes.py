"""Writing value-mapping versions inside the caller's transaction: a new version per
proposal (the active one it replaces deprecated first), every change with its audit row.

A tenant has tens of values per enumeration field, not tens of thousands of fields, so a
proposal is a handful of statements rather than a set-based batch."""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from autonomos_pipelines.core.audit import audit
from autonomos_pipelines.dcl.registry.value_refs import (
    VALUE_COLUMNS,
    ValueRef,
    value_key,
    value_state,
)

OBJECT_TYPE = "value_mapping"


@dataclass(frozen=True)
class ValueProposal:
    ref: ValueRef
    entity: str
    field: str
    canonical_value: str
    confidence: float
    method: str  # manual | registry | rag | llm | rule
    activate: bool = False  # auto-approval, or a reviewer's own edit
    reason: str = ""
    evidence: dict | None = None

    @property
    def action(self) -> str:
        if not self.activate:
            return "value_mapping.propose"
        return "value_mapping.activate" if self.method == "manual" else "value_mapping.auto_approve"


_MATCH = """COALESCE(tenant_id, '') = COALESCE(CAST(:t AS text), '') AND connector = :c
            AND lower(source_table) = lower(:tbl) AND source_field = :f AND source_value = :v"""


def _key_params(ref: ValueRef) -> dict:
    field = ref.field
    return {
        "t": ref.tenant_id,
        "c": field.connector,
        "tbl": field.source_table,
        "f": field.source_field,
        "v": ref.source_value,
    }


def active_row(connection: Connection, ref: ValueRef) -> Any:
    """The value's active row in the ref's own namespace (not the baseline's), locked."""
    return (
        connection.execute(
            sa.text(
                f"SELECT {VALUE_COLUMNS} FROM value_mappings "  # noqa: S608
                f"WHERE is_active AND {_MATCH} FOR UPDATE"
            ),  # fmt: skip
            _key_params(ref),
        )
        .mappings()
        .first()
    )


def deprecate(connection: Connection, row: Any, actor: str) -> None:
    connection.execute(
        sa.text("""UPDATE value_mappings SET is_active = false, status = 'deprecated',
                       updated_at = now() WHERE id = :id"""),
        {"id": row["id"]},
    )
    audit(
        connection, actor, "value_mapping.deprecate", row["tenant_id"], OBJECT_TYPE,
        value_key(row), value_state(row), {**value_state(row), "status": "deprecated"},
    )  # fmt: skip


def write_value_proposals(
    connection: Connection, proposals: Sequence[ValueProposal], actor: str
) -> list[int]:
    """A new version per proposal, ids in order; each audited with the state it replaced."""
    ids = []
    for proposal in proposals:
        params = _key_params(proposal.ref)
        version = connection.execute(
            sa.text(f"SELECT COALESCE(max(version), 0) + 1 FROM value_mappings WHERE {_MATCH}"),  # noqa: S608
            params,
        ).scalar_one()
        replaced = active_row(connection, proposal.ref) if proposal.activate else None
        if replaced is not None:
            deprecate(connection, replaced, actor)
        row = (
            connection.execute(
                sa.text(f"""
                INSERT INTO value_mappings (tenant_id, connector, source_table, source_field,
                    source_value, canonical_entity, canonical_field, canonical_value, confidence,
                    method, status, version, is_active, approved_by, approved_at, created_by,
                    reason, evidence)
                VALUES (:t, :c, :tbl, :f, :v, :e, :cf, :cv, :conf, :m,
                        CASE WHEN :act THEN 'active' ELSE 'proposed' END, :version, :act,
                        CASE WHEN :act THEN CAST(:actor AS text) END,
                        CASE WHEN :act THEN now() END, :actor, :reason, CAST(:ev AS jsonb))
                RETURNING {VALUE_COLUMNS}"""),  # noqa: S608
                params
                | {
                    "e": proposal.entity,
                    "cf": proposal.field,
                    "cv": proposal.canonical_value,
                    "conf": round(float(proposal.confidence), 4),
                    "m": proposal.method,
                    "act": proposal.activate,
                    "version": version,
                    "actor": actor,
                    "reason": proposal.reason[:500],
                    "ev": None if proposal.evidence is None else json.dumps(proposal.evidence),
                },
            )
            .mappings()
            .one()
        )
        old = None if replaced is None else value_state(replaced)
        new = {**value_state(row), "confidence": row["confidence"], "method": row["method"]}
        audit(connection, actor, proposal.action, row["tenant_id"], OBJECT_TYPE,
              value_key(row), old, new)  # fmt: skip
        ids.append(int(row["id"]))
    return ids
