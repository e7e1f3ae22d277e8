"""Gather the seven panels of one tenant. A panel whose source cannot be read (a database or
Redis down, a run storage gone) says so in one line; the other panels are still shown."""

from __future__ import annotations

import logging
from collections.abc import Callable
from datetime import UTC, datetime
from logging import DEBUG, WARNING
from typing import TypeVar

from sqlalchemy.engine import Engine

from autonomos_pipelines.aam.connector_status import connector_statuses
from autonomos_pipelines.aam.drift.store import SchemaStore
from autonomos_pipelines.aam.health import HealthStore
from autonomos_pipelines.core.cadence import Cadences
from autonomos_pipelines.core.errors import NotFound
from autonomos_pipelines.core.faults import exception_chain, innermost
from autonomos_pipelines.core.quotas import Quotas
from autonomos_pipelines.core.redaction import Redactor
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
_T = TypeVar("_T")

TITLES = {
    "connectors": "Connector health",
    "freshness": "Sync freshness",
    "mapping": "Mapping coverage and review queue",
    "drift": "Schema drift",
    "quotas": "Quotas and usage",
    "llm": "LLM cost",
    "failures": "Recent failures",
}


def _guarded(name: str, build: Callable[[], Panel], detail: bool, redactor: Redactor) -> Panel:
    """The panel, or one that says why it could not be read. Any error: a status view that
    dies on the first broken service would hide the six panels that still have answers. The
    error's text names hosts, ports and users: shown (redacted) only with `detail` (the CLI,
    run by an operator); a tenant sees its class, and the log has the rest."""
    try:
        return build()
    except Exception as error:  # noqa: BLE001
        chain = exception_chain(error)
        why = redactor.redact(innermost(chain))
        # the operator reading `detail` has it already; the API's log is where it is otherwise
        _log.log(DEBUG if detail else WARNING, "status panel %s not read: %s", name, why)
        _log.debug("status panel %s could not be read", name, exc_info=True)
        panel = Panel(name, TITLES[name], summary="not read")
        shown = why if detail else f"{chain[-1].name}; the service's log has the detail"
        panel.add(f"cannot read: {shown}", UNKNOWN)
        return panel


def _read_once(read: Callable[[], _T]) -> Callable[[], _T]:
    """`read` run now; the callable returned gives its result, or raises its error, each time
    (two panels built on one read both say when it failed)."""
    try:
        value = read()
    except Exception as error:  # noqa: BLE001
        caught = error  # `error` is unbound when the except block ends

        def failed() -> _T:
            raise caught

        return failed
    return lambda: value


def tenant_status(  # noqa: PLR0913
    engine: Engine,
    tenant_id: TenantId,
    quotas: Quotas,
    redis_url: str | None,
    failures: FailureSource | None,
    now: datetime | None = None,
    *,
    detail: bool = False,
) -> TenantStatus:
    """The seven panels of `tenant_id`. `failures` None: the failures panel is skipped (the
    HTTP API, which never opens the Dagster instance). `detail`: a panel that cannot be read
    shows the error's (redacted) text, not only its class: for operators, never tenants."""
    now = now or datetime.now(UTC)
    registry = Registry(engine, quotas=quotas)  # no cache: a down Redis is reported, not used
    if tenant_id not in registry.tenants():
        raise NotFound(f"unknown tenant {tenant_id!r}; add it with `autonomos tenants add`")
    enabled = registry.tenant_connectors(tenant_id)
    schemas = SchemaStore(engine)
    redactor = Redactor(secret for secret in (engine.url.password, redis_url) if secret)
    # read once for both panels: if it fails, both say so (no "every connector fresh")
    statuses = _read_once(lambda: connector_statuses(HealthStore(engine), tenant_id, enabled))

    def health() -> Panel:
        return health_panel(tenant_id, statuses(), redis_problem(redis_url), now)

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

    builds: dict[str, Callable[[], Panel]] = {
        "connectors": health,
        "freshness": lambda: freshness_panel(
            tenant_id, statuses(), Cadences(engine).get(tenant_id), now),
        "mapping": mapping,
        "drift": lambda: drift_panel(tenant_id, schemas.events(tenant_id=tenant_id), now),
        "quotas": quota,
        "llm": llm,
        "failures": lambda: failures_panel(
            tenant_id, None if failures is None else failures(tenant_id), now),
    }  # fmt: skip
    panels = [_guarded(name, build, detail, redactor) for name, build in builds.items()]
    return TenantStatus(tenant_id, now, panels)
