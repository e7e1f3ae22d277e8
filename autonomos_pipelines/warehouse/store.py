"""The tenant's warehouse: one DuckDB file per tenant, or per-tenant schemas in PostgreSQL.

DuckDB allows one writing process per file, which is why each tenant has its own file and
runs are limited to one per tenant.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

import pandas as pd

from autonomos_pipelines.core.database import warehouse_url
from autonomos_pipelines.core.errors import ServiceUnavailable
from autonomos_pipelines.core.naming import quote_ident, validate_connector_name
from autonomos_pipelines.core.settings import Settings
from autonomos_pipelines.core.tenant_id import TenantId
from autonomos_pipelines.warehouse.dialects import Dialect, DuckDbDialect, PostgresDialect


class WarehouseSession:
    """A DB-API connection with the few operations the pipeline needs."""

    def __init__(self, connection: Any, dialect: Dialect) -> None:
        self.connection = connection
        self.dialect = dialect

    def _run(self, sql: str, params: tuple | None) -> Any:
        # Both duckdb and psycopg 3 connections execute directly (a duckdb cursor() would be
        # a second connection outside this transaction). params=None: no placeholder parsing.
        return self.connection.execute(sql, params or None)

    def execute(self, sql: str, params: tuple | None = None) -> None:
        self._run(sql, params)

    def rows(self, sql: str, params: tuple | None = None) -> list[tuple]:
        return list(self._run(sql, params).fetchall())

    def dataframe(self, sql: str) -> pd.DataFrame:
        result = self._run(sql, None)
        columns = [item[0] for item in result.description]
        return pd.DataFrame.from_records(result.fetchall(), columns=columns)

    def columns(self, schema: str) -> dict[str, dict[str, str]]:
        """{table: {column: data_type}} for the tables of one schema, in column order."""
        found: dict[str, dict[str, str]] = {}
        for table, column, data_type in self.rows(
            "SELECT table_name, column_name, data_type FROM information_schema.columns "
            "WHERE table_schema = %s ORDER BY table_name, ordinal_position"
            if self.dialect.name == "postgres"
            else "SELECT table_name, column_name, data_type FROM information_schema.columns "
            "WHERE table_schema = ? ORDER BY table_name, ordinal_position",
            (schema,),
        ):
            found.setdefault(table, {})[column] = data_type
        return found

    def ensure_schema(self, schema: str) -> None:
        """CREATE SCHEMA IF NOT EXISTS, safe when steps of one run build a tenant's tables at
        the same moment (PostgreSQL: the loser of that race gets a unique violation)."""
        create = f"CREATE SCHEMA IF NOT EXISTS {quote_ident(schema)}"
        if self.dialect.name != "postgres":
            self.execute(create)
            return
        import psycopg

        try:
            with self.connection.transaction():  # a savepoint: the race leaves no failed tx
                self.execute(create)
        except psycopg.errors.UniqueViolation:
            pass  # the other step created it and committed: it exists

    def replace_table(self, schema: str, table: str, select_sql: str) -> int:
        """Atomically replace schema.table with the result of select_sql; returns row count."""
        target = f"{quote_ident(schema)}.{quote_ident(table)}"
        self.ensure_schema(schema)
        if self.dialect.name == "duckdb":
            self.execute(f"CREATE OR REPLACE TABLE {target} AS {select_sql}")
        else:
            self.execute(f"DROP TABLE IF EXISTS {target}")
            self.execute(f"CREATE TABLE {target} AS {select_sql}")
        return int(self.rows(f"SELECT count(*) FROM {target}")[0][0])  # noqa: S608

    def replace_from_frame(self, schema: str, table: str, frame: pd.DataFrame) -> int:
        """Replace schema.table with ``frame``'s rows (columns as text, numbers as double)."""
        self.ensure_schema(schema)
        target = f"{quote_ident(schema)}.{quote_ident(table)}"
        if self.dialect.name == "duckdb":
            self.connection.register("_frame_to_write", frame)
            try:
                self.execute(f"CREATE OR REPLACE TABLE {target} AS SELECT * FROM _frame_to_write")  # noqa: S608
            finally:
                self.connection.unregister("_frame_to_write")
            return len(frame)
        columns = ", ".join(
            f"{quote_ident(str(c))} "
            f"{'DOUBLE PRECISION' if pd.api.types.is_float_dtype(frame[c]) else 'TEXT'}"
            for c in frame.columns
        )
        self.execute(f"DROP TABLE IF EXISTS {target}")
        self.execute(f"CREATE TABLE {target} ({columns})")
        if len(frame):
            marks = ", ".join(["%s"] * len(frame.columns))
            rows = [
                tuple(None if pd.isna(v) else v for v in row)
                for row in frame.itertuples(index=False)
            ]
            with self.connection.cursor() as cursor:
                cursor.executemany(f"INSERT INTO {target} VALUES ({marks})", rows)  # noqa: S608
        return len(frame)

    def has_table(self, schema: str, table: str) -> bool:
        return table in self.columns(schema)


@dataclass(frozen=True)
class Warehouse:
    settings: Settings

    @property
    def is_postgres(self) -> bool:
        return self.settings.warehouse_url is not None

    @property
    def url(self) -> str | None:
        """The PostgreSQL warehouse's URL (``embedded`` resolved), None with DuckDB."""
        return warehouse_url(self.settings)

    @property
    def dialect(self) -> Dialect:
        return PostgresDialect() if self.is_postgres else DuckDbDialect()

    def duckdb_path(self, tenant_id: TenantId):
        return self.settings.warehouse_dir / f"{tenant_id}.duckdb"

    def raw_schema(self, tenant_id: TenantId, connector: str) -> str:
        validate_connector_name(connector)
        return f"{tenant_id}__raw_{connector}" if self.is_postgres else f"raw_{connector}"

    def canonical_schema(self, tenant_id: TenantId) -> str:
        return f"{tenant_id}__canonical" if self.is_postgres else "canonical"

    def unified_schema(self, tenant_id: TenantId) -> str:
        """Crosswalks, golden records and the linked views of entity unification."""
        return f"{tenant_id}__unified" if self.is_postgres else "unified"

    def dlt_destination(self, tenant_id: TenantId) -> Any:
        import dlt

        if self.is_postgres:
            # Keep "<tenant>__raw_<connector>" as given: dlt would collapse the "__".
            return dlt.destinations.postgres(
                credentials=self._dlt_postgres_credentials(),
                enable_dataset_name_normalization=False,
            )
        self.settings.warehouse_dir.mkdir(parents=True, exist_ok=True)
        return dlt.destinations.duckdb(str(self.duckdb_path(tenant_id)))

    def _dlt_postgres_credentials(self) -> str:
        """dlt's credential parser needs a host in the authority; a Unix-socket directory
        (pgserver) travels in the query and overrides it in libpq."""
        from urllib.parse import urlsplit, urlunsplit

        parts = urlsplit(str(self.url))
        if parts.hostname is None and "host=" in parts.query:
            parts = parts._replace(netloc=parts.netloc + "localhost")
        return urlunsplit(parts)

    @contextmanager
    def session(self, tenant_id: TenantId) -> Iterator[WarehouseSession]:
        """A transaction-scoped session on the tenant's warehouse (committed on success)."""
        connection = self._connect(tenant_id)
        try:
            yield WarehouseSession(connection, self.dialect)
            connection.commit()
        except BaseException:
            connection.rollback()
            raise
        finally:
            connection.close()

    def _connect(self, tenant_id: TenantId) -> Any:
        if self.is_postgres:
            import psycopg

            try:
                return psycopg.connect(str(self.url), connect_timeout=10)
            except psycopg.OperationalError as error:
                reason = str(error).strip().splitlines()[0]
                raise ServiceUnavailable(
                    "WAREHOUSE_URL", self.settings.warehouse_url, f"cannot connect: {reason}"
                ) from None
        import duckdb

        self.settings.warehouse_dir.mkdir(parents=True, exist_ok=True)
        connection = duckdb.connect(str(self.duckdb_path(tenant_id)))
        connection.begin()
        return connection
