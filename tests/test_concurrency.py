"""Concurrent runs, as three users would start them: two `autonomos materialize acme` and one
`autonomos materialize beta` at once. Runs of one tenant are serialised (the tenant's lock;
the run queue's per-tenant tag limit does the same for daemon-launched runs), runs of
different tenants overlap."""

from __future__ import annotations

import os
import subprocess

import pytest
from dagster import DagsterInstance, RunsFilter

from tests.test_cli import CLI, run


def windows(instance: DagsterInstance, tenant: str) -> list[tuple[float, float]]:
    found = []
    for record in instance.get_run_records(RunsFilter(tags={"tenant": tenant})):
        assert record.start_time and record.end_time
        found.append((record.start_time, record.end_time))
    return sorted(found)


def overlap(a: tuple[float, float], b: tuple[float, float]) -> bool:
    return a[0] < b[1] and b[0] < a[1]


@pytest.mark.e2e
def test_one_tenants_runs_queue_and_different_tenants_run_together(env, monkeypatch):
    for tenant in ("acme", "beta"):
        added = run(["tenants", "add", tenant, "--connectors", "pipedrive,slack"])
        assert added.returncode == 0, added.stderr
    started = [
        subprocess.Popen(CLI + ["materialize", tenant], stdout=subprocess.PIPE,
                         stderr=subprocess.PIPE, text=True, env=dict(os.environ))
        for tenant in ("acme", "acme", "beta")
    ]  # fmt: skip
    for process in started:
        out, err = process.communicate(timeout=600)
        assert process.returncode == 0, err[-2000:]
        assert "SUCCESS" in out

    monkeypatch.setenv("DAGSTER_HOME", str(env.dagster_home))
    with DagsterInstance.get() as instance:
        acme, beta = windows(instance, "acme"), windows(instance, "beta")
    assert len(acme) == 4 and len(beta) == 2  # load + map_and_build per materialize
    assert not any(overlap(a, b) for i, a in enumerate(acme) for b in acme[i + 1 :])
    assert any(overlap(a, b) for a in acme for b in beta)
