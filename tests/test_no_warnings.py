"""Our code raises no warnings when it defines and resolves the pipelines (deprecations,
Dagster preview notices): a fresh interpreter turns every warning into an error, so a module-
level definition that warns fails here. Third-party warnings raised inside the libraries'
own code paths are the only ones allowed, each named."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
SCRIPT = """
import warnings
warnings.simplefilter("error")
# pydantic v2 deprecations raised by dagster's own pydantic compatibility layer
warnings.filterwarnings("ignore", module="dagster_shared.dagster_model.pydantic_compat_layer")
warnings.filterwarnings("ignore", message=".*XDG_RUNTIME_DIR.*")
import autonomos_pipelines.cli.run_cmd  # its one filter: Dagster's internal `owners` notice
from autonomos_pipelines.definitions import defs
from autonomos_pipelines.sandbox.definitions import defs as dev_defs
from autonomos_pipelines.operations.runs import tenant_selection
for definitions in (defs, dev_defs):
    definitions.resolve_all_job_defs()
    tenant_selection(definitions, ["stripe", "postgres"])
dev_defs.resolve_implicit_global_asset_job_def()
assert dev_defs.resolve_job_def("load").partitions_def is not None  # inferred from the assets
print("clean")
"""


def test_defining_and_resolving_the_pipelines_warns_nothing():
    env = {**os.environ, "PYTHONPATH": str(ROOT), "PYTHONWARNINGS": ""}
    done = subprocess.run(
        [sys.executable, "-c", SCRIPT], cwd=ROOT, env=env, capture_output=True, text=True
    )
    assert done.returncode == 0, done.stderr[-3000:]
    assert done.stdout.strip() == "clean"
