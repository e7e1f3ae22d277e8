"""Materialise everything for one tenant partition in-process, and summarise the result."""

from __future__ import annotations

import logging
import uuid
from contextlib import nullcontext
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from dagster import (
    AssetCheckSeverity,
    AssetKey,
    DagsterInstance,
    Definitions,
    ExecuteInProcessResult,
)

from autonomos_pipelines.asset_graph.keys import FIELD_MAPPINGS_KEY
from autonomos_pipelines.asset_graph.run_tags import DOWNSTREAM_OWN_RUN, DOWNSTREAM_TAG
from autonomos_pipelines.core.settings import Settings, provide_env_defaults
from autonomos_pipelines.core.tenant_id import TenantId
from autonomos_pipelines.core.tracing import span, traced
from autonomos_pipelines.core.tracing_runs import traceparent_tags
from autonomos_pipelines.operations.progress import Progress
from autonomos_pipelines.operations.run_events import RunProgress
from autonomos_pipelines.operations.run_log import file_logger
from autonomos_pipelines.operations.run_workers import fail_dead_runs, this_process_tags
from autonomos_pipelines.operations.step_errors import failure_line
from autonomos_pipelines.operations.stopping import stop_if_interrupted
from autonomos_pipelines.operations.tenant_lock import tenant_lock
from mapping_assets.jobs import LOAD_JOB, MAP_AND_BUILD_JOB
from mapping_assets.run_guard import wait_for_tenant
from quality_checks.connector_health import CHECK_NAME as HEALTH_CHECK
from resources import env_variables

EXIT_OK, EXIT_FAILED, EXIT_SKIPPED = 0, 1, 3
STAGE_TITLES = {LOAD_JOB: "raw loads", MAP_AND_BUILD_JOB: "mappings, canonical tables and checks"}


@dataclass
class RunSummary:
    run_id: str
    success: bool
    canonical_rows: dict[str, int] = field(default_factory=dict)
    # unified entity -> (source records, unified entities)
    unified: dict[str, tuple[int, int]] = field(default_factory=dict)
    coverage: float | None = None
    fields: tuple[int, int] | None = None
    checks: dict[str, bool] = field(default_factory=dict)  # blocking/error checks
    warnings: dict[str, str] = field(default_factory=dict)  # warn-level checks that fired
    failures: list[str] = field(default_factory=list)
    skipped: dict[str, str] = field(default_factory=dict)  # degraded connector -> why
    log_file: Path | None = None

    @property
    def exit_code(self) -> int:
        """0 all loaded, 1 a step failed, 3 succeeded but a degraded connector was skipped."""
        return EXIT_FAILED if not self.success else EXIT_SKIPPED if self.skipped else EXIT_OK


def tenant_selection(
    defs: Definitions, connectors: list[str]
) -> tuple[list[AssetKey], list[AssetKey]]:
    """(raw assets of the tenant's connectors, the mapping asset + every canonical and
    unified asset)."""
    keys = defs.resolve_asset_graph().get_all_asset_keys()
    raw = [key for key in keys if key.path[0] == "raw" and key.path[1] in connectors]
    return raw, [key for key in keys if key.path[0] in ("dcl", "canonical", "unified")]


def run_tenant(
    defs: Definitions,
    tenant_id: TenantId,
    connectors: list[str],
    instance: DagsterInstance,
    settings: Settings,
    log_file: Path | None = None,
    progress: Progress | None = None,
) -> RunSummary:
    """Load, then map and build. Two runs, so that a failing connector fails only its own raw
    assets: mapping and canonical tables are still rebuilt from every connector that loaded
    (and from the last good load of the one that did not).

    One tenant at a time: a file lock for this machine's CLI runs, a wait for the tenant's runs
    in progress elsewhere (the run queue's tag limit covers runs launched through the daemon,
    the executor's guard those of `dagster` commands). With ``log_file``, Dagster's log
    (tracebacks included) goes there instead of the console, and ``progress`` shows each
    stage, connector and table as Dagster reports it. A signal that
    interrupts a stage raises RunInterrupted (operations/stopping.py) and the next stage does
    not start."""
    provide_env_defaults(env_variables(defs.resources or {}))  # resolved when the run starts
    raw, downstream = tenant_selection(defs, connectors)
    watchers = [RunProgress(progress)] if progress else []
    waiting_log = progress or logging.getLogger(__name__)
    lock = tenant_lock(settings.locks_dir, tenant_id, instance, waiting_log)
    tenant_span = span("tenant run", tenant=tenant_id)  # one trace: both stages' runs
    with (
        lock,
        tenant_span,
        file_logger(log_file, *watchers) if log_file else nullcontext() as logger,
    ):
        stages, results = [(LOAD_JOB, raw), (MAP_AND_BUILD_JOB, downstream)], []
        for number, (stage, selection) in enumerate(stages):
            if not selection:
                continue
            if progress:
                progress.stage(STAGE_TITLES[stage])
            results.append(
                run_stage(defs, stage, selection, tenant_id, instance, logger, waiting_log)
            )
            if progress:
                progress.done(f"{STAGE_TITLES[stage]}: {results[-1].run_id}")
            stop_if_interrupted(results[-1], stage, [name for name, _ in stages[number + 1 :]])
        report_status(instance, settings, tenant_id)  # in the tenant's trace, under its lock
    merged = merge([summarise(result, settings) for result in results])
    merged.log_file = log_file
    return merged


def report_status(instance: DagsterInstance, settings: Settings, tenant_id: TenantId) -> None:
    """The tenant's `ops/status` in the UI, as it stands after the run. Best effort: the run's
    outcome is what it is whether or not its status could be read."""
    from autonomos_pipelines.core.database import get_engine
    from autonomos_pipelines.core.quotas import Quotas
    from autonomos_pipelines.operations.failed_runs import InstanceFailures
    from autonomos_pipelines.status.gather import tenant_status
    from mapping_assets.status import status_materialization

    try:
        engine = get_engine(settings)
        quotas = Quotas(engine, Quotas.defaults_of(settings))
        failures = InstanceFailures(instance, settings)
        found = tenant_status(engine, tenant_id, quotas, settings.redis_url, failures, detail=True)
        instance.report_runless_asset_event(status_materialization(found))
    except Exception as error:  # noqa: BLE001
        logging.getLogger(__name__).warning("tenant %s: status not reported: %s", tenant_id, error)


@traced("run", attributes=lambda given: {"dagster.job": given["stage"]})
def run_stage(
    defs: Definitions,
    stage: str,
    selection: list[AssetKey],
    tenant_id: TenantId,
    instance: DagsterInstance,
    logger: Any,
    waiting_log: Any,
) -> ExecuteInProcessResult:
    """One named job, cut to the tenant's assets. execute_in_process bypasses the executor's
    tenant guard, so wait here for the tenant's runs in progress (on any machine)."""
    job = defs.resolve_job_def(stage)
    run_config: dict[str, dict] = {}
    if logger is not None:  # selected by name, or Dagster falls back to the console
        job = job.with_logger_defs({"run_log": logger})
        run_config = {"loggers": {"run_log": {}}}
    fail_dead_runs(instance, tenant_id)  # a CLI killed -9 earlier holds the tenant no more
    wait_for_tenant(instance, tenant_id, None, waiting_log)
    run_id = str(uuid.uuid4())  # chosen here: the traceparent tags name it
    return job.execute_in_process(
        instance=instance,
        run_id=run_id,
        partition_key=tenant_id,
        # the load is followed by our own map-and-build run, not by automation
        tags={
            "tenant": tenant_id,
            "stage": stage,
            DOWNSTREAM_TAG: DOWNSTREAM_OWN_RUN,
            **this_process_tags(),
            **traceparent_tags(run_id),  # its steps' spans hang under this stage's
        },
        asset_selection=selection,
        raise_on_error=False,
        run_config=run_config,
    )


def merge(summaries: list[RunSummary]) -> RunSummary:
    merged = RunSummary(
        run_id=", ".join(s.run_id for s in summaries),
        success=all(s.success for s in summaries),
    )
    for summary in summaries:
        merged.canonical_rows.update(summary.canonical_rows)
        merged.unified.update(summary.unified)
        merged.checks.update(summary.checks)
        merged.warnings.update(summary.warnings)
        merged.failures += summary.failures
        merged.skipped.update(summary.skipped)
        merged.coverage = summary.coverage if summary.coverage is not None else merged.coverage
        merged.fields = summary.fields or merged.fields
    return merged


def summarise(result: ExecuteInProcessResult, settings: Settings) -> RunSummary:
    summary = RunSummary(run_id=result.run_id, success=result.success)
    for event in result.get_asset_materialization_events():
        materialization = event.event_specific_data.materialization  # type: ignore[union-attr]
        key = materialization.asset_key
        value = {name: str(entry.value) for name, entry in materialization.metadata.items()}
        if value.get("connector_status") == "degraded":
            summary.skipped[key.path[1]] = value.get("skipped_reason", "")
        if key.path[0] == "canonical":
            summary.canonical_rows[key.path[1]] = int(value["dagster/row_count"])
        elif key.path[0] == "unified" and key.path[1].endswith("_crosswalk"):
            entity = key.path[1].removesuffix("_crosswalk")
            summary.unified[entity] = (int(value["source_records"]), int(value["unified_entities"]))
        elif key == FIELD_MAPPINGS_KEY:
            summary.coverage = float(value["coverage"])
            summary.fields = (int(value["fields_mapped"]), int(value["fields_total"]))
    for evaluation in result.get_asset_check_evaluations():
        asset = evaluation.asset_key.to_user_string()
        if evaluation.severity != AssetCheckSeverity.WARN:  # every check of the asset
            summary.checks[asset] = summary.checks.get(asset, True) and evaluation.passed
        elif not evaluation.passed and evaluation.check_name != HEALTH_CHECK:  # in skipped
            summary.warnings[f"{asset} {evaluation.check_name}"] = evaluation.description or ""
    summary.failures = [
        f"{event.step_key}: {failure_line(event, settings)}"
        for event in result.all_events
        if event.is_step_failure
    ]
    return summary
