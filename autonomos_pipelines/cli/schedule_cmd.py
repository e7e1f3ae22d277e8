"""`autonomos tenants schedule`: a tenant's refresh cadence (shown to anyone, set by admins)."""

from __future__ import annotations

from datetime import UTC, datetime

import typer

from autonomos_pipelines.cli.common import ON_BEHALF_HELP, acting_user, friendly_errors
from autonomos_pipelines.core.cadence import Cadence, Cadences
from autonomos_pipelines.core.errors import ConfigError
from autonomos_pipelines.core.settings import get_settings
from autonomos_pipelines.core.tenant_id import TenantId
from autonomos_pipelines.dcl.registry.bootstrap import open_registry
from autonomos_pipelines.dcl.registry.identity import Identities


@friendly_errors
def schedule(
    tenant: str = typer.Argument(..., help="Tenant id"),
    cron: str = typer.Argument(None, help="Five-field cron, e.g. '*/30 * * * *'; omit to show"),
    timezone: str = typer.Option("UTC", "--timezone", help="IANA timezone the cron reads in"),
    off: bool = typer.Option(False, "--off", help="Stop refreshing this tenant on its own"),
    user: str = typer.Option(None, help=ON_BEHALF_HELP),
) -> None:
    """Show a tenant's refresh cadence and its next 3 ticks, set it (turned on), or turn it
    off. The `tenant_refresh` sensor loads the tenant on each tick; the mapping and canonical
    tables follow by declarative automation. Setting it needs the admin role; audited."""
    settings = get_settings()
    registry = open_registry(settings)
    tenant_id = TenantId(tenant)
    if tenant_id not in registry.tenants():
        raise ConfigError(f"unknown tenant {tenant!r}; add it with `autonomos tenants add`")
    if cron is not None and off:
        raise ConfigError("give either a cron expression or --off, not both")
    cadences = Cadences(registry.engine)
    if cron is not None or off:
        actor = acting_user(user)
        Identities(registry.engine).require_admin(actor, "tenant.schedule", tenant_id)
        if off and cadences.turn_off(tenant_id, actor) is None:
            typer.echo(f"{tenant_id}: no cadence to turn off")
            return
        if cron is not None:
            cadences.set(tenant_id, cron, timezone, actor)
    typer.echo(shown(tenant_id, cadences.get(tenant_id)))


def shown(tenant_id: TenantId, cadence: Cadence | None) -> str:
    if cadence is None:
        return f"{tenant_id}: no cadence (refreshes only when asked); set one with " \
            f"`autonomos tenants schedule {tenant_id} '0 * * * *'`"  # fmt: skip
    if not cadence.enabled:
        return f"{tenant_id}: {cadence.cron} ({cadence.timezone}), off"
    ticks = ", ".join(
        tick.isoformat(timespec="minutes") for tick in cadence.next_ticks(datetime.now(UTC))
    )
    return f"{tenant_id}: {cadence.cron} ({cadence.timezone}), on; next: {ticks}"


def cadence_label(cadence: Cadence | None) -> str:
    """For `tenants list`."""
    if cadence is None:
        return "no cadence"
    return f"{cadence.cron} {cadence.timezone}{'' if cadence.enabled else ' (off)'}"
