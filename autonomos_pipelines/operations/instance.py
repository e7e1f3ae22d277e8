"""The project's Dagster instance: DAGSTER_HOME with run, event-log and schedule storage on
PostgreSQL and per-tenant run concurrency limits. The webserver, the daemon, the CLI and every
worker open the same instance: each gets DAGSTER_HOME and DAGSTER_PG_URL through the
environment (`instance_environment`), and dagster.yaml names the URL's variable, never the
URL (it may hold a password)."""

from __future__ import annotations

import sys
from textwrap import indent

from dagster import DagsterInstance

from autonomos_pipelines.asset_graph.partitions import add_missing_tenants
from autonomos_pipelines.core.instance_database import dagster_database_url
from autonomos_pipelines.core.private_files import private_dir
from autonomos_pipelines.core.settings import Settings, export_variables
from autonomos_pipelines.core.tenant_id import TenantId
from autonomos_pipelines.dcl.registry.store import Registry

# Marks a dagster.yaml as ours: rewritten whenever this text changes. Without it the file is
# the user's and stays as it is.
MARKER = "# written by autonomos; delete this line to keep your own edits\n"
# At most one queued run per tenant at a time (DuckDB allows one writer per file, and one
# tenant's backfill must not starve the others). Partitioned runs carry dagster/partition;
# runs launched by the autonomos CLI also carry an explicit `tenant` tag, and the coordinator
# adds the `tenant` tag from dagster/partition to every run it queues. Run monitoring (the
# daemon) fails a run whose worker died within poll_interval_seconds, which frees its slot.
_RUN_QUEUE = """\
max_concurrent_runs: 8
tag_concurrency_limits:
  - key: "dagster/partition"
    value:
      applyLimitPerUniqueValue: true
    limit: 1
  - key: "tenant"
    value:
      applyLimitPerUniqueValue: true
    limit: 1
"""
DAGSTER_YAML = (
    MARKER
    + """\
storage:
  postgres:
    postgres_url:
      env: DAGSTER_PG_URL
run_coordinator:
  module: autonomos_pipelines.operations.run_coordinator
  class: TenantRunCoordinator
  config:
"""
    + indent(_RUN_QUEUE, "    ")
    + """\
run_launcher:
  module: autonomos_pipelines.operations.run_workers
  class: SupervisedRunLauncher
run_monitoring:
  enabled: true
  poll_interval_seconds: 30
  start_timeout_seconds: 180
  cancel_timeout_seconds: 120
  max_resume_run_attempts: 0
telemetry:
  enabled: false
"""
)
# What we wrote before the instance moved to PostgreSQL (SQLite in DAGSTER_HOME): ours too.
_SQLITE_YAML = "run_queue:\n" + indent(_RUN_QUEUE, "  ") + "telemetry:\n  enabled: false\n"


def write_dagster_yaml(settings: Settings) -> bool:
    """Create DAGSTER_HOME and our dagster.yaml, or bring ours up to date; a dagster.yaml the
    user wrote is kept. True if the instance is configured by us."""
    if not settings.dagster_home.exists():
        # ours alone: run storage and compute logs hold error texts; an existing home keeps
        # its modes, since a deployment may share it with a webserver's account
        private_dir(settings.dagster_home)
    config = settings.dagster_home / "dagster.yaml"
    current = config.read_text(encoding="utf-8") if config.exists() else None
    if current is not None and current != _SQLITE_YAML and not current.startswith(MARKER):
        return False
    if current == _SQLITE_YAML:
        print(
            f"autonomos: {config} now keeps runs in PostgreSQL; runs recorded before in SQLite "
            f"(under {settings.dagster_home}) are not migrated",
            file=sys.stderr,
        )
    if current != DAGSTER_YAML:
        config.write_text(DAGSTER_YAML, encoding="utf-8")
    return True


def instance_environment(settings: Settings) -> dict[str, str]:
    """What a process needs to open the instance: DAGSTER_HOME, and DAGSTER_PG_URL when our
    dagster.yaml reads it (its database created if missing, and checked). Every process that
    opens the instance gets these: this one, `dagster dev`, the daemon and run workers it
    starts (they inherit them), and Celery workers."""
    variables = {"DAGSTER_HOME": str(settings.dagster_home)}
    if write_dagster_yaml(settings):
        variables["DAGSTER_PG_URL"] = dagster_database_url(settings)
    return variables


def ensure_dagster_home(settings: Settings) -> dict[str, str]:
    """Prepare the instance and export its variables to this process and its children."""
    variables = instance_environment(settings)
    export_variables(variables)
    return variables


def get_instance(settings: Settings) -> DagsterInstance:
    ensure_dagster_home(settings)
    return DagsterInstance.get()


def sync_tenant_partitions(instance: DagsterInstance, registry: Registry) -> list[TenantId]:
    """The registry is the source of truth for tenants: add the `tenants` partitions the
    instance lacks (a new or wiped DAGSTER_HOME, another Dagster database). Returns them."""
    return add_missing_tenants(instance, registry.tenants())
