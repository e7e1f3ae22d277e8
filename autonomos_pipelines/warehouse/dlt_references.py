"""A raw dataset's declared foreign keys, as dlt stored them.

dlt's sql_database reflects a database's foreign-key constraints into each table's
`references` hint (`resolve_foreign_keys`), and every dlt load keeps the schema it used in
the dataset's `_dlt_version` table. The mapper reads them as evidence: a declared key is to
the table it names, whatever the column is called (`SourceField.references`). Evidence only:
a version table or schema that cannot be read is logged and skipped, never a failed run."""

from __future__ import annotations

import base64
import binascii
import json
import logging
import zlib
from collections import defaultdict
from typing import Any

from autonomos_pipelines.core.naming import quote_ident

VERSION_TABLE = "_dlt_version"
_COLUMNS = ("schema_name", "schema", "inserted_at", "version")
log = logging.getLogger(__name__)


def declared_references(session: Any, schema: str) -> dict[tuple[str, str], str]:
    """(table, column) -> the table it is a declared foreign key to, from the newest stored
    version of each dlt schema loaded into ``schema``; empty when dlt never loaded it."""
    version_columns = session.columns(schema).get(VERSION_TABLE, {})
    if not all(column in version_columns for column in _COLUMNS):
        return {}
    name, stored, inserted, version = (quote_ident(c) for c in _COLUMNS)
    rows = session.rows(
        f"SELECT {name}, {stored} FROM (SELECT {name}, {stored}, row_number() OVER "  # noqa: S608
        f"(PARTITION BY {name} ORDER BY {inserted} DESC, {version} DESC) AS newest "
        f"FROM {quote_ident(schema)}.{quote_ident(VERSION_TABLE)}) AS versions WHERE newest = 1"
    )
    found: dict[tuple[str, str], set[str]] = defaultdict(set)
    for schema_name, text in rows:
        try:
            _collect(json.loads(_decompressed(text)), found)
        except (ValueError, KeyError, TypeError, AttributeError) as error:
            log.warning("%s.%s: dlt schema %r unreadable, its references skipped: %s",
                        schema, VERSION_TABLE, schema_name, error)  # fmt: skip
    # a column declared a key to two tables (a tenant column in composite keys) says nothing
    return {key: next(iter(tables)) for key, tables in found.items() if len(tables) == 1}


def _collect(stored: dict, found: dict[tuple[str, str], set[str]]) -> None:
    """Each table's referencing columns; in a composite key, not the columns of the table's
    own primary key (``(tenant_id, account_id) -> accounts``: only ``account_id``)."""
    for table, hints in stored.get("tables", {}).items():
        own_key = {c for c, h in (hints.get("columns") or {}).items() if h.get("primary_key")}
        for reference in hints.get("references") or []:
            columns = list(reference["columns"])
            for column in columns:
                if len(columns) > 1 and column in own_key:
                    continue
                found[table, column].add(reference["referenced_table"])


def _decompressed(stored: str) -> str:
    """dlt stores a schema too long for the destination's text type zlib-compressed in base64."""
    try:
        return zlib.decompress(base64.b64decode(stored, validate=True)).decode("utf-8")
    except (binascii.Error, ValueError, zlib.error):
        return stored
