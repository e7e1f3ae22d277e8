"""The project as a wheel, without the checkout: the connector catalogue, the whole migration
history and the DCL's data ship inside it, and an installed copy finds them; a configured
folder of specs adds to the catalogue."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

from autonomos_pipelines.aam.specs import spec_loader

ROOT = Path(__file__).resolve().parents[1]
SHIPPED_SPECS = sorted(p.name for p in (ROOT / "connector_specs").glob("*.json"))
PROBE = """
import json, autonomos_pipelines
from alembic.script import ScriptDirectory
from autonomos_pipelines.aam.specs.spec_loader import default_specs
from autonomos_pipelines.core.migrate import alembic_config
from autonomos_pipelines.dcl.model.canonical_model import canonical_model
from autonomos_pipelines.dcl.registry.baseline import baseline_mappings
revisions = [s.revision for s in ScriptDirectory.from_config(alembic_config(None)).walk_revisions()]
print(json.dumps({"package": autonomos_pipelines.__file__, "specs": sorted(default_specs()),
                  "revisions": revisions, "entities": len(canonical_model()),
                  "baseline": len(baseline_mappings())}))
"""


@pytest.fixture(scope="module")
def wheel(tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("wheel")
    subprocess.run(
        [sys.executable, "-m", "pip", "wheel", str(ROOT), "--no-deps", "--no-build-isolation",
         "-q", "-w", str(out)],
        check=True, capture_output=True, timeout=300,
    )  # fmt: skip
    (built,) = out.glob("autonomos_pipelines-*.whl")
    return built


def test_the_wheel_carries_specs_migrations_and_data(wheel):
    names = set(zipfile.ZipFile(wheel).namelist())
    assert {f"connector_specs/{name}" for name in SHIPPED_SPECS} <= names
    for part in ("core/migrations/versions", "aam/migrations", "dcl/migrations"):
        assert any(n.startswith(f"autonomos_pipelines/{part}/0") for n in names), part
    assert "autonomos_pipelines/core/migrations/env.py" in names
    assert "autonomos_pipelines/dcl/model/data/canonical_model.json" in names


def test_an_installed_copy_finds_its_catalogue_without_the_checkout(wheel, tmp_path):
    site = tmp_path / "site"
    zipfile.ZipFile(wheel).extractall(site)
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    env = {**os.environ, "PYTHONPATH": str(site)}
    env.pop("AUTONOMOS_CONNECTOR_SPECS", None)
    result = subprocess.run(
        [sys.executable, "-c", PROBE], cwd=elsewhere, env=env,
        capture_output=True, text=True, timeout=120,
    )  # fmt: skip
    assert result.returncode == 0, result.stderr
    found = json.loads(result.stdout.strip().splitlines()[-1])
    assert found["package"].startswith(str(site))  # the installed copy, not the checkout
    assert found["specs"] == sorted(n.removesuffix(".json") for n in SHIPPED_SPECS
                                    if n != spec_loader.SCHEMA_FILE_NAME)  # fmt: skip
    assert found["revisions"][0] == "0016" and len(found["revisions"]) == 16
    assert found["entities"] >= 11 and found["baseline"] > 400


def test_a_configured_folder_adds_to_the_catalogue(tmp_path, monkeypatch):
    stripe = json.loads((ROOT / "connector_specs" / "stripe.json").read_text())
    (tmp_path / "acme_billing.json").write_text(json.dumps({**stripe, "name": "acme_billing"}))
    monkeypatch.setenv("AUTONOMOS_CONNECTOR_SPECS", str(tmp_path))
    specs = spec_loader.load_specs()
    assert "acme_billing" in specs and "stripe" in specs
    assert spec_loader.specs_dir() == tmp_path  # scaffolds go there
    monkeypatch.setenv("AUTONOMOS_CONNECTOR_SPECS", str(tmp_path / "missing"))
    with pytest.raises(Exception, match="AUTONOMOS_CONNECTOR_SPECS=.*missing: not a folder"):
        spec_loader.load_specs()
