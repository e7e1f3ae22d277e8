"""Hostile names, fuzzed (hypothesis): tenant and connector names are validated before they
reach a file path, SQL or a Redis key; source field names and values that look like SQL or
paths travel through the whole pipeline — sandbox API, dlt load into the tenant's DuckDB,
the DCL's mapping run and the registry, the canonical build — and come out stored as data.
Real sandbox HTTP API, DuckDB, Postgres and Dagster."""

from __future__ import annotations

import duckdb
import pytest
import sqlalchemy as sa
from dagster import instance_for_test
from dlt.common.normalizers.naming.snake_case import NamingConvention
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from autonomos_pipelines.aam.rate_limit import bucket_key
from autonomos_pipelines.cache import cache_key
from autonomos_pipelines.database import admin_session
from autonomos_pipelines.dcl.bootstrap import open_registry
from autonomos_pipelines.definitions import build_definitions
from autonomos_pipelines.errors import InvalidName
from autonomos_pipelines.naming import quote_ident, validate_connector_name, validate_tenant_id
from autonomos_pipelines.runner import run_tenant
from autonomos_pipelines.tenants import onboard_tenant

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
        tenant = validate_tenant_id(name)
    except InvalidName as refused:
        assert repr(name) in str(refused)  # the error names the offending value
        return
    assert tenant.isascii() and tenant.replace("_", "").isalnum() and tenant[0].isalpha()
    assert cache_key(tenant, "x").split(":")[1] == tenant  # one key segment, no ':'
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


def deal_fields(pristine) -> set[str]:  # type: ignore[no-untyped-def]
    return {normalized(key) for deal in pristine.apis["pipedrive"].data["deals"] for key in deal}


@pytest.mark.e2e
@settings(
    deadline=None,
    derandomize=True,
    database=None,
    max_examples=3,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(
    fields=st.lists(names, min_size=1, max_size=4, unique_by=lambda n: normalized(n) or ""),
    value=st.sampled_from(HOSTILE),
)
@example(fields=HOSTILE[:4], value=HOSTILE[2])
@example(fields=["   ", "名前"], value="../../etc/passwd")
def test_hostile_payload_names_and_values_travel_the_whole_pipeline(env, pristine, fields, value):
    # keys dlt cannot name (blank ones) ride along: they must not break the load
    taken = deal_fields(pristine) - {None}
    fields = [f for f in fields if normalized(f) not in taken]
    fields = [f for f in fields if not str(normalized(f)).startswith("_dlt")]
    if not fields:
        return
    for deal in pristine.apis["pipedrive"].data["deals"]:
        deal.update({field: value for field in fields})
    with instance_for_test() as instance:
        registry = open_registry(env)
        onboard_tenant("fuzz", ["pipedrive"], {}, registry, instance, env, "t")
        summary = run_tenant(build_definitions(), "fuzz", ["pipedrive"], instance, env)
    assert summary.success, summary
    columns = {normalized(f) for f in fields} - {None}
    warehouse = env.warehouse_dir / "fuzz.duckdb"
    with duckdb.connect(str(warehouse), read_only=True) as db:
        for column in columns:
            stored = db.execute(
                f"SELECT DISTINCT {quote_ident(column)} FROM raw_pipedrive.deals "  # type: ignore[arg-type]
                f"WHERE {quote_ident(column)} IS NOT NULL"  # type: ignore[arg-type]
            ).fetchall()
            assert stored == [(value,)], column
        assert db.execute("SELECT count(*) FROM canonical.opportunity").fetchone()[0] > 0  # type: ignore[index]
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
    assert columns <= seen and tables == 1
    for deal in pristine.apis["pipedrive"].data["deals"]:  # the next example starts clean
        for field in fields:
            deal.pop(field, None)
