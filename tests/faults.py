"""What the fault-injection tests and the soak benchmark share: the tenant's warehouse counted
(rows, and rows beyond their distinct keys), `autonomos materialize` as a process that can be
killed at a stage it announces, and a PostgreSQL that can be stopped and started again."""

from __future__ import annotations

import os
import re
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

import duckdb

CLI = [sys.executable, "-m", "autonomos_pipelines.cli"]
# What makes a row itself: the source's id for top-level tables, the parent and list position
# for dlt's child tables, the source record for canonical rows.
CANONICAL_KEY = "_source_connector, _source_table, _source_record_id"
CHILD_KEY = "_dlt_parent_id, _dlt_list_idx"


def data_tables(db: duckdb.DuckDBPyConnection) -> list[tuple[str, str, set[str]]]:
    """(schema, table, columns) of every raw and canonical table, dlt's bookkeeping left out."""
    found: dict[tuple[str, str], set[str]] = {}
    for schema, table, column in db.execute(
        "SELECT table_schema, table_name, column_name FROM information_schema.columns"
    ).fetchall():
        if (schema.startswith("raw_") or schema == "canonical") and not table.startswith("_dlt"):
            found.setdefault((schema, table), set()).add(column)
    return [(schema, table, columns) for (schema, table), columns in sorted(found.items())]


def row_key(schema: str, columns: set[str]) -> str:
    if schema == "canonical":
        return CANONICAL_KEY
    return CHILD_KEY if "_dlt_parent_id" in columns else '"id"'


def warehouse_counts(path: Path) -> tuple[dict[str, int], dict[str, int]]:
    """({schema.table: rows}, {schema.table: rows beyond the distinct keys}) of a tenant."""
    rows, duplicated = {}, {}
    with duckdb.connect(str(path), read_only=True) as db:
        for schema, table, columns in data_tables(db):
            name = f'"{schema}"."{table}"'
            total, distinct = db.execute(
                f"SELECT count(*), count(DISTINCT ({row_key(schema, columns)})) FROM {name}"
            ).fetchone()  # type: ignore[misc]
            rows[f"{schema}.{table}"], duplicated[f"{schema}.{table}"] = total, total - distinct
    return rows, duplicated


_RUN_LOG = re.compile(r"log: (\S+\.log)\)")  # `materialize` names its run log first


class Materialize:
    """`autonomos materialize TENANT` in its own process group; its log lines are collected
    as they come, so a test can act at the moment a step starts."""

    def __init__(self, tenant: str, env: dict[str, str] | None = None) -> None:
        self.lines: list[str] = []
        self.process = subprocess.Popen(
            [*CLI, "materialize", tenant],
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
            env=env or dict(os.environ),
            start_new_session=True,  # kill -9 takes anything it started with it
        )
        self._reader = threading.Thread(target=self._read, daemon=True)
        self._reader.start()

    def _read(self) -> None:
        assert self.process.stdout is not None
        for line in self.process.stdout:
            self.lines.append(line)

    def wait_for(self, text: str, timeout: float = 180) -> None:
        """Block until `text` was printed or logged (fails if the run ended first)."""
        deadline = time.monotonic() + timeout
        while text not in self.output:
            if self.process.poll() is not None and not self._reader.is_alive():
                raise AssertionError(f"the run ended before {text!r}:\n{self.output[-3000:]}")
            if time.monotonic() > deadline:
                raise AssertionError(f"no {text!r} within {timeout} s")
            time.sleep(0.02)

    def kill(self) -> None:
        """kill -9, as the OOM killer or a power cut would."""
        os.killpg(self.process.pid, signal.SIGKILL)
        self.process.wait(30)

    def finish(self, timeout: float = 300) -> int:
        code = self.process.wait(timeout)
        self._reader.join(10)
        return code

    @property
    def output(self) -> str:
        """What it printed, then its run log (Dagster's events go there, not to the terminal)."""
        printed = "".join(self.lines)
        named = _RUN_LOG.search(printed)
        log = Path(named.group(1)) if named else None
        return printed + (log.read_text(errors="replace") if log and log.exists() else "")


def step_started(step: str) -> str:
    """The log line Dagster writes when a step starts."""
    return f"{step} - STEP_START"


def stop_postgres(server) -> None:  # type: ignore[no-untyped-def]
    """An immediate stop of a pgserver: every connection drops, as in a crash."""
    from pgserver._commands import pg_ctl

    pg_ctl(["-w", "-m", "immediate", "stop"], pgdata=server.pgdata, user=server.system_user)


def start_postgres(server) -> None:  # type: ignore[no-untyped-def]
    """Start a stopped pgserver again on the same data directory and socket."""
    server.ensure_postgres_running()
