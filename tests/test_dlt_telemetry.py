"""dlt's anonymous telemetry is off unless an operator turns it on: a tenant's loads report to
no third party by default (the Dagster instance's telemetry is off too). Each case runs in a
fresh interpreter, as a worker or the webserver would: dlt starts its tracker once per process,
with its first pipeline. The endpoint is never reached here (no internet); what is checked is
whether dlt set it up."""

from __future__ import annotations

import os
import subprocess
import sys

import pytest

PROBE = """
import sys
from dlt.common.runtime import anon_tracker
from autonomos_pipelines.aam.adapters.pipelines import new_pipeline
new_pipeline(pipeline_name="probe", destination="duckdb", pipelines_dir=sys.argv[1])
print(anon_tracker._ANON_TRACKER_ENDPOINT)
"""


@pytest.mark.parametrize(
    ("setting", "tracked"),
    [(None, False), ("true", True), ("false", False)],  # None: the operator said nothing
)
def test_dlt_telemetry_is_off_unless_an_operator_turns_it_on(tmp_path, setting, tracked):
    env = {k: v for k, v in os.environ.items() if k != "RUNTIME__DLTHUB_TELEMETRY"}
    if setting is not None:
        env["RUNTIME__DLTHUB_TELEMETRY"] = setting
    done = subprocess.run(
        [sys.executable, "-c", PROBE, str(tmp_path)],
        capture_output=True, text=True, timeout=120, env=env, cwd=tmp_path,
    )  # fmt: skip
    assert done.returncode == 0, done.stderr
    endpoint = done.stdout.strip().splitlines()[-1]
    assert (endpoint != "None") is tracked, endpoint
