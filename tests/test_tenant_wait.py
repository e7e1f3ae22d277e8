"""A run that waits for another one of its tenant says so: whose turn it is, since when, and
again while it lasts — for this machine's file lock (two real processes) and for a run in
progress in the shared run storage."""

from __future__ import annotations

import subprocess
import sys
import threading
import time
from pathlib import Path

from dagster import DagsterRun, DagsterRunStatus, instance_for_test

from autonomos_pipelines.core.tenant_id import TenantId
from autonomos_pipelines.operations.tenant_lock import tenant_lock
from mapping_assets.run_guard import wait_for_tenant

ROOT = Path(__file__).resolve().parents[1]
DEMO = TenantId("demo")
HOLDER = """
import sys, time
from pathlib import Path
from autonomos_pipelines.operations.tenant_lock import tenant_lock
with tenant_lock(Path(sys.argv[1]), "demo", None, None):
    print("held", flush=True)
    time.sleep(float(sys.argv[2]))
print(time.time(), flush=True)  # released
"""


class Lines:
    def __init__(self) -> None:
        self.lines: list[str] = []

    def info(self, message: str) -> None:
        self.lines.append(message)


def test_a_command_waiting_for_the_tenant_lock_names_the_holder_and_repeats(tmp_path):
    holder = subprocess.Popen(
        [sys.executable, "-c", HOLDER, str(tmp_path), "1.5"],
        cwd=ROOT,
        env={"PYTHONPATH": str(ROOT), "PATH": "/usr/bin:/bin"},
        stdout=subprocess.PIPE,
        text=True,
    )
    assert holder.stdout is not None and holder.stdout.readline().strip() == "held"
    log = Lines()
    with tenant_lock(tmp_path, DEMO, None, log, notice_seconds=0.4):
        taken_at = time.time()
    released_at = float(holder.stdout.readline())
    holder.wait(60)
    assert taken_at >= released_at and len(log.lines) >= 2, log.lines
    assert log.lines[0].startswith(f"waiting for autonomos process {holder.pid} (tenant demo, ")
    assert all(line.endswith("s ago) to finish…") for line in log.lines)
    assert not (tmp_path / "demo.holder").exists()  # released with its note


def test_a_run_waiting_for_an_older_run_of_its_tenant_names_it_and_repeats():
    with instance_for_test() as instance:
        older = DagsterRun(job_name="load", status=DagsterRunStatus.STARTED, tags={"tenant": DEMO})
        instance.add_run(older)
        threading.Timer(1.5, instance.report_run_failed, [older]).start()
        log, started = Lines(), time.monotonic()
        wait_for_tenant(instance, DEMO, None, log, notice_seconds=0.5)
        assert time.monotonic() - started >= 1.4  # held until the older run ended
    assert len(log.lines) >= 2, log.lines
    for line in log.lines:
        assert line.startswith(f"waiting for run {older.run_id} (tenant demo, started ")
        assert line.endswith(" s ago) to finish…")
