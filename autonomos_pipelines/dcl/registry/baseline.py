"""Load the approved global baseline mappings (method manual, version 1), idempotently.

A table's block may list `computed` rows, [name, canonical field, expression]: computed
mappings (dcl/expressions) whose name need not be a column. They are type-checked here with
the columns unknown, so every column is text and needs an explicit cast (to_decimal(...))."""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path

import sqlalchemy as sa

from autonomos_pipelines.core.audit import audit
from autonomos_pipelines.core.database import admin_session
from autonomos_pipelines.dcl.model.canonical_model import has_field
from autonomos_pipelines.dcl.model.transforms import TRANSFORMS
from autonomos_pipelines.dcl.registry.expression_checks import check_for_target
from autonomos_pipelines.dcl.registry.store import Registry

BASELINE_FILE = Path(__file__).parent / "data" / "baseline_mappings.json"
IGNORED_FILE = Path(__file__).parent / "data" / "baseline_ignored.json"
ACTOR = "system:baseline"


@dataclass(frozen=True)
class BaselineMapping:
    connector: str
    source_table: str
    source_field: str
    entity: str | None  # None: decided to have no canonical counterpart
    field: str | None
    transform: str
    expression: str | None = None


def _computed(path: Path, connector: str, table: str, block: dict) -> list[BaselineMapping]:
    found = []
    for name, target, expression in block.get("computed", []):
        entity, _, field = target.rpartition(".")
        entity = entity or block["entity"]
        if not has_field(entity, field):
            raise ValueError(f"{path}: {connector}.{table}.{name}: {target} is not canonical")
        check_for_target(expression, f"{entity}.{field}", None)
        found.append(BaselineMapping(connector, table, name, entity, field, "none", expression))
    return found


def baseline_mappings(path: Path = BASELINE_FILE) -> list[BaselineMapping]:
    data = json.loads(path.read_text(encoding="utf-8"))
    found = []
    for connector, tables in data.items():
        if connector.startswith("_"):
            continue
        for table, block in tables.items():
            for row in block["fields"]:
                source_field, target = row[0], row[1]
                transform = row[2] if len(row) > 2 else "none"
                entity, _, field = target.rpartition(".")
                entity = entity or block["entity"]
                if not has_field(entity, field) or transform not in TRANSFORMS:
                    raise ValueError(
                        f"{path}: {connector}.{table}.{source_field} -> {entity}.{field} "
                        f"({transform}) is not a canonical field with a known transform"
                    )
                found.append(
                    BaselineMapping(connector, table, source_field, entity, field, transform)
                )
            found += _computed(path, connector, table, block)
    return found


def ignored_fields(path: Path = IGNORED_FILE) -> list[BaselineMapping]:
    data = json.loads(path.read_text(encoding="utf-8"))
    return [
        BaselineMapping(connector, table, source_field, None, None, "none")
        for connector, tables in data.items()
        if not connector.startswith("_")
        for table, fields in tables.items()
        for source_field in fields
    ]


def load_baseline(registry: Registry) -> int:
    """Insert missing baseline rows; returns how many were inserted (0 when up to date)."""
    inserted = 0
    with admin_session(registry.engine) as connection:  # the global baseline: admin only
        for row in [*baseline_mappings(), *ignored_fields()]:
            new_id = connection.execute(
                sa.text("""
                INSERT INTO field_mappings (tenant_id, connector, source_table, source_field,
                    canonical_entity, canonical_field, transform, confidence, method, status,
                    version, is_active, approved_by, approved_at, created_by, expression)
                VALUES (NULL, :c, :t, :f, :e, :cf, :tr, 1.0, 'manual', 'active', 1, true,
                        :actor, now(), :actor, :x)
                ON CONFLICT (COALESCE(tenant_id, ''), connector, lower(source_table),
                             source_field, version) DO NOTHING
                RETURNING id"""),
                {
                    "c": row.connector,
                    "t": row.source_table,
                    "f": row.source_field,
                    "e": row.entity,
                    "cf": row.field,
                    "tr": row.transform,
                    "actor": ACTOR,
                    "x": row.expression,
                },
            ).scalar()
            if new_id is not None:
                inserted += 1
                audit(
                    connection,
                    ACTOR,
                    "mapping.create",
                    None,
                    "field_mapping",
                    f"{row.connector}.{row.source_table}.{row.source_field}@1",
                    None,
                    {
                        "target": f"{row.entity}.{row.field}" if row.field else None,
                        "transform": row.transform,
                        "status": "active",
                        **({"expression": row.expression} if row.expression else {}),
                    },
                )
    if inserted:
        registry.invalidate(None)
    return inserted
