"""Gather the seven panels of one tenant. A panel whose source cannot be read (a database or
Redis down, a run storage gone) says so in one line; the other panels are still shown."""

from __future__ import annotations

import logging
from collections.abc import Callable
from datetime import UTC, datetime

from sqlalchemy.engine import Engine

from autonomos_pipelines.aam.connector_status import ConnectorStatus, connector_statuses
from autonomos_pipelines.aam.drift.store import SchemaStore
from autonomos_pipelines.aam.health import HealthStore
from autonomos_pipelines.core.cadence import Cadences
from autonomos_pipelines.core.errors import NotFound
from autonomos_pipelines.core.faults import exception_chain, innermost
from autonomos_pipelines.core.quotas import Quotas
from autonomos_pipelines.core.tenant_id import TenantId
from autonomos_pipelines.core.usage import UsageMeter
from autonomos_pipelines.dcl.llm.ledger import PgUsageLedger
from autonomos_pipelines.dcl.registry.coverage import field_coverage
from autonomos_pipelines.dcl.registry.store import Registry
from autonomos_pipelines.dcl.registry.tenant_usage import quota_states, usage_totals
from autonomos_pipelines.dcl.registry.workflow import Workflow
from autonomos_pipelines.status.connectors import freshness_panel, health_panel
from autonomos_pipelines.status.drift import drift_panel
from autonomos_pipelines.status.failures import FailureSource, failures_panel
from autonomos_pipelines.status.gate import gate_blockers
from autonomos_pipelines.status.mapping import mapping_panel
from autonomos_pipelines.status.panel import UNKNOWN, Panel, TenantStatus
from autonomos_pipelines.status.quotas import llm_panel, quotas_panel
from autonomos_pipelines.status.services import redis_problem

_log = logging.getLogger(__name__)

TITLES = {
    "connectors": "Connector health",
    "freshness": "Sync freshness",
    "mapping": "Mapping coverage and review queue",
    "drift": "Schema drift",
    "quotas": "Quotas and usage",
    "llm": "LLM cost",
    "failures": "Recent failures",
}


def _guarded(name: str, build: Callable[[], Panel]) -> Panel:
    """The panel, or one that says why it could not be read. Any error: a status view that
    dies on the first broken service would hide the six panels that still have answers."""
    try:
        return build()
    except Exception as error:  # noqa: BLE001
        _log.debug("status panel %s could not be read", name, exc_info=True)
        panel = Panel(name, TITLES[name], summary="not read")
        panel.add(f"cannot read: {innermost(exception_chain(error))}", UNKNOWN)
        return panel


def tenant_status(  # noqa: PLR0913
    engine: Engine,
    tenant_id: TenantId,
    quotas: Quotas,
    redis_url: str | None,
    failures: FailureSource | None,
    now: datetime | None = None,
) -> TenantStatus:
    """The seven panels of `tenant_id`. `failures` None: the failures panel is not read (the
    HTTP API, which never opens the Dagster instance)."""
    now = now or datetime.now(UTC)
    registry = Registry(engine, quotas=quotas)  # no cache: a down Redis is reported, not used
    if tenant_id not in registry.tenants():
        raise NotFound(f"unknown tenant {tenant_id!r}; add it with `autonomos tenants add`")
    enabled = registry.tenant_connectors(tenant_id)
    schemas = SchemaStore(engine)
    statuses: list[ConnectorStatus] = []

    def health() -> Panel:
        statuses.extend(connector_statuses(HealthStore(engine), tenant_id, enabled))
        return health_panel(tenant_id, statuses, redis_problem(redis_url), now)

    def mapping() -> Panel:
        coverage = field_coverage(engine, tenant_id, enabled)
        gate = gate_blockers(Workflow(registry), schemas, tenant_id, enabled)
        return mapping_panel(tenant_id, coverage, gate, now)

    def quota() -> Panel:
        usage = usage_totals(UsageMeter(engine), tenant_id, 30)[tenant_id]
        return quotas_panel(tenant_id, quota_states(registry, quotas, tenant_id), usage)

    def llm() -> Panel:
        ledger = PgUsageLedger(engine, quotas=quotas)
        return llm_panel(tenant_id, ledger.month(tenant_id), ledger.quota(tenant_id))

    panels = [
        _guarded("connectors", health),
        _guarded("freshness", lambda: freshness_panel(
            tenant_id, statuses, Cadences(engine).get(tenant_id), now)),
        _guarded("mapping", mapping),
        _guarded("drift", lambda: drift_panel(tenant_id, schemas.events(tenant_id=tenant_id), now)),
        _guarded("quotas", quota),
        _guarded("llm", llm),
        _guarded("failures", lambda: failures_panel(
            tenant_id, None if failures is None else failures(tenant_id), now)),
    ]  # fmt: skip
    return TenantStatus(tenant_id, now, panels)
