"""One run per tenant on paths that bypass the run queue: the executor's guard tags the run
and makes a younger run of the same tenant wait for the older one, on the shared run storage."""

from __future__ import annotations

import logging
import os
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest
from dagster import DagsterInstance, DagsterRun, DagsterRunStatus, RunsFilter, instance_for_test

from mapping_assets.run_guard import TenantBusyError, run_tenant_tag, take_turn

LOG = logging.getLogger("test")


def add_run(instance: DagsterInstance, status: DagsterRunStatus, **tags: str) -> DagsterRun:
    run = DagsterRun(job_name="refresh", status=status, tags=tags)
    return instance.add_run(run)


def test_younger_run_of_a_tenant_waits_for_the_older_one_and_gets_its_tag():
    with instance_for_test() as instance:
        older = add_run(instance, DagsterRunStatus.STARTED, **{"dagster/partition": "acme"})
        younger = add_run(instance, DagsterRunStatus.STARTED, **{"dagster/partition": "acme"})
        other = add_run(instance, DagsterRunStatus.STARTED, **{"dagster/partition": "beta"})
        take_turn(instance, other, LOG)  # another tenant does not wait
        took: list[float] = []
        waiter = threading.Thread(target=lambda: (take_turn(instance, younger, LOG),
                                                  took.append(time.monotonic())))  # fmt: skip
        waiter.start()
        time.sleep(2.5)
        assert not took  # still waiting for the older run
        finished = time.monotonic()
        instance.report_run_failed(older)
        waiter.join(10)
        assert took and took[0] >= finished
        tagged = instance.get_run_by_id(younger.run_id)
        assert tagged is not None and tagged.tags["tenant"] == "acme"
        take_turn(instance, older, LOG)  # the older never waits for the younger


def test_a_cli_run_whose_process_died_no_longer_holds_its_tenant():
    """A CLI killed -9 leaves its run STARTED; with no daemon to notice, the next CLI run of the
    tenant marks it failed (same host, pid gone) instead of waiting for it."""
    import socket

    from autonomos_pipelines.operations.run_workers import HOST_TAG, PID_TAG, fail_dead_runs

    gone = subprocess.Popen([sys.executable, "-c", "pass"])
    gone.wait()
    here = socket.gethostname()
    with instance_for_test() as instance:

        def started(host: str, pid: int) -> DagsterRun:
            tags = {"tenant": "acme", HOST_TAG: host, PID_TAG: str(pid)}
            return add_run(instance, DagsterRunStatus.STARTED, **tags)

        dead, alive = started(here, gone.pid), started(here, os.getpid())
        elsewhere = started("another-host", 1)
        assert fail_dead_runs(instance, "acme") == [dead.run_id]
        status = {run.run_id: run.status for run in instance.get_runs()}
        assert status[dead.run_id] == DagsterRunStatus.FAILURE
        assert status[alive.run_id] == status[elsewhere.run_id] == DagsterRunStatus.STARTED


def test_a_run_over_a_range_of_tenants_or_a_mismatched_tag_is_refused_in_one_line():
    with pytest.raises(TenantBusyError, match="range of tenants is refused"):
        run_tenant_tag({"dagster/asset_partition_range_start": "a"})
    with pytest.raises(TenantBusyError, match="tagged tenant='beta' but partition 'acme'"):
        run_tenant_tag({"dagster/partition": "acme", "tenant": "beta"})


@pytest.mark.e2e
def test_dagster_asset_materialize_run_carries_the_tenant_tag(env, monkeypatch):
    from autonomos_pipelines.core.tenant_id import TenantId
    from autonomos_pipelines.dcl.registry.bootstrap import open_registry
    from autonomos_pipelines.operations.instance import get_instance
    from autonomos_pipelines.operations.onboarding import onboard_tenant

    monkeypatch.setenv("DAGSTER_HOME", str(env.dagster_home))
    dagster = get_instance(env)
    onboard_tenant(TenantId("acme"), ["pipedrive"], {}, open_registry(env), dagster, "test")
    command = [str(Path(sys.executable).with_name("dagster")), "asset", "materialize", "-m",
               "autonomos_pipelines.sandbox.definitions", "--select", "key:raw/pipedrive/*",
               "--partition", "acme"]  # fmt: skip
    result = subprocess.run(command, capture_output=True, text=True, timeout=300,
                            env={**os.environ})  # fmt: skip
    assert result.returncode == 0, result.stderr[-2000:]
    with DagsterInstance.get() as instance:
        records = instance.get_run_records(RunsFilter(tags={"dagster/partition": "acme"}))
    assert [r.dagster_run.tags.get("tenant") for r in records] == ["acme"]
    assert records[0].dagster_run.status == DagsterRunStatus.SUCCESS
