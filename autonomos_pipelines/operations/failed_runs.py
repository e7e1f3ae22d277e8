"""The tenant's recent failed runs and steps from the Dagster instance's run storage: what the
status view's failures panel shows (`autonomos status`, the `ops/status` asset)."""

from __future__ import annotations

from datetime import UTC, datetime

from dagster import DagsterEventType, DagsterInstance, DagsterRunStatus, RunRecord, RunsFilter
from dagster._core.storage.tags import PARTITION_NAME_TAG

from autonomos_pipelines.asset_graph.run_tags import TENANT_TAG
from autonomos_pipelines.core.settings import Settings
from autonomos_pipelines.core.tenant_id import TenantId
from autonomos_pipelines.operations.step_errors import failure_class, failure_line
from autonomos_pipelines.status.failures import FailureSource, RunFailure

RECENT_RUNS = 30  # the newest runs of the tenant looked at


class InstanceFailures(FailureSource):
    """A FailureSource on one Dagster instance."""

    def __init__(self, instance: DagsterInstance, settings: Settings) -> None:
        self.instance, self.settings = instance, settings

    def __call__(self, tenant_id: TenantId) -> list[RunFailure]:
        records = self._records(tenant_id)  # newest first
        succeeded_jobs: set[str] = set()
        found: list[RunFailure] = []
        for record in records:
            run = record.dagster_run
            if run.status == DagsterRunStatus.SUCCESS:
                succeeded_jobs.add(run.job_name)
            elif run.status == DagsterRunStatus.FAILURE:
                when = record.end_time or record.create_timestamp.timestamp()
                found += self._steps(run.run_id, run.job_name, when, run.job_name in succeeded_jobs)
        return found

    def _records(self, tenant_id: TenantId) -> list[RunRecord]:
        """The tenant's newest runs: tagged `tenant`, or only `dagster/partition` when launched
        from the UI or `dagster` and failed before the executor added the tenant tag (a code
        location that would not load, a run worker that died)."""
        found: dict[str, RunRecord] = {}
        for tags in ({TENANT_TAG: tenant_id}, {PARTITION_NAME_TAG: tenant_id}):
            for record in self.instance.get_run_records(RunsFilter(tags=tags), limit=RECENT_RUNS):
                found[record.dagster_run.run_id] = record  # both tags: one run, once
        newest_first = sorted(found.values(), key=lambda r: r.create_timestamp, reverse=True)
        return newest_first[:RECENT_RUNS]

    def _steps(self, run_id: str, job: str, ended: float, recovered: bool) -> list[RunFailure]:
        failed_at = datetime.fromtimestamp(ended, UTC)
        steps = [
            RunFailure(
                run_id, job, failed_at, entry.step_key,
                failure_class(entry.dagster_event, self.settings),
                failure_line(entry.dagster_event, self.settings), recovered,
            )
            for entry in self.instance.all_logs(run_id, of_type=DagsterEventType.STEP_FAILURE)
            if entry.dagster_event is not None
        ]  # fmt: skip
        if steps:
            return steps
        # failed outside any step: a run killed, or refused before it started
        events = self.instance.all_logs(run_id, of_type=DagsterEventType.RUN_FAILURE)
        why = events[-1].dagster_event.message if events and events[-1].dagster_event else None
        return [RunFailure(run_id, job, failed_at, None, "run", why or "the run failed", recovered)]
