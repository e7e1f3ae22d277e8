"""The mapping registry: tenants, their connectors, versioned field mappings, audit log.

Every write goes through here, records an audit row in the same transaction and invalidates
the hot cache. Reads of active mappings resolve tenant overrides over the global baseline.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable
from dataclasses import dataclass

import sqlalchemy as sa
from sqlalchemy.engine import Engine

from autonomos_pipelines.core.audit import audit
from autonomos_pipelines.core.cache import PREFIX as CACHE_PREFIX
from autonomos_pipelines.core.cache import Cache, LocalCache, cache_key
from autonomos_pipelines.core.database import admin_session, session, tenant_session
from autonomos_pipelines.core.naming import validate_connector_name
from autonomos_pipelines.core.quotas import Quotas
from autonomos_pipelines.core.tenant_id import TenantId


@dataclass(frozen=True)
class Mapping:
    id: int
    tenant_id: TenantId | None
    connector: str
    source_table: str
    source_field: str
    canonical_entity: str | None
    canonical_field: str | None
    transform: str
    confidence: float | None
    method: str
    status: str
    version: int
    # a computed mapping: projected instead of the source column (dcl/expressions)
    expression: str | None = None


@dataclass(frozen=True)
class ObservedField:
    connector: str
    source_table: str
    source_field: str
    data_type: str | None
    mapping_id: int | None
    status: str | None = None  # mapped | unmapped | pending_review
    method: str | None = None
    confidence: float | None = None


_ACTIVE_SQL = sa.text("""
    SELECT DISTINCT ON (connector, lower(source_table), source_field)
           id, tenant_id, connector, source_table, source_field, canonical_entity,
           canonical_field, transform, confidence, method, status, version, expression
      FROM field_mappings
     WHERE is_active AND (tenant_id = :tenant_id OR tenant_id IS NULL)
     ORDER BY connector, lower(source_table), source_field, tenant_id NULLS LAST
""")


class Registry:
    def __init__(
        self, engine: Engine, cache: Cache | None = None, quotas: Quotas | None = None
    ) -> None:
        self.engine = engine
        self.cache = cache or LocalCache()
        self.quotas = quotas or Quotas(engine)
        # Hot path: per-process dict of active mappings per tenant, dropped on any write here
        # and, through Redis pub/sub, on writes made by other processes.
        self._hot: dict[str | None, dict[tuple[str, str, str], Mapping]] = {}
        # other per-process caches of mappings (the API's per-field lookups) that must drop
        # a tenant's entries whenever this one does
        self._invalidation_listeners: list[Callable[[TenantId | None], None]] = []
        subscribe = getattr(self.cache, "subscribe_invalidations", None)
        if subscribe is not None:
            subscribe(self._drop_hot)

    # tenants -------------------------------------------------------------------------------
    def add_tenant(self, tenant_id: TenantId, connectors: dict[str, dict], actor: str) -> bool:
        """Register a tenant and its connectors; returns False if it already existed. A tenant
        is born here, so an id that did not come in as a TenantId is validated now."""
        tenant_id = TenantId(tenant_id)
        for name in connectors:
            validate_connector_name(name)
        with tenant_session(self.engine, tenant_id) as connection:
            created = (
                connection.execute(
                    sa.text("""INSERT INTO tenants (tenant_id, display_name) VALUES (:t, :t)
                           ON CONFLICT DO NOTHING RETURNING tenant_id"""),
                    {"t": tenant_id},
                ).first()
                is not None
            )
            if created:
                audit(connection, actor, "tenant.create", tenant_id, "tenant", tenant_id)
            for name, options in connectors.items():
                old = connection.execute(
                    sa.text("""SELECT options FROM tenant_connectors
                               WHERE tenant_id = :t AND connector = :c"""),
                    {"t": tenant_id, "c": name},
                ).scalar()
                if old == options:
                    continue
                connection.execute(
                    sa.text("""INSERT INTO tenant_connectors (tenant_id, connector, options)
                               VALUES (:t, :c, CAST(:o AS jsonb))
                               ON CONFLICT (tenant_id, connector)
                               DO UPDATE SET options = EXCLUDED.options"""),
                    {"t": tenant_id, "c": name, "o": json.dumps(options)},
                )
                audit(
                    connection,
                    actor,
                    "tenant_connector.upsert",
                    tenant_id,
                    "tenant_connector",
                    f"{tenant_id}/{name}",
                    old,
                    options,
                )
            enabled = connection.execute(
                sa.text(
                    "SELECT count(*) FROM tenant_connectors "
                    "WHERE tenant_id = :t AND status = 'active'"
                ),
                {"t": tenant_id},
            ).scalar_one()
            # over the limit: raising rolls the whole change back, nothing half-enabled
            self.quotas.check(tenant_id, "max_active_connectors", enabled - 1)
        return created

    def tenants(self) -> list[TenantId]:
        with admin_session(self.engine) as connection:
            rows = connection.execute(sa.text("SELECT tenant_id FROM tenants ORDER BY 1"))
            return [TenantId(row[0]) for row in rows]

    def tenant_connectors(self, tenant_id: TenantId) -> dict[str, dict]:
        with tenant_session(self.engine, tenant_id) as connection:
            rows = connection.execute(
                sa.text("""SELECT connector, options FROM tenant_connectors
                           WHERE tenant_id = :t AND status = 'active' ORDER BY connector"""),
                {"t": tenant_id},
            )
            return {row[0]: dict(row[1]) for row in rows}

    # mappings ------------------------------------------------------------------------------
    def active_mappings(self, tenant_id: TenantId | None) -> list[Mapping]:
        """Active mappings for a tenant: its own override the global baseline per field."""
        key = cache_key(tenant_id, "active_mappings")
        cached = self.cache.get(key)
        if cached is not None:
            return [Mapping(**row) for row in cached]
        with session(self.engine, tenant_id) as connection:
            rows = [
                dict(row)
                for row in connection.execute(_ACTIVE_SQL, {"tenant_id": tenant_id}).mappings()
            ]
        self.cache.set(key, rows)  # the rows are the mappings' fields (asdict cost more)
        return [Mapping(**row) for row in rows]

    def mapping_index(self, tenant_id: TenantId | None) -> dict[tuple[str, str, str], Mapping]:
        """Active mappings keyed by (connector, lower(table), field): a dict lookup when hot."""
        index = self._hot.get(tenant_id)
        if index is None:
            index = {
                (m.connector, m.source_table.lower(), m.source_field): m
                for m in self.active_mappings(tenant_id)
            }
            self._hot[tenant_id] = index
        return index

    def lookup(
        self, tenant_id: TenantId | None, connector: str, table: str, field: str
    ) -> Mapping | None:
        return self.mapping_index(tenant_id).get((connector, table.lower(), field))

    def invalidate(self, tenant_id: TenantId | None) -> None:
        """Drop cached mapping sets: one tenant's, or every tenant's after a global write,
        here and (with Redis) in every other process."""
        self._drop_hot(tenant_id)
        self.cache.delete_prefix(cache_key(tenant_id, "") if tenant_id else f"{CACHE_PREFIX}:")
        publish = getattr(self.cache, "publish_invalidation", None)
        if publish is not None:
            publish(tenant_id)

    def on_invalidate(self, listener: Callable[[TenantId | None], None]) -> None:
        """Call `listener(tenant_id or None)` whenever this process drops cached mappings:
        after its own writes and, with Redis, after any other process's."""
        self._invalidation_listeners.append(listener)

    @property
    def invalidations_reach_every_process(self) -> bool:
        """Whether other processes' writes are announced here (Redis pub/sub, not lost)."""
        subscribed = getattr(self.cache, "subscribe_invalidations", None) is not None
        return subscribed and not getattr(self.cache, "lost", False)

    def _drop_hot(self, tenant_id: TenantId | None) -> None:
        if tenant_id is None:
            self._hot.clear()
        else:
            self._hot.pop(tenant_id, None)
        for listener in self._invalidation_listeners:
            listener(tenant_id)

    def record_source_fields(self, tenant_id: TenantId, fields: Iterable[ObservedField]) -> None:
        """Upsert what the mapping asset saw, with whether an active mapping covers it."""
        rows = [
            {
                "t": tenant_id,
                "c": f.connector,
                "tbl": f.source_table,
                "f": f.source_field,
                "dt": f.data_type,
                "m": f.mapping_id,
                "s": f.status or ("mapped" if f.mapping_id else "unmapped"),
                "method": f.method,
                "conf": f.confidence,
            }
            for f in fields
        ]
        if not rows:
            return
        with tenant_session(self.engine, tenant_id) as connection:
            connection.execute(
                sa.text("""INSERT INTO source_fields (tenant_id, connector, source_table,
                               source_field, data_type, mapping_id, status, method, confidence)
                           VALUES (:t, :c, :tbl, :f, :dt, :m, :s, :method, :conf)
                           ON CONFLICT (tenant_id, connector, source_table, source_field)
                           DO UPDATE SET data_type = EXCLUDED.data_type,
                               mapping_id = EXCLUDED.mapping_id, status = EXCLUDED.status,
                               method = EXCLUDED.method, confidence = EXCLUDED.confidence,
                               last_seen_at = now()"""),
                rows,
            )

    def record_field_types(self, tenant_id: TenantId, fields: Iterable[ObservedField]) -> None:
        """Upsert fields' warehouse types only (a new field starts unmapped; the mapping pass
        records its outcome later): what a drift repair validates an expression against."""
        rows = [
            {"t": tenant_id, "c": f.connector, "tbl": f.source_table, "f": f.source_field,
             "dt": f.data_type}
            for f in fields
        ]  # fmt: skip
        if not rows:
            return
        with tenant_session(self.engine, tenant_id) as connection:
            connection.execute(
                sa.text("""INSERT INTO source_fields (tenant_id, connector, source_table,
                               source_field, data_type, status)
                           VALUES (:t, :c, :tbl, :f, :dt, 'unmapped')
                           ON CONFLICT (tenant_id, connector, source_table, source_field)
                           DO UPDATE SET data_type = EXCLUDED.data_type,
                               last_seen_at = now()"""),
                rows,
            )
