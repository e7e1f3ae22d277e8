"""The values each enumeration-mapped field holds in the tenant's raw tables, with row
counts: what the value-mapping pass accounts for and proposes mappings from.

All of a field's distinct values are counted in the warehouse (one GROUP BY per field), not
from a sample of rows, so a rare status is seen as well as a frequent one."""

from __future__ import annotations

from autonomos_pipelines.core.naming import quote_ident
from autonomos_pipelines.core.tenant_id import TenantId
from autonomos_pipelines.dcl.registry.source_values import ObservedValues
from autonomos_pipelines.dcl.registry.store import Registry
from autonomos_pipelines.dcl.registry.value_refs import MAX_VALUE_CHARS
from autonomos_pipelines.dcl.value_run import enumeration_fields
from autonomos_pipelines.warehouse.store import Warehouse, WarehouseSession

# an enumeration has tens of values; past this many a field is read as far as its most
# frequent values (a free-text field mapped onto an enumeration is a field-mapping problem)
MAX_VALUES = 100


def observe_values(
    tenant_id: TenantId, registry: Registry, store: Warehouse
) -> list[ObservedValues]:
    """Every field of the tenant's raw tables actively mapped onto a canonical enumeration,
    with its values, most frequent first."""
    connectors = set(registry.tenant_connectors(tenant_id))
    wanted = [m for m, _ in enumeration_fields(registry, tenant_id) if m.connector in connectors]
    observed = []
    with store.session(tenant_id) as session:
        tables_of = {c: session.columns(store.raw_schema(tenant_id, c)) for c in connectors}
        for mapping in wanted:
            tables = tables_of[mapping.connector]
            table = next((t for t in tables if t.lower() == mapping.source_table.lower()), None)
            if table is None or mapping.source_field not in tables[table]:
                continue  # not loaded yet, or the source stopped sending it (drift's matter)
            schema = store.raw_schema(tenant_id, mapping.connector)
            counts = _counts(session, schema, table, mapping.source_field)
            observed.append(ObservedValues(mapping.connector, table, mapping.source_field, counts))
    return observed


def _counts(
    session: WarehouseSession, schema: str, table: str, column: str
) -> tuple[tuple[str, int], ...]:
    text = session.dialect.as_text(f"src.{quote_ident(column)}")
    rows = session.rows(
        f"SELECT {text}, count(*) FROM {quote_ident(schema)}.{quote_ident(table)} AS src "  # noqa: S608
        f"WHERE src.{quote_ident(column)} IS NOT NULL GROUP BY 1 ORDER BY 2 DESC, 1 "
        f"LIMIT {MAX_VALUES * 2}"
    )
    # a value too long for an enumeration, or with a NUL, cannot be a value mapping's key
    usable = [(value, int(n)) for value, n in rows
              if len(value) <= MAX_VALUE_CHARS and "\x00" not in value]  # fmt: skip
    return tuple(usable[:MAX_VALUES])
