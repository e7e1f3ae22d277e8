"""The `lost_source_fields` check on every canonical table: it warns while a canonical field
has lost a source to schema drift (the source stopped sending a mapped field, the DCL
deprecated its mapping, so that source's rows now carry NULL there, never a guess)."""

import json

from dagster import AssetCheckResult, AssetCheckSeverity, AssetCheckSpec, AssetKey, MetadataValue

from autonomos_pipelines.aam.drift.store import SchemaStore
from autonomos_pipelines.core.naming import quote_ident
from autonomos_pipelines.core.tenant_id import TenantId
from autonomos_pipelines.dcl.drift.events import SettledRepair
from autonomos_pipelines.dcl.drift.losses import LostField, lost_fields
from autonomos_pipelines.dcl.registry.store import Registry
from autonomos_pipelines.warehouse.store import WarehouseSession
from quality_checks.partitioned import tenant_check_spec

CHECK_NAME = "lost_source_fields"


def lost_fields_spec(key: AssetKey) -> AssetCheckSpec:
    return tenant_check_spec(
        CHECK_NAME,
        asset=key,
        description="Warns while a canonical field has lost a source: a mapped source field "
        "was dropped by the source, its mapping deprecated by the drift repair, and that "
        "source's rows now carry NULL in the field. Clears when the field is mapped again.",
    )


def settled_repairs(schemas: SchemaStore, tenant_id: TenantId) -> list[SettledRepair]:
    """Every repair the DCL recorded on the tenant's drift events (AAM's), oldest first."""
    return [
        SettledRepair(event.id, event.connector, event.source_table, event.detected_at, repair)
        for event in schemas.events(tenant_id=tenant_id)
        for repair in json.loads(event.detail or "[]")
        if "action" in repair
    ]


def lost_fields_result(  # noqa: PLR0913
    key: AssetKey,
    registry: Registry,
    schemas: SchemaStore,
    session: WarehouseSession,
    table: str,
    tenant_id: TenantId,
) -> AssetCheckResult:
    """``table`` is the quoted canonical table just built for the tenant."""
    lost = lost_fields(registry, tenant_id, key.path[-1], settled_repairs(schemas, tenant_id))
    lines = [_line(session, table, item) for item in lost]
    return AssetCheckResult(
        check_name=CHECK_NAME,  # the canonical asset reports its freshness too
        passed=not lost,
        severity=AssetCheckSeverity.WARN,
        description=(
            f"{len(lost)} field(s) lost a source to drift: "
            + ", ".join(f"{i.canonical_field} ← {i.connector}.{i.source_field}" for i in lost)
            if lost
            else "every mapped source field is still sent"
        ),
        metadata={
            "lost_fields": len(lost),
            "report": MetadataValue.md(
                "| canonical field | lost source | drift event | rows of that source | "
                "non-null |\n|---|---|---|---|---|\n" + "\n".join(lines)
            ),
        },
    )


def _line(session: WarehouseSession, table: str, item: LostField) -> str:
    counts = {
        (connector, source_table.lower()): (rows, filled)
        for connector, source_table, rows, filled in session.rows(
            f"SELECT _source_connector, _source_table, count(*), "  # noqa: S608
            f"count({quote_ident(item.canonical_field)}) FROM {table} GROUP BY 1, 2"
        )
    }
    rows, filled = counts.get((item.connector, item.source_table.lower()), (0, 0))
    return (
        f"| {item.canonical_field} | {item.connector}.{item.source_table}.`{item.source_field}` "
        f"| {item.event_id} ({item.detected_at:%Y-%m-%d %H:%M}) | {rows} | {filled} |"
    )
