"""Row-level security on the registry (real Postgres): two tenants' rows in every
tenant-scoped table, written through the application's own stores; a tenant session's
deliberately unscoped queries see and change only its own rows, read the global baseline
and cannot write it. Plus the code contract that keeps every transaction scoped."""

from __future__ import annotations

import importlib.util
import re
from pathlib import Path

import pytest
import sqlalchemy as sa

from autonomos_pipelines.aam.drift.fingerprint import TableSchema
from autonomos_pipelines.aam.drift.store import SchemaStore
from autonomos_pipelines.aam.health import HealthStore
from autonomos_pipelines.core import database
from autonomos_pipelines.core.cadence import Cadences
from autonomos_pipelines.core.database import TENANT_ROLE, admin_session, tenant_session
from autonomos_pipelines.core.errors import ServiceUnavailable
from autonomos_pipelines.core.quotas import Quotas
from autonomos_pipelines.core.settings import Settings
from autonomos_pipelines.core.usage import UsageMeter
from autonomos_pipelines.core.vault.keyring import generate_key
from autonomos_pipelines.core.vault.store import SecretStore
from autonomos_pipelines.dcl.llm.ledger import PgUsageLedger
from autonomos_pipelines.dcl.matching.embeddings import default_embedder
from autonomos_pipelines.dcl.matching.vector_store import refresh_examples
from autonomos_pipelines.dcl.registry.bootstrap import open_registry
from autonomos_pipelines.dcl.registry.source_values import ObservedValues, record_values
from autonomos_pipelines.dcl.registry.store import ObservedField
from autonomos_pipelines.dcl.registry.value_refs import ValueRef
from autonomos_pipelines.dcl.registry.value_workflow import ValueWorkflow
from autonomos_pipelines.dcl.registry.value_writes import ValueProposal
from autonomos_pipelines.dcl.registry.workflow import FieldRef, Workflow
from autonomos_pipelines.dcl.unify.decisions import UnifyDecisions
from autonomos_pipelines.dcl.unify.model import RecordKey, ScoredPair
from autonomos_pipelines.dcl.unify.review_queue import ReviewQueue
from autonomos_pipelines.dcl.unify.settings import UnifySettings

PACKAGE = Path(__file__).parents[1] / "autonomos_pipelines"
_MIGRATION = PACKAGE / "core/migrations/versions/0008_row_level_security.py"
_spec = importlib.util.spec_from_file_location("rls_migration", _MIGRATION)
assert _spec and _spec.loader
rls_migration = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(rls_migration)

TENANTS = ("acme", "beta")
# tables added after 0008 enable their own row-level security
LATER_TENANT_TABLES = (
    "tenant_schedules", "unify_decisions", "unify_settings", "unify_review", "source_values",
)  # fmt: skip
LATER_BASELINE_TABLES = ("value_mappings",)
BASELINE_TABLES = (*rls_migration.BASELINE_TABLES, *LATER_BASELINE_TABLES)
ALL_TABLES = (*rls_migration.TENANT_TABLES, *LATER_TENANT_TABLES, *BASELINE_TABLES)


def deals(*columns: str) -> TableSchema:
    return TableSchema("deals", {c: {"type": "text", "nullable": True} for c in columns})


def write_everything(env, tenant: str) -> None:  # type: ignore[no-untyped-def]
    """One row or more per tenant-scoped table, through the stores the pipeline uses."""
    registry = open_registry(env)
    engine = registry.engine
    registry.add_tenant(tenant, {"pipedrive": {}}, "test")  # tenants, connectors, audit
    Workflow(registry).edit(
        FieldRef(tenant, "pipedrive", "deals", f"{tenant}_secret_field"), "opportunity.name",
        "none", "rita",
    )  # fmt: skip
    registry.record_source_fields(
        tenant, [ObservedField("pipedrive", "deals", f"{tenant}_secret_field", "text", None)]
    )
    assert PgUsageLedger(engine, monthly_quota=5).reserve(tenant)
    HealthStore(engine).record_failure(tenant, "pipedrive", "timeout")
    store = SchemaStore(engine)
    store.record(tenant, "pipedrive", {"deals": deals("id", "title")}, "observer")
    store.record(tenant, "pipedrive", {"deals": deals("id", "deal_title")}, "observer")
    SecretStore.for_settings(Settings.from_env()).set(
        tenant, "pipedrive", "api_token", f"{tenant}-tok", "t"
    )
    UsageMeter(engine).add(tenant, {"api_calls": 3})
    Quotas(engine).set(tenant, "llm_calls_per_month", 7, "test")
    Cadences(engine).set(tenant, "0 * * * *", "UTC", "test")
    refresh_examples(engine, default_embedder(), tenant)  # the tenant's vector namespace
    pair = (RecordKey("stripe", f"{tenant}_1"), RecordKey("hubspot", f"{tenant}_2"))
    UnifyDecisions(Workflow(registry)).decide(tenant, "account", pair, "same", "rita")
    UnifySettings(Workflow(registry)).set(tenant, "account", "rita", upper=0.9)
    ReviewQueue(engine).replace(tenant, "contact", (ScoredPair(*pair, 0.7, {"email": "exact"}),))
    value = ValueRef(FieldRef(tenant, "pipedrive", "deals", "status"), f"{tenant}_secret_value")
    ValueWorkflow(Workflow(registry)).propose_many(
        [ValueProposal(value, "ticket", "status", "open", 0.7, "rag")], "test"
    )
    record_values(engine, tenant, [ObservedValues("pipedrive", "deals", "status",
                                                  ((value.source_value, 1),))])  # fmt: skip


@pytest.fixture
def registry(env, monkeypatch):  # type: ignore[no-untyped-def]
    monkeypatch.setenv("AUTONOMOS_SECRET_KEY", generate_key())
    registry = open_registry(env)
    Workflow(registry).set_role("rita", "admin", "rita")
    for tenant in TENANTS:
        write_everything(env, tenant)
    return registry


def tenants_seen(db, table: str) -> set[str | None]:  # type: ignore[no-untyped-def]
    return set(db.execute(sa.text(f"SELECT DISTINCT tenant_id FROM {table}")).scalars())  # noqa: S608


def assert_refused(engine, tenant: str, statement: str) -> None:  # type: ignore[no-untyped-def]
    """The statement, run in the tenant's session, is refused by a row-level policy."""
    with pytest.raises(sa.exc.ProgrammingError, match="row-level security"):
        with tenant_session(engine, tenant) as db:
            db.execute(sa.text(statement))


def test_every_table_with_a_tenant_column_has_row_level_security(env):
    engine = open_registry(env).engine
    with admin_session(engine) as db:
        tables = set(
            db.execute(
                sa.text(
                    "SELECT c.relname FROM pg_class c JOIN pg_attribute a ON a.attrelid = c.oid "
                    "WHERE c.relkind = 'r' AND a.attname = 'tenant_id' "
                    "AND c.relnamespace = 'public'::regnamespace AND NOT c.relrowsecurity"
                )
            ).scalars()
        )
    assert tables == set(), f"tenant-scoped tables without row-level security: {tables}"


@pytest.mark.parametrize("table", ALL_TABLES)
def test_an_unscoped_query_returns_nothing_foreign(registry, table):
    with admin_session(registry.engine) as db:
        assert set(TENANTS) <= tenants_seen(db, table)  # both tenants really have rows
    with tenant_session(registry.engine, "beta") as db:
        assert tenants_seen(db, table) - {None} == {"beta"}
        if table not in BASELINE_TABLES:
            assert None not in tenants_seen(db, table)


def test_the_global_baseline_is_readable_by_all_writable_by_none(registry):
    with tenant_session(registry.engine, "beta") as db:
        baseline = db.execute(
            sa.text("SELECT count(*) FROM field_mappings WHERE tenant_id IS NULL")
        ).scalar_one()
        changed = db.execute(
            sa.text("UPDATE field_mappings SET reason = 'hijacked' WHERE tenant_id IS NULL")
        ).rowcount
        dropped = db.execute(sa.text("DELETE FROM dcl_examples WHERE tenant_id IS NULL")).rowcount
    assert baseline > 100 and changed == 0 and dropped == 0
    assert_refused(
        registry.engine,
        "beta",
        "INSERT INTO field_mappings (tenant_id, connector, source_table, source_field, method, "
        "status, version, created_by) "
        "VALUES (NULL, 'pipedrive', 'deals', 'x', 'manual', 'active', 99, 'beta')",
    )


def test_a_tenant_cannot_write_or_change_another_tenants_rows(registry):
    with tenant_session(registry.engine, "beta") as db:
        assert db.execute(sa.text("DELETE FROM tenant_secrets")).rowcount == 1  # beta's own
        assert db.execute(sa.text("UPDATE tenant_quotas SET quota_limit = 0")).rowcount == 1
        assert db.execute(sa.text("DELETE FROM field_mappings")).rowcount >= 1
    with admin_session(registry.engine) as db:
        assert tenants_seen(db, "tenant_secrets") == {"acme"}
        acme_limit = db.execute(
            sa.text("SELECT quota_limit FROM tenant_quotas WHERE tenant_id = 'acme'")
        ).scalar_one()
        assert acme_limit == 7
        assert db.execute(
            sa.text("SELECT count(*) FROM field_mappings WHERE tenant_id = 'acme'")
        ).scalar_one()
    assert_refused(
        registry.engine,
        "beta",
        "INSERT INTO tenant_usage (tenant_id, hour, metric, amount) "
        "VALUES ('acme', now(), 'api_calls', 1e9)",
    )


def test_the_tenant_role_without_a_tenant_sees_nothing(registry):
    with admin_session(registry.engine) as db:
        db.execute(sa.text(f"SET LOCAL ROLE {TENANT_ROLE}"))
        assert db.execute(sa.text("SELECT count(*) FROM tenant_secrets")).scalar_one() == 0
        assert db.execute(sa.text("SELECT count(*) FROM tenants")).scalar_one() == 0
        # sessions end with the transaction: the pooled connection is admin again
    with admin_session(registry.engine) as db:
        assert db.execute(sa.text("SELECT count(*) FROM tenants")).scalar_one() == 2


def test_a_registry_without_the_tenant_role_says_what_to_do(env, monkeypatch):
    engine = open_registry(env).engine
    missing = "SELECT set_config('role', 'autonomos_no_such_role', true), :t"
    monkeypatch.setattr(database, "_ENTER_TENANT", sa.text(missing))
    with pytest.raises(ServiceUnavailable, match="not migrated"):
        with tenant_session(engine, "acme"):
            pass


def test_store_reads_of_one_tenant_show_nothing_of_the_other(registry):
    store = SchemaStore(registry.engine)
    acme_event = store.events(tenant_id="acme")[0]
    with pytest.raises(sa.exc.NoResultFound):
        store.event(acme_event.id, "beta")  # right id, wrong tenant: not found
    assert [e.tenant_id for e in store.events(tenant_id="beta")] == ["beta"]
    assert {m.source_field for m in registry.active_mappings("beta")} >= {"beta_secret_field"}
    assert "acme_secret_field" not in {m.source_field for m in registry.active_mappings("beta")}


# the contract that makes this hold for code written later -------------------------------------
# admin sessions: cross-tenant by nature, each one deliberate
ADMIN_MODULES = {
    "autonomos_pipelines/core/database.py",  # defines the sessions
    "autonomos_pipelines/dcl/registry/baseline.py",  # loads the global baseline
    "autonomos_pipelines/dcl/registry/store.py",  # lists tenants (the sensor, the CLI)
    "autonomos_pipelines/dcl/matching/vector_store.py",  # corpus sizes across namespaces
    "autonomos_pipelines/dcl/registry/roles.py",  # users' roles
    "autonomos_pipelines/dcl/registry/mapping_reads.py",  # which tenant a mapping id is of
    "autonomos_pipelines/dcl/registry/identity.py",  # users, tokens, acting on behalf
    "autonomos_pipelines/core/vault/store.py",  # key rotation re-seals every tenant's secrets
    "autonomos_pipelines/core/cadence.py",  # every tenant's refresh cadence (the sensors)
    "autonomos_pipelines/core/metrics/timeboxed.py",  # a scrape's gauges read every tenant
}
SHIPPED = ("autonomos_pipelines", "mapping_assets", "quality_checks", "resources")


def python_sources() -> dict[str, str]:
    """Every shipped module but the migrations (which run as the tables' owner)."""
    root = PACKAGE.parent
    return {
        str(path.relative_to(root)): path.read_text()
        for package in SHIPPED
        for path in (root / package).rglob("*.py")
        if "migrations" not in path.parts
    }


def test_every_registry_transaction_goes_through_a_session():
    raw = re.compile(r"\bengine\.(begin|connect)\(\)")
    offenders = [
        name
        for name, text in python_sources().items()
        if raw.search(text)
        and name
        not in ("autonomos_pipelines/core/database.py", "autonomos_pipelines/core/migrate.py")
    ]
    assert offenders == []
    assert "quality_checks/review_gate.py" in python_sources()  # the scan covers every package


def test_admin_sessions_are_opened_only_where_listed():
    opened = {name for name, text in python_sources().items() if "admin_session(" in text}
    assert opened == ADMIN_MODULES
