"""Cross-tenant isolation: two tenants with the same connector, one of them with its own
mapping, secret, drift event, quota and usage — every read path of the other shows none of
it (real Postgres with row-level security, real Redis, DuckDB, Dagster, sandbox; CLI through
its subprocess)."""

from __future__ import annotations

import dataclasses

import duckdb
import pytest
import redis
import sqlalchemy as sa
from dagster import AssetKey, AssetRecordsFilter, instance_for_test

from autonomos_pipelines.aam.drift.store import SchemaStore
from autonomos_pipelines.aam.http.rate_limit import bucket_key, tenant_bucket_key
from autonomos_pipelines.core.cache import PREFIX as CACHE_PREFIX
from autonomos_pipelines.core.cache import cache_key
from autonomos_pipelines.core.database import get_engine, tenant_session
from autonomos_pipelines.core.quotas import Quotas
from autonomos_pipelines.core.settings import Settings
from autonomos_pipelines.core.vault.keyring import generate_key
from autonomos_pipelines.core.vault.store import SecretStore
from autonomos_pipelines.dcl.registry.bootstrap import open_registry
from autonomos_pipelines.dcl.registry.workflow import FieldRef, Workflow
from autonomos_pipelines.operations.onboarding import onboard_tenant
from autonomos_pipelines.operations.runs import run_tenant
from autonomos_pipelines.sandbox.definitions import sandbox_definitions
from tests.sensor_tick import tick
from tests.test_cli import run

CANARY = "acme-only-canary-91c2"


def canonical(env, tenant: str) -> list[tuple]:  # type: ignore[no-untyped-def]
    with duckdb.connect(str(env.warehouse_dir / f"{tenant}.duckdb"), read_only=True) as db:
        return db.sql(
            "SELECT _tenant_id, description FROM canonical.opportunity "
            "WHERE _source_connector = 'pipedrive'"
        ).fetchall()


@pytest.mark.e2e
@pytest.mark.redis
def test_nothing_of_one_tenant_reaches_the_other(env, pristine, redis_url, monkeypatch):
    monkeypatch.setenv("AUTONOMOS_SECRET_KEY", generate_key())
    monkeypatch.setenv("REDIS_URL", redis_url)
    cache = redis.Redis.from_url(redis_url, decode_responses=True)
    cache.flushdb()
    env = dataclasses.replace(env, redis_url=redis_url)
    with instance_for_test() as instance:
        registry = open_registry(env)
        for tenant in ("acme", "beta"):
            onboard_tenant(tenant, ["pipedrive"], {}, registry, instance, "t")
        # acme's own state: a mapping override, a secret, a quota, a drift event
        Workflow(registry).propose(
            FieldRef("acme", "pipedrive", "deals", "lost_reason"), "opportunity.description",
            1.0, "manual", "alice", activate=True,
        )  # fmt: skip
        Quotas.for_settings(env).set("acme", "canonical_rows_per_hour", 123456, "alice")
        tick(instance, env)
        store = SchemaStore(get_engine(env))
        deals = store.latest_schemas("acme", "pipedrive", "observer")["deals"]
        store.record("acme", "pipedrive", {"deals": dataclasses.replace(
            deals, columns={**deals.columns, "x_acme": {"type": "text", "nullable": True}})},
            "observer")  # fmt: skip
        SecretStore.for_settings(Settings.from_env()).set(
            "acme", "pipedrive", "api_token", CANARY, "alice"
        )
        monkeypatch.setenv("AUTONOMOS_SECRET_KEY", generate_key())  # acme's secret unreadable
        beta = run_tenant(sandbox_definitions(), "beta", ["pipedrive"], instance, env)
        assert beta.success  # beta never touches acme's secret, event or quota

        # registry
        assert all(m.tenant_id in (None, "beta") for m in registry.active_mappings("beta"))
        acme_own = registry.lookup("acme", "pipedrive", "deals", "lost_reason")
        assert acme_own and acme_own.canonical_field == "description"  # the override exists
        seen_by_beta = registry.lookup("beta", "pipedrive", "deals", "lost_reason")
        assert seen_by_beta and seen_by_beta.tenant_id is None  # the global decision only
        assert seen_by_beta.canonical_field is None
        assert store.events(tenant_id="beta") == []
        assert Quotas.for_settings(env).limits("beta")["canonical_rows_per_hour"][1] == "default"
        # warehouse: beta's own file, beta's rows, no acme mapping applied
        rows = canonical(env, "beta")
        assert rows and {r[0] for r in rows} == {"beta"} and all(r[1] is None for r in rows)
        assert not (env.warehouse_dir / "acme.duckdb").exists()  # acme never ran
        # keys of cache, rate limits: per tenant
        assert cache_key("acme", "active_mappings") != cache_key("beta", "active_mappings")
        assert "beta" in bucket_key("beta", "pipedrive") and "beta" in tenant_bucket_key("beta")
        keys = set(cache.scan_iter("*"))
        assert tenant_bucket_key("beta") in keys  # beta's run throttled through Redis
        assert cache_key("beta", "active_mappings") in keys
        # autonomos:<tenant>:… (rate limits), autonomos:cache:<tenant>:… (cached values)
        segments = {
            key.removeprefix(f"{CACHE_PREFIX}:").removeprefix("autonomos:").split(":")[0]
            for key in keys
        }
        assert segments <= {"acme", "beta", "_global"}
        beta_cached = cache.get(cache_key("beta", "active_mappings"))
        assert beta_cached and "acme" not in beta_cached
        # registry: row-level security, a deliberately unscoped query in beta's session
        with tenant_session(registry.engine, "beta") as db:
            for table in ("tenant_secrets", "drift_events", "tenant_quotas", "field_mappings"):
                owners = db.execute(sa.text(f"SELECT DISTINCT tenant_id FROM {table}")).scalars()
                assert set(owners) <= {"beta", None}, table
        # Dagster: beta's partition metadata lists no acme-only field
        record = instance.fetch_materializations(
            AssetRecordsFilter(
                asset_key=AssetKey(["dcl", "field_mappings"]), asset_partitions=["beta"]
            ),
            limit=1,
        ).records[0]
        fields_table = str(record.asset_materialization.metadata["fields"].value)
        assert "x_acme" not in fields_table and "opportunity.description" not in fields_table

    # CLI output scoped to beta
    for args in (
        ["drift", "list", "--tenant", "beta"],
        ["secrets", "list", "--tenant", "beta"],
        ["tenants", "usage", "--tenant", "beta"],
        ["review", "list", "--tenant", "beta"],
        ["tenants", "quota", "beta"],
    ):
        shown = run(args)
        assert shown.returncode == 0, shown.stderr
        assert "acme" not in shown.stdout and CANARY not in shown.stdout + shown.stderr
        assert "123456" not in shown.stdout and "x_acme" not in shown.stdout
