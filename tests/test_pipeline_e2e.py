"""End to end: tenant partitions materialised in-process against the sandbox, pgserver, DuckDB."""

from __future__ import annotations

import duckdb
import psycopg
import pytest
import sqlalchemy as sa
from dagster import AssetKey, instance_for_test

from autonomos_pipelines.dcl.registry.bootstrap import open_registry
from autonomos_pipelines.operations.onboarding import onboard_tenant
from autonomos_pipelines.operations.runs import run_tenant
from autonomos_pipelines.sandbox.definitions import sandbox_definitions

pytestmark = [pytest.mark.e2e, pytest.mark.postgres]
EXPECTED_ROWS = {
    "account": 120 + 80 + 60,
    "contact": 200,
    "invoice": 260,
    "opportunity": 120 + 90,
    "payment": 240,
    "subscription": 110,
    "user": 8,  # HubSpot owners
    **{entity: 0 for entity in ("campaign", "cloud_cost", "ticket", "web_traffic")},
}
ALL = ["stripe", "hubspot", "filesource"]


@pytest.fixture
def instance(env):
    with instance_for_test() as dagster_instance:
        yield dagster_instance


def onboard_and_run(env, instance, tenant, connectors, endpoints=None):
    onboard_tenant(tenant, connectors, endpoints or {}, open_registry(env), instance, "test")
    return run_tenant(sandbox_definitions(), tenant, connectors, instance, env)


def canonical(env, tenant: str, sql: str) -> list[tuple]:
    with duckdb.connect(str(env.warehouse_dir / f"{tenant}.duckdb"), read_only=True) as db:
        return db.sql(sql).fetchall()


def test_demo_tenant_end_to_end_and_idempotent(env, instance, sandbox):
    first = onboard_and_run(env, instance, "acme", ALL)
    assert first.success, first.failures
    assert first.canonical_rows == EXPECTED_ROWS
    assert first.checks and all(first.checks.values())
    assert first.fields and 0.5 < first.coverage < 1 and first.fields[0] < first.fields[1]

    invoice = sandbox.apis["stripe"].data["invoices"][0]
    ((total, currency, record, version),) = canonical(
        env,
        "acme",
        "SELECT total_amount, currency, _source_record_id, _mapping_version "
        f"FROM canonical.invoice WHERE invoice_id = '{invoice['id']}'",
    )
    assert float(total) == invoice["total"] / 100 and currency == invoice["currency"].upper()
    assert record == invoice["id"] and version > 0

    records, entities = first.unified["account"]
    assert records == EXPECTED_ROWS["account"] and entities < records  # billing meets the CRM
    crosswalk = "SELECT connector, record_id, unified_id FROM unified.account_crosswalk"
    ids = sorted(canonical(env, "acme", crosswalk))

    second = run_tenant(sandbox_definitions(), "acme", ALL, instance, env)
    assert second.success and second.canonical_rows == EXPECTED_ROWS
    assert sorted(canonical(env, "acme", crosswalk)) == ids  # a re-run renumbers nothing
    ((linked, revenue, invoiced),) = canonical(
        env, "acme",
        "SELECT count(DISTINCT a.unified_id), sum(i.total_amount), "
        "(SELECT sum(total_amount) FROM canonical.invoice) FROM unified.account AS a "
        "JOIN unified.invoice AS i ON i.unified_account_id = a.unified_id",
    )  # fmt: skip
    assert 0 < linked <= entities and revenue == invoiced  # every invoice reaches its customer
    duplicates = canonical(
        env,
        "acme",
        "SELECT count(*) - count(DISTINCT (_source_connector, account_id)) FROM canonical.account",
    )
    assert duplicates == [(0,)]


def test_mapping_asset_records_fields_and_plots_coverage(env, instance):
    onboard_and_run(env, instance, "acme", ["stripe"])
    registry = open_registry(env)
    with registry.engine.connect() as connection:
        statuses = dict(
            connection.execute(
                sa.text(
                    "SELECT status, count(*) FROM source_fields WHERE tenant_id = 'acme' GROUP BY 1"
                )
            ).all()
        )
    assert statuses["mapped"] > 0 and statuses["unmapped"] > 0
    event = instance.get_latest_materialization_event(AssetKey(["dcl", "field_mappings"]))
    metadata = event.asset_materialization.metadata
    assert event.asset_materialization.partition == "acme"
    assert metadata["fields_mapped"].value == statuses["mapped"]
    assert 0 < metadata["coverage"].value < 1


def test_two_tenants_see_nothing_of_each_other(env, instance):
    assert onboard_and_run(env, instance, "acme", ["stripe"]).success
    beta = onboard_and_run(env, instance, "beta", ["hubspot", "filesource"])
    assert beta.success
    assert beta.canonical_rows["invoice"] == 0 and beta.canonical_rows["contact"] == 200
    acme_schemas = {
        row[0]
        for row in canonical(env, "acme", "SELECT schema_name FROM information_schema.schemata")
    }
    assert "raw_stripe" in acme_schemas and "raw_hubspot" not in acme_schemas
    assert canonical(
        env, "acme", "SELECT DISTINCT _tenant_id, _source_connector FROM canonical.account"
    ) == [("acme", "stripe")]
    assert {
        r[0] for r in canonical(env, "beta", "SELECT DISTINCT _tenant_id FROM canonical.account")
    } == {"beta"}
    registry = open_registry(env)
    with registry.engine.connect() as connection:
        rows = connection.execute(
            sa.text("SELECT DISTINCT tenant_id, connector FROM source_fields ORDER BY 1, 2")
        ).all()
    assert [tuple(r) for r in rows] == [
        ("acme", "stripe"),
        ("beta", "filesource"),
        ("beta", "hubspot"),
    ]
    demo_files = env.home / "sandbox" / "files"  # the sandbox writes them when beta loads
    assert not (demo_files / "acme").exists() and (demo_files / "beta" / "filesource").exists()


def test_broken_credential_fails_its_connector_only(env, instance, sandbox, monkeypatch):
    monkeypatch.setenv("AUTONOMOS_SECRET_ACME_STRIPE_API_KEY", "sk_test_revoked_key_9999")
    summary = onboard_and_run(
        env, instance, "acme", ["stripe", "hubspot"], {"stripe": sandbox.url + "/stripe/v1/"}
    )
    assert not summary.success
    assert len(summary.failures) == 1 and summary.failures[0].startswith("raw_stripe")
    assert "401" in summary.failures[0] and "Invalid API Key provided" in summary.failures[0]
    assert "sk_test_revoked_key_9999" not in summary.failures[0]
    hubspot = instance.get_latest_materialization_event(AssetKey(["raw", "hubspot", "deals"]))
    assert hubspot is not None and hubspot.asset_materialization.partition == "acme"


def test_postgres_warehouse_uses_a_schema_per_tenant(env, instance, pg_root, monkeypatch):
    from tests.conftest import create_database

    url = create_database(pg_root, "wh")
    monkeypatch.setenv("WAREHOUSE_URL", url)
    from autonomos_pipelines.core.settings import Settings

    settings = Settings.from_env()
    summary = onboard_and_run(settings, instance, "acme", ["stripe"])
    assert summary.success, summary.failures
    assert summary.canonical_rows["payment"] == 240 and summary.canonical_rows["contact"] == 0
    with psycopg.connect(url) as db:
        schemas = {r[0] for r in db.execute("SELECT schema_name FROM information_schema.schemata")}
        assert {"acme__raw_stripe", "acme__canonical", "acme__unified"} <= schemas
        members = db.execute('SELECT count(*) FROM "acme__unified".account_crosswalk').fetchone()
        paid = db.execute(
            "SELECT count(*) FROM \"acme__canonical\".payment WHERE status = 'succeeded'"
        ).fetchone()[0]
    assert paid == sum(
        c["status"] == "succeeded"
        for c in __import__(
            "autonomos_pipelines.sandbox.data.stripe_data", fromlist=["x"]
        ).dataset()["charges"]
    )
    assert all(summary.checks.values()) and members == (summary.canonical_rows["account"],)
