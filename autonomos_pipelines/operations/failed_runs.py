"""The tenant's recent failed runs and steps from the Dagster instance's run storage: what the
status view's failures panel shows (`autonomos status`, the `ops/status` asset)."""

from __future__ import annotations

from datetime import UTC, datetime

from dagster import DagsterEventType, DagsterInstance, DagsterRunStatus, RunsFilter

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
        records = self.instance.get_run_records(
            RunsFilter(tags={"tenant": tenant_id}), limit=RECENT_RUNS
        )  # newest first
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
