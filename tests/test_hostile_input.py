"""Hostile names, fuzzed (hypothesis): tenant and connector names are validated before they
reach a file path, SQL or a Redis key; source field names and values that look like SQL or
paths travel through the whole pipeline — sandbox API, dlt load into the tenant's DuckDB,
the DCL's mapping run and the registry, the canonical build — and come out stored as data.
Real sandbox HTTP API, DuckDB, Postgres and Dagster."""

from __future__ import annotations

import duckdb
import pytest
import sqlalchemy as sa
from dagster import AssetKey, AssetRecordsFilter, instance_for_test
from dlt.common.normalizers.naming.snake_case import NamingConvention
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from autonomos_pipelines.aam.adapters.key_collisions import KeyCollisions
from autonomos_pipelines.aam.http.rate_limit import bucket_key
from autonomos_pipelines.core.cache import PREFIX as CACHE_PREFIX
from autonomos_pipelines.core.cache import cache_key
from autonomos_pipelines.core.database import admin_session
from autonomos_pipelines.core.errors import InvalidName
from autonomos_pipelines.core.naming import quote_ident, validate_connector_name
from autonomos_pipelines.core.tenant_id import TenantId
from autonomos_pipelines.dcl.registry.bootstrap import open_registry
from autonomos_pipelines.operations.onboarding import onboard_tenant
from autonomos_pipelines.operations.runs import run_tenant
from autonomos_pipelines.sandbox.definitions import sandbox_definitions

HOSTILE = [
    'x"; DROP TABLE tenants; --',
    "../../etc/passwd",
    "Robert'); DROP TABLE field_mappings;--",
    "$(rm -rf /)",
    "a/b\\c:d*e?f",
    "%s%n{0}",
    "x' OR '1'='1",
    "名前",
]
any_text = st.text(st.characters(blacklist_categories=("Cs",)), min_size=0, max_size=50)
names = st.one_of(st.sampled_from(HOSTILE), any_text)
fuzz = settings(deadline=None, derandomize=True, database=None)


@fuzz
@given(names)
@example("acme; DROP TABLE tenants")
@example("../acme")
@example("acme\n")
def test_a_tenant_name_is_either_refused_or_safe_everywhere(tmp_path_factory, name):
    try:
        tenant = TenantId(name)
    except InvalidName as refused:
        assert repr(name) in str(refused)  # the error names the offending value
        return
    assert tenant.isascii() and tenant.replace("_", "").isalnum() and tenant[0].isalpha()
    # one key segment, no ":"
    assert cache_key(tenant, "x").removeprefix(CACHE_PREFIX + ":").split(":")[0] == tenant
    assert bucket_key(tenant, "stripe").split(":")[1] == tenant
    validate_connector_name(tenant)


@fuzz
@given(st.lists(names, min_size=1, max_size=6))
def test_any_source_field_name_round_trips_through_quoted_sql(names_in_table):
    """Source names are never validated away: quoted, they are stored exactly as given."""
    columns = list(dict.fromkeys(n for n in names_in_table if n and "\x00" not in n))
    if not columns:
        return
    with duckdb.connect() as db:
        body = ", ".join(f"{quote_ident(c)} VARCHAR" for c in columns)
        db.execute(f"CREATE TABLE {quote_ident(columns[0])} ({body})")
        db.execute(
            f"INSERT INTO {quote_ident(columns[0])} VALUES ({', '.join('?' for _ in columns)})",
            columns,
        )
        stored = [row[0] for row in db.execute(f"DESCRIBE {quote_ident(columns[0])}").fetchall()]
        values = db.execute(f"SELECT * FROM {quote_ident(columns[0])}").fetchone()
    assert stored == columns and list(values or ()) == columns


def normalized(name: str) -> str | None:
    """The column name dlt gives a payload key (None: dlt cannot name it)."""
    try:
        return NamingConvention().normalize_identifier(name)
    except ValueError:
        return None


def deal_keys(pristine) -> set[str]:  # type: ignore[no-untyped-def]
    return {key for deal in pristine.apis["pipedrive"].data["deals"] for key in deal}


@pytest.mark.e2e
@settings(
    deadline=None,
    derandomize=True,
    database=None,
    max_examples=3,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(
    fields=st.lists(names, min_size=1, max_size=4, unique=True),
    value=st.sampled_from(HOSTILE),
)
@example(fields=HOSTILE[:4], value=HOSTILE[2])
@example(fields=["   ", "名前", "日本", "Title", "_dlt_id"], value="../../etc/passwd")
def test_hostile_payload_names_and_values_travel_the_whole_pipeline(env, pristine, fields, value):
    # names that fold into one column (with each other, with the API's own fields, with
    # dlt's _dlt_id) included: every value must still land, each in a column of its own
    fields = [f for f in fields if f not in deal_keys(pristine)]
    if not fields:
        return
    values = {field: f"{value}#{i}" for i, field in enumerate(fields)}
    for deal in pristine.apis["pipedrive"].data["deals"]:
        deal.update(values)
    with instance_for_test() as instance:
        registry = open_registry(env)
        onboard_tenant("fuzz", ["pipedrive"], {}, registry, instance, "t")
        summary = run_tenant(sandbox_definitions(), "fuzz", ["pipedrive"], instance, env)
        shown = instance.fetch_materializations(
            AssetRecordsFilter(asset_key=AssetKey(["raw", "pipedrive", "deals"]),
                               asset_partitions=["fuzz"]), limit=1,
        ).records[0].asset_materialization.metadata  # fmt: skip
    assert summary.success, summary
    expected = KeyCollisions()
    expected(dict(pristine.apis["pipedrive"].data["deals"][0]))
    assert shown["keys_renamed"].value == len(expected.renamed)  # the UI says what it did
    warehouse = env.warehouse_dir / "fuzz.duckdb"
    with duckdb.connect(str(warehouse), read_only=True) as db:
        stored = {
            column: {row[0] for row in db.execute(
                f"SELECT DISTINCT {quote_ident(column)}::VARCHAR FROM raw_pipedrive.deals "
                f"WHERE {quote_ident(column)} IS NOT NULL"
            ).fetchall()}
            for (column,) in db.execute(
                "SELECT column_name FROM information_schema.columns "
                "WHERE table_schema = 'raw_pipedrive' AND table_name = 'deals'"
            ).fetchall()
        }  # fmt: skip
        assert db.execute("SELECT count(*) FROM canonical.opportunity").fetchone()[0] > 0  # type: ignore[index]
    for field, sent in values.items():  # one column holds exactly this field's value
        assert {sent} in stored.values(), field
    assert sorted(p.name for p in env.warehouse_dir.iterdir() if p.suffix == ".duckdb") == [
        "fuzz.duckdb"
    ]
    with admin_session(registry.engine) as db:
        seen = set(
            db.execute(
                sa.text(
                    "SELECT source_field FROM source_fields WHERE tenant_id = 'fuzz' "
                    "AND connector = 'pipedrive' AND source_table = 'deals'"
                )
            ).scalars()
        )
        tables = db.execute(sa.text("SELECT count(*) FROM tenants")).scalar_one()
    assert {c for c in stored if not c.startswith("_dlt")} <= seen and tables == 1
    for deal in pristine.apis["pipedrive"].data["deals"]:  # the next example starts clean
        for field in fields:
            deal.pop(field, None)
