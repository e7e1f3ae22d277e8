"""One run per tenant on every path, including those that bypass the run queue (`dagster asset
materialize`, `dagster job execute`, a run launched straight from a code server).

The guard wraps the Definitions' executor, so it runs in each run's orchestrating process
before any step: it tags the run with its `tenant` (from the partition; runs from `dagster`
commands carry only `dagster/partition`), then waits while an older run of the same tenant is
in progress in the instance's run storage — shared by every machine, so the rule holds across
them. Older wins: two runs that start together see each other, and only the younger waits.
"""

from __future__ import annotations

import time
from collections.abc import Iterator
from typing import Any

from dagster import DagsterRunStatus, ExecutorDefinition, RunsFilter
from dagster._core.executor.base import Executor
from dagster._core.storage.tags import (
    ASSET_PARTITION_RANGE_START_TAG,
    PARTITION_NAME_TAG,
)

from autonomos_pipelines.core.tenant_id import TenantId
from autonomos_pipelines.core.tracing_runs import run_span

TENANT_TAG = "tenant"
IN_PROGRESS = [DagsterRunStatus.STARTING, DagsterRunStatus.STARTED, DagsterRunStatus.CANCELING]
POLL_SECONDS = 1.0
NOTICE_SECONDS = 10.0  # a waiting run says so again this often
WAIT_LIMIT_SECONDS = 3600  # then the younger run fails and says which run held the tenant


class TenantBusyError(Exception):
    """A run could not take its tenant's turn (one line: which tenant, which run, what to do)."""


def run_tenant_tag(tags: dict[str, str]) -> TenantId | None:
    """The tenant a run belongs to, from its partition; None for a run of no tenant."""
    if ASSET_PARTITION_RANGE_START_TAG in tags:
        raise TenantBusyError(
            "one run per tenant: a run over a range of tenants is refused; "
            "launch a backfill (`autonomos backfill`), which makes one run per tenant"
        )
    partition = tags.get(PARTITION_NAME_TAG)
    if partition is None:
        return None
    tenant = TenantId(partition)
    if tags.get(TENANT_TAG, tenant) != tenant:
        raise TenantBusyError(
            f"run tagged tenant={tags[TENANT_TAG]!r} but partition {partition!r}: "
            "drop the tenant tag, the partition sets it"
        )
    return tenant


def older_runs_in_progress(instance: Any, run_id: str | None, tenant: TenantId) -> list[str]:
    """Ids of the tenant's runs in progress created before this one (every one: no run)."""
    mine = instance.get_run_record_by_id(run_id).storage_id if run_id else float("inf")
    found: set[str] = set()
    for tags in ({TENANT_TAG: tenant}, {PARTITION_NAME_TAG: tenant}):
        for record in instance.get_run_records(RunsFilter(tags=tags, statuses=IN_PROGRESS)):
            if record.storage_id < mine:
                found.add(record.dagster_run.run_id)
    return sorted(found)


def take_turn(instance: Any, run: Any, log: Any) -> None:
    """Tag the run with its tenant, then wait until no older run of that tenant is running."""
    tenant = run_tenant_tag(dict(run.tags))
    if tenant is None:
        return
    if TENANT_TAG not in run.tags:
        instance.add_run_tags(run.run_id, {TENANT_TAG: tenant})
    wait_for_tenant(instance, tenant, run.run_id, log)


def waiting_line(holder: str, tenant: TenantId, since: float | None) -> str:
    """E.g. 'waiting for run <id> (tenant demo, started 12 s ago) to finish…'."""
    age = f", started {time.time() - since:.0f} s ago" if since else ""
    return f"waiting for {holder} (tenant {tenant}{age}) to finish…"


def run_started_at(instance: Any, run_id: str) -> float | None:
    record = instance.get_run_record_by_id(run_id)
    if record is None:
        return None
    return record.start_time or record.create_timestamp.timestamp()


def wait_for_tenant(
    instance: Any,
    tenant: TenantId,
    run_id: str | None,
    log: Any,
    notice_seconds: float = NOTICE_SECONDS,
) -> None:
    """Wait while an older run of the tenant (any, without ``run_id``) is in progress, saying
    so at once and every ``notice_seconds`` (and whenever the run waited for changes)."""
    deadline = time.monotonic() + WAIT_LIMIT_SECONDS
    announced, next_notice = "", 0.0
    while older := older_runs_in_progress(instance, run_id, tenant):
        if older[0] != announced or time.monotonic() >= next_notice:
            since = run_started_at(instance, older[0])
            log.info(waiting_line(f"run {older[0]}", tenant, since))
            announced, next_notice = older[0], time.monotonic() + notice_seconds
        if time.monotonic() > deadline:
            raise TenantBusyError(
                f"tenant {tenant} is still busy with run {older[0]} after {WAIT_LIMIT_SECONDS}s; "
                "run this one again when it has finished"
            )
        time.sleep(POLL_SECONDS)


class TenantGuardedExecutor(Executor):
    """Takes the run's tenant turn, then hands the plan to the wrapped executor."""

    def __init__(self, inner: Executor):
        self._inner = inner

    def execute(self, plan_context: Any, execution_plan: Any) -> Iterator[Any]:
        run = plan_context.dagster_run
        with run_span(run.run_id, f"run {run.job_name}", **{"dagster.run_id": run.run_id}):
            take_turn(plan_context.instance, run, plan_context.log)
            yield from self._inner.execute(plan_context, execution_plan)

    @property
    def retries(self) -> Any:
        return self._inner.retries

    @property
    def step_dependency_config(self) -> Any:
        return self._inner.step_dependency_config

    def __getattr__(self, name: str) -> Any:
        # an executor's loop may read its own settings off the context's executor (celery's
        # app_args): whatever this wrapper does not define is the wrapped executor's
        return getattr(self._inner, name)


def tenant_guarded(base: ExecutorDefinition) -> ExecutorDefinition:
    """``base`` (in-process, multiprocess, celery …) with the one-run-per-tenant guard."""
    create = base.executor_creation_fn
    assert create is not None, f"executor {base.name} cannot be created"
    return ExecutorDefinition(
        name=base.name,
        config_schema=base.config_schema,  # type: ignore[arg-type]  # keeps a configured mapping
        requirements=base.get_requirements,
        executor_creation_fn=lambda init_context: TenantGuardedExecutor(create(init_context)),
        description=(base.description or base.name) + " One run per tenant at a time.",
    )
