"""The standard suite every connector spec passes, automatically: a new JSON spec with a
sandbox is picked up here. Loads run for real from the sandbox into DuckDB (Postgres sources
from the real pgserver; MongoDB through mongomock, standing in for a MongoDB server, which has
no package here)."""

from __future__ import annotations

import dlt
import duckdb
import pytest

from autonomos_pipelines.aam.adapters.factory import build_source
from autonomos_pipelines.aam.connections.secrets import secret_env_var
from autonomos_pipelines.aam.specs.spec_loader import default_specs
from autonomos_pipelines.aam.specs.spec_model import FileSpec, record_id_columns
from autonomos_pipelines.dcl.model.canonical_model import canonical_model
from autonomos_pipelines.dcl.registry.baseline import baseline_mappings, ignored_fields
from autonomos_pipelines.sandbox.files import write_demo_files
from tests.connector_suite import broken_secret, expected_counts
from tests.runtime import sandboxed

CONNECTORS = sorted(default_specs())


def load(spec, env, tenant: str):
    connection = sandboxed(env).connection(spec, tenant, {})
    if isinstance(spec, FileSpec):
        write_demo_files(connection.file_root)
    path = env.home / f"{tenant}_{spec.name}.duckdb"
    pipeline = dlt.pipeline(
        pipeline_name=f"{tenant}_{spec.name}",
        destination=dlt.destinations.duckdb(str(path)),
        dataset_name="raw",
        pipelines_dir=str(env.home / "pipelines"),
    )
    pipeline.run(build_source(spec, connection))
    return pipeline, path


def test_catalogue_covers_four_domains_and_records_why_code_is_needed():
    specs = default_specs()
    assert len(specs) >= 15
    assert {s.domain for s in specs.values()} >= {"revops", "finops", "supportops", "marketingops"}
    kinds = {s.implementation.type for s in specs.values()}
    assert kinds == {"generic", "hybrid", "custom"}


@pytest.mark.parametrize("connector", CONNECTORS)
def test_loads_every_record_of_every_table(env, sandbox, connector):
    spec = default_specs()[connector]
    pipeline, path = load(spec, env, "suite")
    counts = pipeline.last_trace.last_normalize_info.row_counts
    expected = expected_counts(spec, sandbox)
    assert {t: counts.get(t) for t in expected} == expected
    with duckdb.connect(str(path), read_only=True) as db:
        columns = {
            (table, column)
            for table, column in db.sql(
                "SELECT table_name, column_name FROM information_schema.columns "
                "WHERE table_schema = 'raw'"
            ).fetchall()
        }
    for table, key in record_id_columns(spec).items():
        assert key is None or (table, key) in columns, f"{table} lacks its key column {key}"


@pytest.mark.parametrize(
    "connector", [c for c in CONNECTORS if broken_secret(default_specs()[c]) is not None]
)
def test_a_wrong_credential_fails_clearly_and_loads_nothing(env, monkeypatch, connector):
    spec = default_specs()[connector]
    key, wrong = broken_secret(spec)  # type: ignore[misc]
    monkeypatch.setenv(secret_env_var("badcred", connector, key), wrong)
    with pytest.raises(Exception) as raised:  # noqa: PT011 (each source raises its own type)
        load(spec, env, "badcred")
    message = str(raised.value)
    assert wrong not in message  # never echo a credential back
    signals = ("401", "403", "400", "invalid", "authenticat", "unauthorized", "no such", "failed")
    assert any(signal in message.lower() for signal in signals), message[:500]


@pytest.mark.parametrize("connector", CONNECTORS)
def test_baseline_maps_each_declared_entity_and_reports_coverage(connector, record_property):
    spec = default_specs()[connector]
    model = canonical_model()
    mapped = [m for m in baseline_mappings() if m.connector == connector]
    decided = mapped + [m for m in ignored_fields() if m.connector == connector]
    for entity in spec.entities:
        identity = model[entity].identity_field
        assert any(m.entity == entity and m.field == identity for m in mapped), (
            f"{connector} declares {entity} but no baseline mapping fills {identity}"
        )
    coverage = len(mapped) / len(decided)
    record_property("mapping_coverage", round(coverage, 3))
    assert 0 < coverage <= 1


def test_a_scaffolded_spec_runs_against_its_fixture_sandbox(env, tmp_path, monkeypatch):
    from autonomos_pipelines.aam.specs.scaffold import scaffold
    from autonomos_pipelines.aam.specs.spec_loader import load_specs
    from autonomos_pipelines.core.settings import Settings
    from autonomos_pipelines.sandbox.server import SandboxServer

    scaffold("newapi", "generic_rest", tmp_path)
    server = SandboxServer(specs_dir=tmp_path).start()
    try:
        settings = Settings(**{**vars(env), "sandbox_url": server.url})
        spec = load_specs(tmp_path)["newapi"]
        pipeline, _ = load(spec, settings, "scaffolded")
        assert pipeline.last_trace.last_normalize_info.row_counts["accounts"] == 3
        assert server.request_counts["/newapi/accounts"] == 2  # limit 2: two cursor pages
        monkeypatch.setenv(secret_env_var("unauth", "newapi", "api_token"), "wrong-token")
        with pytest.raises(Exception, match="401"):
            load(spec, settings, "unauth")
    finally:
        server.stop()
