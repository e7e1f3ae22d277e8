"""`autonomos status`: one tenant's state in seven panels, or every tenant's verdicts."""

from __future__ import annotations

import json
import sys

import typer
from rich.console import Console

from autonomos_pipelines.cli.common import friendly_errors, tenant_arg
from autonomos_pipelines.cli.status_view import print_overview, print_status
from autonomos_pipelines.core.database import migrated_engine
from autonomos_pipelines.core.quotas import Quotas
from autonomos_pipelines.core.settings import Settings, get_settings
from autonomos_pipelines.core.tenant_id import TenantId
from autonomos_pipelines.status.failures import FailureSource, RunFailure
from autonomos_pipelines.status.gather import tenant_status
from autonomos_pipelines.status.panel import FAIL, OK, TenantStatus, worst

# like `systemctl status`: 0 all clear; else what needs a person (2 stays bad input or setup)
EXIT_CODES = {OK: 0, FAIL: 1}
EXIT_ATTENTION = 3  # warnings only (near a quota, a review waiting, a panel not read)


def _failures(settings: Settings) -> FailureSource:
    """Failed runs from the Dagster instance, opened only when the panel is read (so a down
    DAGSTER_PG_URL is that panel's problem, not the command's)."""

    def read(tenant_id: TenantId) -> list[RunFailure]:
        from autonomos_pipelines.operations.failed_runs import InstanceFailures
        from autonomos_pipelines.operations.instance import get_instance

        return InstanceFailures(get_instance(settings), settings)(tenant_id)

    return read


def gather(settings: Settings, tenant_ids: list[TenantId]) -> list[TenantStatus]:
    engine = migrated_engine(settings)
    quotas = Quotas(engine, Quotas.defaults_of(settings))
    failures = _failures(settings)
    return [
        tenant_status(engine, tenant_id, quotas, settings.redis_url, failures, detail=True)
        for tenant_id in tenant_ids
    ]


@friendly_errors
def status(
    tenant: str = typer.Option(None, help="This tenant's seven panels (default: every tenant)"),
    as_json: bool = typer.Option(False, "--json", help="The same data as JSON"),
) -> None:
    """Connector health, sync freshness, mapping coverage and review queue, drift, quotas and
    usage, LLM cost and recent failures of a tenant, each with a verdict; every problem names
    the command to run. Exit code: 0 all clear, 1 a problem, 3 warnings only, 2 bad input or
    the registry unreachable."""
    settings = get_settings()
    chosen = tenant_arg(tenant)
    if chosen is None:
        from autonomos_pipelines.dcl.registry.store import Registry

        tenant_ids = Registry(migrated_engine(settings)).tenants()
    else:
        tenant_ids = [chosen]
    if not tenant_ids:
        typer.echo("no tenants yet: add one with `autonomos tenants add`")
        return
    statuses = gather(settings, tenant_ids)
    if as_json:
        found = [s.as_dict() for s in statuses]
        typer.echo(json.dumps(found[0] if chosen else found, indent=2, default=str))
    elif chosen:
        print_status(Console(highlight=False, soft_wrap=True), statuses[0])
    else:
        print_overview(Console(highlight=False, soft_wrap=True), statuses)
    sys.exit(EXIT_CODES.get(worst([s.verdict for s in statuses]), EXIT_ATTENTION))
