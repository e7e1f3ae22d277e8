"""`autonomos backfill`: a real Dagster backfill of tenant partitions, run by the daemon."""

from __future__ import annotations

import time

import typer
from dagster import DagsterInstance

from autonomos_pipelines.cli.common import acting_user, friendly_errors
from autonomos_pipelines.core.errors import ConfigError
from autonomos_pipelines.core.settings import get_settings
from autonomos_pipelines.core.tenant_id import TenantId
from autonomos_pipelines.dcl.registry.bootstrap import open_registry
from autonomos_pipelines.operations.backfill import (
    backfill_runs,
    backfill_status,
    create_backfill,
    daemon_alive,
    selected_keys,
    tenant_assets,
)
from autonomos_pipelines.operations.instance import get_instance

DONE = {"COMPLETED_SUCCESS": 0, "COMPLETED_FAILED": 1, "FAILED": 1, "CANCELED": 1}
NO_DAEMON = (
    "backfill {id} is queued, but no Dagster daemon runs on this instance (DAGSTER_HOME={home}): "
    "start `autonomos ui` or `dagster-daemon run` to execute it"
)
POLL_SECONDS, DAEMON_GRACE_SECONDS = 2.0, 30.0


def chosen_tenants(tenants: str | None, every: bool, known: list[TenantId]) -> list[TenantId]:
    if bool(tenants) == every:
        raise ConfigError("give either --tenants a,b or --all")
    if every:
        if not known:
            raise ConfigError("no tenants yet; add one with `autonomos tenants add`")
        return known
    asked = [TenantId(name.strip()) for name in (tenants or "").split(",") if name.strip()]
    unknown = sorted(set(asked) - set(known))
    if unknown:
        raise ConfigError(f"--tenants: unknown tenant {', '.join(map(repr, unknown))}; "
                          "see `autonomos tenants list`")  # fmt: skip
    return sorted(set(asked))


@friendly_errors
def backfill(
    tenants: str | None = typer.Option(None, "--tenants", help="Comma-separated tenant ids"),
    every: bool = typer.Option(False, "--all", help="Every tenant in the registry"),
    select: str | None = typer.Option(
        None,
        help="Assets, as `dagster asset materialize --select` reads them (comma-separated "
        "keys, * and + for up/downstream), e.g. 'raw/stripe/*' or '*canonical/account'",
    ),  # fmt: skip
    wait: bool = typer.Option(False, help="Print progress until the backfill ends"),
    ui_url: str = typer.Option("http://127.0.0.1:3000", help="Dagster UI base URL, for links"),
) -> None:
    """Backfill tenant partitions: one Dagster asset backfill (the UI's Backfills tab), one run
    per tenant selecting only its own connectors' assets, executed by the daemon.

    Exit code with --wait: 0 every run succeeded; 1 a run failed or the backfill was canceled,
    or no daemon answered; 2 bad input."""
    from autonomos_pipelines.definitions import defs

    settings = get_settings()
    registry = open_registry(settings)
    chosen = chosen_tenants(tenants, every, registry.tenants())
    connectors = {t: list(registry.tenant_connectors(t)) for t in chosen}
    by_asset = tenant_assets(defs, connectors, selected_keys(defs, select))
    instance = get_instance(settings)
    tags = {"autonomos/backfill_by": acting_user().principal}
    backfill_id = create_backfill(instance, defs, by_asset, tags)
    typer.echo(f"backfill {backfill_id}: {len(chosen)} tenants ({', '.join(chosen)}), "
               f"{len(by_asset)} assets; {ui_url.rstrip('/')}/runs/b/{backfill_id}")  # fmt: skip
    if not wait:
        if not daemon_alive(instance):
            typer.echo(NO_DAEMON.format(id=backfill_id, home=settings.dagster_home), err=True)
        raise typer.Exit(0)
    raise typer.Exit(watch(instance, backfill_id, str(settings.dagster_home)))


def watch(instance: DagsterInstance, backfill_id: str, home: str) -> int:
    """Print each run's changes of state as lines until the backfill ends; its exit code."""
    started, seen = time.monotonic(), dict[str, str]()
    while True:
        late = time.monotonic() - started > DAEMON_GRACE_SECONDS
        if late and not daemon_alive(instance):
            typer.echo(NO_DAEMON.format(id=backfill_id, home=home), err=True)
            return 1
        for run_id, (tenant, status) in sorted(backfill_runs(instance, backfill_id).items()):
            if seen.get(run_id) != status:
                typer.echo(f"  {tenant}: run {run_id[:8]} {status}")
                seen[run_id] = status
        status = backfill_status(instance, backfill_id)
        if status in DONE:
            typer.echo(f"backfill {backfill_id}: {status} ({summary(seen)})")
            return DONE[status]
        time.sleep(POLL_SECONDS)


def summary(seen: dict[str, str]) -> str:
    counts: dict[str, int] = {}
    for status in seen.values():
        counts[status] = counts.get(status, 0) + 1
    return ", ".join(f"{n} {s.lower()}" for s, n in sorted(counts.items())) or "no runs"
