"""Materialise everything for one tenant partition in-process, and summarise the result."""

from __future__ import annotations

from dataclasses import dataclass, field

import fasteners
from dagster import (
    AssetCheckSeverity,
    AssetKey,
    DagsterInstance,
    Definitions,
    ExecuteInProcessResult,
)

from autonomos_pipelines.asset_graph.keys import FIELD_MAPPINGS_KEY
from autonomos_pipelines.core.settings import Settings, provide_env_defaults
from autonomos_pipelines.core.tenant_id import TenantId
from resources import env_variables


@dataclass
class RunSummary:
    run_id: str
    success: bool
    canonical_rows: dict[str, int] = field(default_factory=dict)
    coverage: float | None = None
    fields: tuple[int, int] | None = None
    checks: dict[str, bool] = field(default_factory=dict)  # blocking/error checks
    warnings: dict[str, str] = field(default_factory=dict)  # warn-level checks that fired
    failures: list[str] = field(default_factory=list)


def tenant_selection(
    defs: Definitions, connectors: list[str]
) -> tuple[list[AssetKey], list[AssetKey]]:
    """(raw assets of the tenant's connectors, the mapping asset + every canonical asset)."""
    keys = defs.resolve_asset_graph().get_all_asset_keys()
    raw = [key for key in keys if key.path[0] == "raw" and key.path[1] in connectors]
    return raw, [key for key in keys if key.path[0] != "raw"]


def run_tenant(
    defs: Definitions,
    tenant_id: TenantId,
    connectors: list[str],
    instance: DagsterInstance,
    settings: Settings,
) -> RunSummary:
    """Load, then map and build. Two runs, so that a failing connector fails only its own raw
    assets: mapping and canonical tables are still rebuilt from every connector that loaded
    (and from the last good load of the one that did not).

    One tenant at a time: a file lock for in-process runs (the run queue's tag limit covers
    runs launched through the daemon)."""
    settings.locks_dir.mkdir(parents=True, exist_ok=True)
    provide_env_defaults(env_variables(defs.resources or {}))  # resolved when the run starts
    raw, downstream = tenant_selection(defs, connectors)
    with fasteners.InterProcessLock(str(settings.locks_dir / f"{tenant_id}.lock")):
        job = defs.get_implicit_global_asset_job_def()
        results = [
            job.execute_in_process(
                instance=instance,
                partition_key=tenant_id,
                tags={"tenant": tenant_id, "stage": stage},
                asset_selection=selection,
                raise_on_error=False,
            )
            for stage, selection in (("load", raw), ("map_and_build", downstream))
            if selection
        ]
    return merge([summarise(result) for result in results])


def merge(summaries: list[RunSummary]) -> RunSummary:
    merged = RunSummary(
        run_id=", ".join(s.run_id for s in summaries),
        success=all(s.success for s in summaries),
    )
    for summary in summaries:
        merged.canonical_rows.update(summary.canonical_rows)
        merged.checks.update(summary.checks)
        merged.warnings.update(summary.warnings)
        merged.failures += summary.failures
        merged.coverage = summary.coverage if summary.coverage is not None else merged.coverage
        merged.fields = summary.fields or merged.fields
    return merged


def summarise(result: ExecuteInProcessResult) -> RunSummary:
    summary = RunSummary(run_id=result.run_id, success=result.success)
    for event in result.get_asset_materialization_events():
        materialization = event.event_specific_data.materialization  # type: ignore[union-attr]
        key = materialization.asset_key
        value = {name: str(entry.value) for name, entry in materialization.metadata.items()}
        if key.path[0] == "canonical":
            summary.canonical_rows[key.path[1]] = int(value["dagster/row_count"])
        elif key == FIELD_MAPPINGS_KEY:
            summary.coverage = float(value["coverage"])
            summary.fields = (int(value["fields_mapped"]), int(value["fields_total"]))
    for evaluation in result.get_asset_check_evaluations():
        asset = evaluation.asset_key.to_user_string()
        if evaluation.severity != AssetCheckSeverity.WARN:
            summary.checks[asset] = evaluation.passed
        elif not evaluation.passed:
            summary.warnings[f"{asset} {evaluation.check_name}"] = evaluation.description or ""
    summary.failures = [
        f"{event.step_key}: {_failure_text(event)}"
        for event in result.all_events
        if event.is_step_failure
    ]
    return summary


def _failure_text(event) -> str:
    data = event.step_failure_data
    if data.user_failure_data and data.user_failure_data.description:
        return data.user_failure_data.description
    return data.error.message.strip() if data.error else "failed"
