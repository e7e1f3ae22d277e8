"""Load the global baseline's value mappings (method manual, version 1), idempotently.

Each names a field the baseline maps onto a canonical enumeration; its canonical field is
that mapping's, so the file cannot disagree with baseline_mappings.json."""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path

import sqlalchemy as sa

from autonomos_pipelines.core.audit import audit
from autonomos_pipelines.core.database import session
from autonomos_pipelines.dcl.model.canonical_model import canonical_model
from autonomos_pipelines.dcl.registry.baseline import ACTOR, baseline_mappings
from autonomos_pipelines.dcl.registry.store import Registry
from autonomos_pipelines.dcl.registry.value_checks import check_canonical_value, check_source_value
from autonomos_pipelines.dcl.registry.value_writes import OBJECT_TYPE

VALUES_FILE = Path(__file__).parent / "data" / "baseline_values.json"


@dataclass(frozen=True)
class BaselineValue:
    connector: str
    source_table: str
    source_field: str
    source_value: str
    entity: str
    field: str
    canonical_value: str


def baseline_values(path: Path = VALUES_FILE) -> list[BaselineValue]:
    """The file's value mappings, each checked against the baseline's field mappings and the
    canonical value sets (a mistake is an error naming the row, not a silent skip)."""
    targets = {
        (m.connector, m.source_table, m.source_field): (m.entity, m.field)
        for m in baseline_mappings()
    }
    found = []
    data = json.loads(path.read_text(encoding="utf-8"))
    for connector, tables in data.items():
        if connector.startswith("_"):
            continue
        for table, fields in tables.items():
            for source_field, values in fields.items():
                entity, field = targets.get((connector, table, source_field), (None, None))
                where = f"{path}: {connector}.{table}.{source_field}"
                if entity is None or field is None:
                    raise ValueError(f"{where} is not mapped by the baseline")
                canonical = canonical_model()[entity].field(field)
                for source_value, canonical_value in values.items():
                    check_source_value(source_value)
                    check_canonical_value(canonical, canonical_value)
                    found.append(
                        BaselineValue(connector, table, source_field, source_value, entity,
                                      field, canonical_value)
                    )  # fmt: skip
    return found


def load_baseline_values(registry: Registry) -> int:
    """Insert missing baseline value mappings; returns how many (0 when up to date)."""
    inserted = 0
    with session(registry.engine, None) as connection:  # the global baseline: admin only
        for row in baseline_values():
            new_id = connection.execute(
                sa.text("""
                INSERT INTO value_mappings (tenant_id, connector, source_table, source_field,
                    source_value, canonical_entity, canonical_field, canonical_value, confidence,
                    method, status, version, is_active, approved_by, approved_at, created_by,
                    reason)
                VALUES (NULL, :c, :t, :f, :v, :e, :cf, :cv, 1.0, 'manual', 'active', 1, true,
                        :actor, now(), :actor, 'the vendor documents this value')
                ON CONFLICT (COALESCE(tenant_id, ''), connector, lower(source_table),
                             source_field, source_value, version) DO NOTHING
                RETURNING id"""),
                {"c": row.connector, "t": row.source_table, "f": row.source_field,
                 "v": row.source_value, "e": row.entity, "cf": row.field,
                 "cv": row.canonical_value, "actor": ACTOR},
            ).scalar()  # fmt: skip
            if new_id is not None:
                inserted += 1
                field = f"{row.connector}.{row.source_table}.{row.source_field}"
                key = f"{field}={row.source_value!r}@1"
                new = {"target": f"{row.entity}.{row.field}",
                       "canonical_value": row.canonical_value, "status": "active"}  # fmt: skip
                audit(connection, ACTOR, "value_mapping.create", None, OBJECT_TYPE, key, None, new)
    if inserted:
        registry.invalidate(None)
    return inserted
