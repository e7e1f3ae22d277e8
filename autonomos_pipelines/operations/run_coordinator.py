"""The run queue, tenant-aware: every run submitted to the instance (the UI's Materialize and
Launch buttons, `dagster job launch`, schedules, sensors, backfills) gets its `tenant` tag from
its partition before it is queued, so the queue's limit of one run per tenant holds it there —
not only runs the autonomos CLI tagged itself. Configured in DAGSTER_HOME/dagster.yaml."""

from __future__ import annotations

from dagster import QueuedRunCoordinator
from dagster._core.run_coordinator.base import SubmitRunContext
from dagster._core.storage.dagster_run import DagsterRun
from dagster._core.storage.tags import PARTITION_NAME_TAG

from autonomos_pipelines.core.tenant_id import TenantId
from mapping_assets.run_guard import TENANT_TAG


class TenantRunCoordinator(QueuedRunCoordinator):
    """Dagster's queued run coordinator, which also tags each partitioned run `tenant`."""

    def submit_run(self, context: SubmitRunContext) -> DagsterRun:
        run = context.dagster_run
        partition = run.tags.get(PARTITION_NAME_TAG)
        if partition is not None and TENANT_TAG not in run.tags:
            self._instance.add_run_tags(run.run_id, {TENANT_TAG: TenantId(partition)})
            tagged = self._instance.get_run_by_id(run.run_id) or run
            context = SubmitRunContext(tagged, context.workspace)
        return super().submit_run(context)
