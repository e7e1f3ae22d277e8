"""Computed mappings that aggregate a nested list, at scale: the canonical SELECT of a
contacts table whose e-mail addresses are a dlt nested table (three per contact), with
`first(email.value, email.primary)`, `count(email.value)` and `joined(email.value)`, on DuckDB
and PostgreSQL. Each aggregate is one grouped join (compiler.Joins), so the time grows with
the rows, not rows x items. Run: ``python -m bench.nested_lists [--contacts 200000]``
(figures go to bench/results.md by hand)."""

from __future__ import annotations

import argparse
import shutil
import tempfile
import time
from pathlib import Path

from autonomos_pipelines.canonical.sql_builder import SourceTable, entity_select
from autonomos_pipelines.core.settings import Settings
from autonomos_pipelines.dcl.expressions.lists import nested_lists
from autonomos_pipelines.dcl.model.canonical_model import canonical_model
from autonomos_pipelines.dcl.registry.store import Mapping
from autonomos_pipelines.warehouse.store import Warehouse

EXPRESSIONS = {  # canonical field: expression on the contacts table
    "email": "coalesce(first(email.value, email.primary), first(email.value))",
    "department": "to_text(count(email.value))",
    "title": "joined(email.value)",
}
SERIES = {"duckdb": "range({n}) AS t(i)", "postgres": "generate_series(0, {n} - 1) AS t(i)"}
ITEMS = {"duckdb": "range(3) AS s(j)", "postgres": "generate_series(0, 2) AS s(j)"}


def mappings() -> list[Mapping]:
    rows = [Mapping(1, None, "crm", "contacts", "id", "contact", "contact_id", "none", 1.0,
                    "manual", "active", 1, None)]  # fmt: skip
    for n, (target, expression) in enumerate(EXPRESSIONS.items(), start=2):
        rows.append(Mapping(n, None, "crm", "contacts", target, "contact", target, "none", 1.0,
                            "manual", "active", 1, expression))  # fmt: skip
    return rows


def measure(store: Warehouse, contacts: int) -> dict[str, float]:
    name = store.dialect.name
    series, items = SERIES[name].format(n=contacts), ITEMS[name]
    with store.session("bench") as session:
        session.execute('CREATE SCHEMA IF NOT EXISTS "raw_crm"')
        session.execute(f"""CREATE TABLE "raw_crm".contacts AS
                            SELECT 'c' || i AS id, 'r' || i AS _dlt_id FROM {series}""")  # noqa: S608
        session.execute(f"""CREATE TABLE "raw_crm".contacts__email AS
                            SELECT 'e' || i || '_' || j AS value, j = 1 AS "primary",
                                   'r' || i AS _dlt_parent_id, CAST(j AS BIGINT) AS _dlt_list_idx,
                                   'x' || i || '_' || j AS _dlt_id
                              FROM {series}, {items}""")  # noqa: S608
        tables = session.columns("raw_crm")
    source = SourceTable("crm", "crm", "raw_crm", "contacts", tables["contacts"], "id",
                         mappings(), lists=nested_lists("contacts", tables))  # fmt: skip
    sql, _ = entity_select(canonical_model()["contact"], [source], "bench", store.dialect)
    started = time.perf_counter()
    with store.session("bench") as session:
        rows = session.replace_table(store.canonical_schema("bench"), "contact", sql)
    elapsed = time.perf_counter() - started
    assert rows == contacts, rows
    return {"seconds": elapsed, "rows_per_s": contacts / elapsed}


def warehouse(home: Path, url: str | None) -> Warehouse:
    return Warehouse(Settings(home=home, database_url=None, warehouse_url=url, redis_url=None,
                              dagster_home=home, sandbox_url="http://x"))  # fmt: skip


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--contacts", type=int, default=200_000)
    contacts = parser.parse_args().contacts
    import pgserver

    home = Path(tempfile.mkdtemp(prefix="apn"))
    server = pgserver.get_server(home / "pg", cleanup_mode="stop")
    try:
        for name, url in (("duckdb", None), ("postgres", server.get_uri())):
            found = measure(warehouse(home / name, url), contacts)
            print(f"{name}: {contacts:,} contacts x 3 e-mail addresses, 3 aggregates: "
                  f"{found['seconds']:.2f} s ({found['rows_per_s']:,.0f} rows/s)")  # fmt: skip
    finally:
        server.cleanup()
        shutil.rmtree(home, ignore_errors=True)


if __name__ == "__main__":
    main()
