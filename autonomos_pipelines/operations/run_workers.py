"""Who executes a run, and whether that process is still alive: the health check Dagster's run
monitoring daemon asks the run launcher for.

Dagster's DefaultRunLauncher cannot answer it, so with it the daemon never notices a run whose
worker died (kill -9, OOM, a lost code server): the run stays STARTED for ever and the run
queue counts it against its tenant's limit of one. Every run records its worker's host and pid
(`autonomos materialize` as tags; a launched run through Dagster's own "Started process for
run (pid: N)" event plus the host tag added at launch). The daemon checks the pid on its own
host only: a pid means nothing on another machine, so runs there are left to that machine
(and to run monitoring's `max_runtime_seconds`)."""

from __future__ import annotations

import json
import os
import socket

import psutil
from dagster import (
    DagsterEventType,
    DagsterInstance,
    DagsterRun,
    DagsterRunStatus,
    DefaultRunLauncher,
    RunsFilter,
)
from dagster._core.launcher import CheckRunHealthResult, LaunchRunContext, WorkerStatus
from dagster._core.storage.tags import GRPC_INFO_TAG

HOST_TAG = "autonomos/worker_host"
PID_TAG = "autonomos/worker_pid"
LOOPBACK = {"localhost", "127.0.0.1", "::1", None}


def this_process_tags() -> dict[str, str]:
    """Tags for a run this process executes itself (execute_in_process)."""
    return {HOST_TAG: socket.gethostname(), PID_TAG: str(os.getpid())}


class SupervisedRunLauncher(DefaultRunLauncher):
    """Dagster's default launcher (a run worker process per run, started by the code server),
    plus the run worker health check that run monitoring needs to fail runs whose worker died."""

    def launch_run(self, context: LaunchRunContext) -> None:
        super().launch_run(context)
        run = context.dagster_run
        tagged = self._instance.get_run_by_id(run.run_id) or run
        server = json.loads(tagged.tags.get(GRPC_INFO_TAG, "{}")).get("host")
        host = socket.gethostname() if server in LOOPBACK else server
        self._instance.add_run_tags(run.run_id, {HOST_TAG: host})

    @property
    def supports_check_run_worker_health(self) -> bool:
        return True

    def check_run_worker_health(self, run: DagsterRun) -> CheckRunHealthResult:
        host, pid = run.tags.get(HOST_TAG), self._worker_pid(run)
        if host != socket.gethostname() or pid is None:
            return CheckRunHealthResult(WorkerStatus.RUNNING, "not checkable from this host")
        if worker_alive(pid, self._started_at(run)):
            return CheckRunHealthResult(WorkerStatus.RUNNING, f"pid {pid} on {host} is alive")
        return CheckRunHealthResult(
            WorkerStatus.FAILED, f"run worker (pid {pid} on {host}) is gone: killed or crashed"
        )

    def _worker_pid(self, run: DagsterRun) -> int | None:
        if PID_TAG in run.tags:
            return int(run.tags[PID_TAG])
        for entry in self._instance.all_logs(run.run_id, of_type=DagsterEventType.ENGINE_EVENT):
            if entry.message.startswith("Started process for run"):  # Dagster's run worker
                pid = entry.get_dagster_event().engine_event_data.metadata.get("pid")
                return int(str(pid.value)) if pid else None
        return None

    def _started_at(self, run: DagsterRun) -> float | None:
        record = self._instance.get_run_record_by_id(run.run_id)
        return record.start_time if record else None


def worker_alive(pid: int, run_started_at: float | None) -> bool:
    """The process exists, is not a zombie, and is not a later process that reused the pid."""
    try:
        process = psutil.Process(pid)
        if process.status() == psutil.STATUS_ZOMBIE:
            return False
        return run_started_at is None or process.create_time() <= run_started_at + 1
    except psutil.NoSuchProcess:
        return False


def fail_runs_of_this_process(instance: DagsterInstance, why: str) -> None:
    """Mark every run this process still executes failed (before it exits without clean-up)."""
    mine = RunsFilter(statuses=[DagsterRunStatus.STARTED], tags=this_process_tags())
    for run in instance.get_runs(mine):
        instance.report_run_failed(run, f"run worker (pid {os.getpid()}) stopped: {why}")


def fail_dead_runs(instance: DagsterInstance, tenant: str) -> list[str]:
    """Runs of the tenant still marked in progress whose worker on this host is gone (a CLI
    killed -9): marked failed here, as run monitoring would, so that a CLI run with no daemon
    around does not wait for them. Runs on other hosts are left to their own machine."""
    in_progress = [DagsterRunStatus.STARTING, DagsterRunStatus.STARTED, DagsterRunStatus.CANCELING]
    failed = []
    holding = RunsFilter(statuses=in_progress, tags={"tenant": tenant})
    for record in instance.get_run_records(holding):
        run = record.dagster_run
        if run.tags.get(HOST_TAG) != socket.gethostname() or PID_TAG not in run.tags:
            continue
        pid = int(run.tags[PID_TAG])
        if not worker_alive(pid, record.start_time):
            instance.report_run_failed(run, f"run worker (pid {pid} on this host) is gone")
            failed.append(run.run_id)
    return failed
