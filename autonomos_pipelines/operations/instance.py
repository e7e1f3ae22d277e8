"""The project-local Dagster instance: DAGSTER_HOME with per-tenant run concurrency limits."""

from __future__ import annotations

from dagster import DagsterInstance

from autonomos_pipelines.core.private_files import private_dir
from autonomos_pipelines.core.settings import Settings, use_dagster_home

# At most one queued run per tenant at a time (DuckDB allows one writer per file, and one
# tenant's backfill must not starve the others). Partitioned runs carry dagster/partition;
# runs launched by the autonomos CLI also carry an explicit `tenant` tag. Run monitoring (the
# daemon) fails a run whose worker died within poll_interval_seconds, which frees its slot.
DAGSTER_YAML = """\
run_queue:
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


def ensure_dagster_home(settings: Settings) -> None:
    """Create DAGSTER_HOME with our dagster.yaml (kept if the user wrote their own). One we
    create is its owner's alone (run storage and compute logs hold error texts); an existing
    one keeps its modes, since a deployment may share it with a webserver's account."""
    if not settings.dagster_home.exists():
        private_dir(settings.dagster_home)
    config = settings.dagster_home / "dagster.yaml"
    if not config.exists():
        config.write_text(DAGSTER_YAML, encoding="utf-8")
    use_dagster_home(settings.dagster_home)


def get_instance(settings: Settings) -> DagsterInstance:
    ensure_dagster_home(settings)
    return DagsterInstance.get()
