"""Canonical rows written straight into a tenant's warehouse, for the unification tests."""

from __future__ import annotations

from autonomos_pipelines.canonical.sql_builder import empty_select
from autonomos_pipelines.core.tenant_id import TenantId
from autonomos_pipelines.dcl.model.canonical_model import canonical_model
from autonomos_pipelines.warehouse.store import WarehouseSession

TENANT = TenantId("acme_corp")


def insert_rows(session: WarehouseSession, entity: str, rows: list[dict]) -> None:
    session.ensure_schema("canonical")
    if entity not in session.columns("canonical"):
        empty = empty_select(canonical_model()[entity], session.dialect)
        session.execute(f"CREATE TABLE canonical.{entity} AS {empty}")
    for row in rows:
        names = ", ".join(f'"{k}"' for k in row)
        marks = ", ".join("?" for _ in row)
        session.execute(
            f"INSERT INTO canonical.{entity} ({names}) VALUES ({marks})", tuple(row.values())
        )


def account_row(
    connector: str, record_id: str, name: str, tenant: str = TENANT, **fields: object
) -> dict:
    source = {"_source_system": connector, "_source_connector": connector}
    return {"_tenant_id": str(tenant), **source, "_source_record_id": record_id,
            "account_id": record_id, "name": name, **fields}  # fmt: skip


def contact_row(
    connector: str, record_id: str, first: str, last: str, tenant: str = TENANT, **fields: object
) -> dict:
    source = {"_source_system": connector, "_source_connector": connector}
    return {"_tenant_id": str(tenant), **source, "_source_record_id": record_id,
            "contact_id": record_id, "first_name": first, "last_name": last, **fields}  # fmt: skip
