"""Registry v1 on real PostgreSQL: migrations, baseline idempotency, constraints, overrides."""

from __future__ import annotations

import pytest
import sqlalchemy as sa

from autonomos_pipelines.core import migrate
from autonomos_pipelines.core.database import get_engine
from autonomos_pipelines.core.errors import InvalidName, ServiceUnavailable
from autonomos_pipelines.core.settings import Settings
from autonomos_pipelines.dcl.registry.baseline import (
    baseline_mappings,
    ignored_fields,
    load_baseline,
)
from autonomos_pipelines.dcl.registry.bootstrap import open_registry

pytestmark = pytest.mark.postgres


def count(registry, sql: str, **params) -> int:
    with registry.engine.connect() as connection:
        return int(connection.execute(sa.text(sql), params).scalar())


def test_migrations_reach_head_and_baseline_loads_once(env):
    registry = open_registry(env)
    assert migrate.current_revision(registry.engine) == migrate.head_revision(registry.engine)
    expected = len(baseline_mappings()) + len(ignored_fields())
    assert (
        count(
            registry,
            "SELECT count(*) FROM field_mappings WHERE tenant_id IS NULL "
            "AND is_active AND method = 'manual' AND version = 1",
        )
        == expected
    )
    assert load_baseline(registry) == 0  # idempotent
    assert migrate.upgrade(registry.engine) is False
    assert count(registry, "SELECT count(*) FROM field_mappings") == expected
    assert (
        count(registry, "SELECT count(*) FROM audit_log WHERE action = 'mapping.create'")
        == expected
    )


def insert_mapping(connection, tenant, table, field, target_field, version, active):
    connection.execute(
        sa.text("""
        INSERT INTO field_mappings (tenant_id, connector, source_table, source_field,
            canonical_entity, canonical_field, method, status, version, is_active, created_by)
        VALUES (:t, 'stripe', :tbl, :f, 'account', :cf, 'manual', 'active', :v, :a, 'test')"""),
        {"t": tenant, "tbl": table, "f": field, "cf": target_field, "v": version, "a": active},
    )


def test_unique_version_is_case_insensitive_on_source_table(env):
    registry = open_registry(env)
    registry.add_tenant("acme", {"stripe": {}}, actor="test")
    with registry.engine.begin() as connection:
        insert_mapping(connection, "acme", "Customers", "email", "name", 1, False)
    with pytest.raises(sa.exc.IntegrityError, match="uq_field_mappings_version"):
        with registry.engine.begin() as connection:
            insert_mapping(connection, "acme", "customers", "email", "name", 1, False)


def test_tenant_mapping_overrides_global_for_that_tenant_only(env):
    registry = open_registry(env)
    registry.add_tenant("acme", {"stripe": {}}, actor="test")
    registry.add_tenant("beta", {"stripe": {}}, actor="test")
    before = {(m.source_table, m.source_field): m for m in registry.active_mappings("acme")}
    assert before[("customers", "description")].canonical_field == "description"
    with registry.engine.begin() as connection:
        insert_mapping(connection, "acme", "customers", "description", "industry", 1, True)
    registry.invalidate("acme")
    acme = {(m.source_table, m.source_field): m for m in registry.active_mappings("acme")}
    beta = {(m.source_table, m.source_field): m for m in registry.active_mappings("beta")}
    assert acme[("customers", "description")].canonical_field == "industry"
    assert acme[("customers", "description")].tenant_id == "acme"
    assert beta[("customers", "description")].canonical_field == "description"
    assert len(acme) == len(before)


def test_add_tenant_is_audited_and_idempotent(env):
    registry = open_registry(env)
    assert registry.add_tenant("acme", {"stripe": {"endpoint": "sandbox"}}, actor="alice") is True
    assert registry.add_tenant("acme", {"stripe": {"endpoint": "sandbox"}}, actor="alice") is False
    assert registry.tenant_connectors("acme") == {"stripe": {"endpoint": "sandbox"}}
    assert (
        count(
            registry, "SELECT count(*) FROM audit_log WHERE tenant_id = 'acme' AND actor = 'alice'"
        )
        == 2
    )  # tenant.create + one connector upsert


@pytest.mark.parametrize("hostile", ["acme'; DROP TABLE tenants; --", "../etc", "A", "pg_x", ""])
def test_hostile_tenant_names_never_reach_sql(env, hostile):
    registry = open_registry(env)
    with pytest.raises(InvalidName):
        registry.add_tenant(hostile, {}, actor="test")
    assert count(registry, "SELECT count(*) FROM tenants") == 0


def test_unreachable_database_url_names_the_variable(tmp_path):
    settings = Settings(
        home=tmp_path,
        database_url="postgresql://u:secretpw@127.0.0.1:1/x",
        warehouse_url=None,
        redis_url=None,
        dagster_home=tmp_path,
        sandbox_url="http://127.0.0.1:1",
    )
    with pytest.raises(ServiceUnavailable) as raised:
        get_engine(settings)
    message = str(raised.value)
    assert message.startswith("cannot use DATABASE_URL=postgresql://u:***@127.0.0.1:1/x")
    assert "secretpw" not in message and "\n" not in message
