"""What a reviewer reads from a tenant's unified tables: an entity's golden record and
members, and the entity a source record belongs to."""

from __future__ import annotations

from typing import Any

from autonomos_pipelines.canonical.unification import table_names
from autonomos_pipelines.core.errors import NotFound
from autonomos_pipelines.core.naming import quote_ident
from autonomos_pipelines.core.tenant_id import TenantId
from autonomos_pipelines.dcl.unify.decisions import check_entity
from autonomos_pipelines.dcl.unify.model import RecordKey
from autonomos_pipelines.warehouse.store import Warehouse, WarehouseSession


class UnifiedReader:
    def __init__(self, warehouse: Warehouse, tenant_id: TenantId, entity: str) -> None:
        self.warehouse, self.tenant_id = warehouse, tenant_id
        self.entity, self.names = check_entity(entity), table_names(entity)
        self.schema = warehouse.unified_schema(tenant_id)

    def _query(self, table: str, where: str = "", params: tuple = (), tail: str = "") -> list:
        with self.warehouse.session(self.tenant_id) as session:
            if not session.has_table(self.schema, self.names[table]):
                raise NotFound(
                    f"tenant {self.tenant_id} has no unified {self.entity} yet: run it first "
                    f"(`autonomos run {self.tenant_id}`)"
                )
            mark = "%s" if session.dialect.name == "postgres" else "?"
            sql = f"SELECT * FROM {quote_ident(self.schema)}.{quote_ident(self.names[table])}"  # noqa: S608
            if where:
                sql += " WHERE " + where.replace("?", mark)
            return _dicts(session, sql + tail, params)

    def unified_id_of(self, record: RecordKey) -> str:
        found = self._query(
            "crosswalk", "connector = ? AND record_id = ?", (record.connector, record.record_id)
        )
        if not found:
            raise NotFound(f"no {self.entity} record {record} in tenant {self.tenant_id}")
        return str(found[0]["unified_id"])

    def members(self, unified_id: str) -> list[dict[str, Any]]:
        found = self._query(
            "crosswalk", "unified_id = ?", (unified_id,), " ORDER BY connector, record_id"
        )
        if not found:
            raise NotFound(f"no unified {self.entity} {unified_id} in tenant {self.tenant_id}")
        return found

    def golden(self, unified_id: str) -> dict[str, Any]:
        found = self._query("golden", "unified_id = ?", (unified_id,))
        if not found:
            raise NotFound(f"no unified {self.entity} {unified_id} in tenant {self.tenant_id}")
        return found[0]


def _dicts(session: WarehouseSession, sql: str, params: tuple) -> list[dict[str, Any]]:
    result = session.connection.execute(sql, params or None)
    columns = [item[0] for item in result.description]
    return [dict(zip(columns, row, strict=True)) for row in result.fetchall()]
