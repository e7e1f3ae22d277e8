"""`autonomos materialize`, `autonomos demo` and `autonomos ui`."""

from __future__ import annotations

import sys
import time
import warnings
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import typer
from dagster import BetaWarning

from autonomos_pipelines.aam.specs.spec_loader import default_specs
from autonomos_pipelines.cli.common import acting_user, friendly_errors
from autonomos_pipelines.cli.dev import definitions_for, start_sandbox
from autonomos_pipelines.cli.numbers import within
from autonomos_pipelines.core.errors import ConfigError
from autonomos_pipelines.core.limits import MAX_PORT
from autonomos_pipelines.core.settings import Settings, child_environment, get_settings
from autonomos_pipelines.core.tenant_id import TenantId
from autonomos_pipelines.dcl.registry.bootstrap import open_registry
from autonomos_pipelines.operations.instance import (
    ensure_dagster_home,
    get_instance,
    sync_tenant_partitions,
)
from autonomos_pipelines.operations.onboarding import onboard_tenant, schedule_demo
from autonomos_pipelines.operations.process_group import run_as_group
from autonomos_pipelines.operations.progress import Progress
from autonomos_pipelines.operations.run_log import run_log_path
from autonomos_pipelines.operations.run_workers import fail_runs_of_this_process
from autonomos_pipelines.operations.runs import RunSummary, run_tenant
from autonomos_pipelines.operations.stopping import (
    RunInterrupted,
    exit_at_once,
    leave_now,
    stop_on_signals,
)

# Dagster itself re-creates every sensor with `owners=None` when it binds resources, and its
# beta check warns about that parameter; nothing of ours sets it
warnings.filterwarnings(
    "ignore", message="Parameter `owners` of initializer `SensorDefinition", category=BetaWarning
)
DEMO_TENANT = TenantId("demo")
DEV_LOCATION = "autonomos_pipelines.sandbox.definitions"  # the sandbox plugged in


def print_summary(tenant_id: TenantId, summary: RunSummary, seconds: float) -> None:
    status = "FAILED" if not summary.success else "DEGRADED" if summary.skipped else "SUCCESS"
    typer.echo(f"\nrun {summary.run_id} for tenant {tenant_id}: {status} in {seconds:.1f}s")
    typer.echo("canonical tables (rows):")
    for entity, rows in sorted(summary.canonical_rows.items()):
        typer.echo(f"  {entity:<14}{rows:>8}")
    if summary.unified:
        typer.echo("unified entities (source records -> one per company or person):")
    for entity, (records, entities) in sorted(summary.unified.items()):
        typer.echo(f"  {entity:<14}{records:>8} -> {entities}")
    if summary.fields:
        typer.echo(
            f"mapping coverage: {summary.fields[0]}/{summary.fields[1]} source fields "
            f"mapped ({summary.coverage:.0%}); unmapped values are kept in extras"
        )
    passed = sum(summary.checks.values())
    typer.echo(f"quality checks: {passed}/{len(summary.checks)} passed")
    for name, ok in sorted(summary.checks.items()):
        typer.echo(f"  {'pass' if ok else 'FAIL'}  {name}")
    for name, description in sorted(summary.warnings.items()):
        typer.echo(f"  warn  {name}: {description}")
    for connector, reason in sorted(summary.skipped.items()):
        typer.echo(
            f"skipped: {connector} is degraded, nothing loaded ({reason}); its tables keep their "
            "last good load until a probe succeeds",
            err=True,
        )
    for failure in summary.failures:
        typer.echo(f"error: {failure}", err=True)
    if summary.log_file and (summary.failures or summary.skipped):
        # beside the error lines, so a script that keeps stderr keeps where the tracebacks are
        typer.echo(f"run log with tracebacks: {summary.log_file}", err=True)
    elif summary.log_file:
        typer.echo(f"full log (tracebacks included): {summary.log_file}")


def materialize_tenant(
    tenant_id: TenantId, settings: Settings, verbose: bool = False, progress: Progress | None = None
) -> RunSummary:
    """Quiet by default: a progress line per stage, connector and table, the full log in a
    file; ``verbose``: Dagster's own event stream on the console instead (no file)."""
    registry = open_registry(settings)
    options = registry.tenant_connectors(tenant_id)
    if not options:
        raise ConfigError(f"unknown tenant {tenant_id!r}; add it with `autonomos tenants add`")
    instance = get_instance(settings)
    for added in sync_tenant_partitions(instance, registry):  # a new or wiped DAGSTER_HOME
        typer.echo(f"tenant partition {added} re-created from the registry", err=True)
    defs = definitions_for(options, settings)
    if verbose:
        typer.echo(f"materialising tenant {tenant_id} ({len(options)} connectors)")
        return run_tenant(defs, tenant_id, list(options), instance, settings)
    log_file = run_log_path(settings, tenant_id)
    progress = progress or Progress()
    progress.line(
        f"materialising tenant {tenant_id} ({len(options)} connectors; full log: {log_file})"
    )
    try:
        return run_tenant(defs, tenant_id, list(options), instance, settings, log_file, progress)
    finally:
        progress.close()


@friendly_errors
def materialize(
    tenant: str = typer.Argument(..., help="Tenant id"),
    verbose: bool = typer.Option(False, "--verbose", help="Dagster's event stream, no log file"),
) -> None:
    """Materialise every asset of one tenant partition (raw -> mappings -> canonical).

    Exit code 0: everything loaded; 1: a step failed; 3: no step failed but a degraded
    connector was skipped (its tables keep their last good load); 2: bad input or setup;
    130/143: stopped by SIGINT/SIGTERM (no further stage started)."""
    started = time.monotonic()
    tenant_id = TenantId(tenant)  # friendly_errors made it one
    with stoppable():
        summary = materialize_tenant(tenant_id, get_settings(), verbose)
    print_summary(tenant_id, summary, time.monotonic() - started)
    raise typer.Exit(summary.exit_code)


@contextmanager
def stoppable() -> Iterator[None]:
    """SIGINT or SIGTERM: the stage in flight ends (its run marked failed), no further stage
    starts, the tenant's lock is released; one line says what was stopped and what was kept."""
    try:
        with stop_on_signals(hard_stop):
            yield
    except RunInterrupted as stopped:
        typer.echo(f"autonomos: {stopped.line()}", err=True)
        exit_at_once()
    except KeyboardInterrupt:
        typer.echo("autonomos: stopped; no further stage started", err=True)
        exit_at_once()


def hard_stop(why: str) -> None:
    """A run that ignores the interrupt: its Dagster run is marked failed, then we exit."""
    fail_runs_of_this_process(get_instance(get_settings()), why)
    leave_now(why)


@friendly_errors
def demo(
    verbose: bool = typer.Option(False, "--verbose", help="Dagster's event stream, no log file"),
) -> None:
    """Start the sandbox, add the demo tenant, materialise all of its assets, summarise."""
    started = time.monotonic()
    settings = get_settings()
    progress = Progress()
    progress.stage("setup: sandbox APIs")
    start_sandbox(settings)
    progress.done(f"setup: sandbox APIs on {settings.sandbox_url}")
    progress.stage("setup: database and migrations")
    registry = open_registry(settings)
    where = (
        "DATABASE_URL" if settings.database_url else f"embedded PostgreSQL in {settings.pg_datadir}"
    )
    progress.done(f"setup: mapping registry migrated ({where})")
    progress.stage("setup: tenant demo")
    demo_connectors = list(default_specs())  # the whole catalogue, against the sandbox
    instance = get_instance(settings)
    onboard_tenant(DEMO_TENANT, demo_connectors, {}, registry, instance, acting_user())
    schedule_demo(DEMO_TENANT, registry, acting_user())
    progress.done(f"setup: tenant {DEMO_TENANT} with {len(demo_connectors)} connectors")
    with stoppable():
        summary = materialize_tenant(DEMO_TENANT, settings, verbose, progress)
    print_summary(DEMO_TENANT, summary, time.monotonic() - started)
    where = (
        "WAREHOUSE_URL" if settings.warehouse_url else str(settings.warehouse_dir / "demo.duckdb")
    )
    typer.echo(f"\nwarehouse: {where}")
    typer.echo("open the Dagster UI:  .venv/bin/autonomos ui   then browse http://127.0.0.1:3000")
    raise typer.Exit(summary.exit_code)


@friendly_errors
def ui(port: int = typer.Option(3000, help="Port of the Dagster UI")) -> None:
    """Start the sandbox and `dagster dev` on the project's instance (DAGSTER_HOME). Ctrl-C,
    SIGTERM or SIGHUP stops all of it: webserver, daemon, code servers and their runs."""
    within("--port", port, 1, MAX_PORT)
    settings = get_settings()
    ensure_dagster_home(settings)
    start_sandbox(settings)
    dagster = Path(sys.executable).with_name("dagster")
    typer.echo(f"Dagster UI on http://127.0.0.1:{port} (DAGSTER_HOME={settings.dagster_home})")
    command = [str(dagster), "dev", "-m", DEV_LOCATION, "-h", "127.0.0.1", "-p", str(port)]
    code = run_as_group(command, quiet_supersession(child_environment(settings)))
    exit_at_once(code)  # its group is gone; the sandbox thread goes with us


def quiet_supersession(env: dict[str, str]) -> dict[str, str]:
    """`dagster dev` warns that `dg dev` supersedes it; `dg` is another package (dagster-dg-cli)
    and `dagster dev` is still supported, so the notice is noise to whoever runs `autonomos ui`."""
    notice = "ignore:Function `dev_command` is superseded"
    return {**env, "PYTHONWARNINGS": ",".join(filter(None, [env.get("PYTHONWARNINGS"), notice]))}
