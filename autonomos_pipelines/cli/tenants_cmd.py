"""`autonomos tenants ...`: onboard tenants."""

from __future__ import annotations

import typer

from autonomos_pipelines.cli.common import ON_BEHALF_HELP, acting_user, friendly_errors, tenant_arg
from autonomos_pipelines.cli.numbers import within
from autonomos_pipelines.cli.schedule_cmd import cadence_label, schedule
from autonomos_pipelines.core.cadence import Cadences
from autonomos_pipelines.core.errors import ConfigError
from autonomos_pipelines.core.limits import MAX_USAGE_DAYS, PG_BIGINT_MAX
from autonomos_pipelines.core.settings import get_settings
from autonomos_pipelines.core.tenant_id import TenantId
from autonomos_pipelines.dcl.registry.bootstrap import open_registry
from autonomos_pipelines.operations.instance import get_instance
from autonomos_pipelines.operations.onboarding import onboard_tenant, parse_connectors

app = typer.Typer(help="Tenants: onboarding, listing, refresh cadence, quotas, usage.")
app.command("schedule")(schedule)


def parse_endpoints(values: list[str]) -> dict[str, str]:
    endpoints = {}
    for value in values:
        name, sep, url = value.partition("=")
        if not sep or not url:
            raise ConfigError(f"--endpoint {value!r}: expected CONNECTOR=URL_OR_FOLDER")
        endpoints[name.strip()] = url.strip()
    return endpoints


@app.command("add")
@friendly_errors
def add(
    tenant: str = typer.Argument(..., help="Tenant id: lowercase letters, digits, underscores"),
    connectors: str = typer.Option(..., help="Comma-separated connectors, e.g. stripe,hubspot"),
    endpoint: list[str] = typer.Option(
        [],
        help="CONNECTOR=URL (real API base URL: http or https, not a link-local or cloud "
        "metadata address) or CONNECTOR=FOLDER (file connectors: a folder inside "
        "$AUTONOMOS_HOME/files/TENANT/, given relative to it); connectors without one use the "
        "local sandbox",
    ),
    user: str = typer.Option(None, help=ON_BEHALF_HELP),
) -> None:
    """Register a tenant with its connectors and add its Dagster partition."""
    settings = get_settings()
    names = parse_connectors(connectors)
    created = onboard_tenant(
        TenantId(tenant),  # friendly_errors made it one
        names,
        parse_endpoints(endpoint),
        open_registry(settings),
        get_instance(settings),
        acting_user(user),
    )
    typer.echo(
        f"tenant {tenant} {'added' if created else 'updated'} with connectors {', '.join(names)}"
    )


@app.command("list")
@friendly_errors
def list_tenants() -> None:
    """List tenants, their connectors and refresh cadence."""
    registry = open_registry(get_settings())
    cadences = Cadences(registry.engine).all()
    for tenant_id in registry.tenants():
        connectors = registry.tenant_connectors(tenant_id)
        described = ", ".join(
            f"{c} ({o.get('endpoint', 'sandbox')})" for c, o in connectors.items()
        )
        typer.echo(f"{tenant_id}: {described}; refresh: {cadence_label(cadences.get(tenant_id))}")


@app.command("usage")
@friendly_errors
def usage(
    tenant: str = typer.Option(None, help="Only this tenant"),
    days: int = typer.Option(30, help=f"Days back, today included (1 to {MAX_USAGE_DAYS:,})"),
) -> None:
    """Records fetched, API calls, canonical rows produced, LLM calls and cost per tenant."""
    from autonomos_pipelines.core.usage import METRICS, UsageMeter
    from autonomos_pipelines.dcl.registry.tenant_usage import usage_totals

    within("--days", days, 1, MAX_USAGE_DAYS)
    settings = get_settings()
    open_registry(settings)  # migrations
    totals = usage_totals(UsageMeter.for_settings(settings), tenant_arg(tenant), days)
    if not any(any(amounts.values()) for amounts in totals.values()):
        typer.echo(f"no usage in the last {days} day(s)")
        return
    typer.echo(f"{'tenant':14}" + "".join(f"{m:>17}" for m in METRICS) + f"   (last {days} days)")
    for tenant_id, amounts in totals.items():
        typer.echo(
            f"{tenant_id:14}"
            + "".join(
                f"{amounts[m]:>17.4f}" if m == "llm_cost_usd" else f"{amounts[m]:>17.0f}"
                for m in METRICS
            )
        )


@app.command("quota")
@friendly_errors
def quota(
    tenant: str = typer.Argument(..., help="Tenant id"),
    name: str = typer.Argument(None, help="Quota to set; omit to show all"),
    value: int = typer.Argument(None, help="New limit, 0 to 2**63-1"),
    user: str = typer.Option(None, help=ON_BEHALF_HELP),
) -> None:
    """Show a tenant's quotas (limit, where it comes from, use), or set one."""
    from autonomos_pipelines.core.quotas import Quotas
    from autonomos_pipelines.dcl.registry.tenant_usage import quota_states

    if value is not None:
        within("quota value", value, 0, PG_BIGINT_MAX)
    settings = get_settings()
    registry = open_registry(settings)
    if tenant not in registry.tenants():
        raise ConfigError(f"unknown tenant {tenant!r}; add it with `autonomos tenants add`")
    quotas = Quotas.for_settings(settings)
    if name is not None:
        if value is None:
            raise ConfigError(f"give the new limit: `autonomos tenants quota {tenant} {name} N`")
        quotas.set(TenantId(tenant), name, value, acting_user(user))
    for state in quota_states(registry, quotas, TenantId(tenant)):
        used = "" if state.used is None else f"  used {state.used:g}"
        typer.echo(f"{state.name:26}{state.limit:>12}  ({state.source})  {state.meaning}{used}")
