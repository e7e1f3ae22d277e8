"""A raw dataset's declared keys, as dlt stored them: foreign keys and primary keys.

dlt's sql_database reflects a database's foreign-key constraints into each table's
`references` hint (`resolve_foreign_keys`) and its primary key into the columns'
`primary_key` hint, as a connector spec's declared key does for an API's resource; every dlt
load keeps the schema it used in the dataset's `_dlt_version` table. The mapper reads them as
evidence: a declared foreign key is to the table it names, whatever the column is called
(`SourceField.references`), and a declared primary key is the table's own key, whatever it is
called (`SourceField.primary_key`). Evidence only: a version table or schema that cannot be
read is logged and skipped, never a failed run."""

from __future__ import annotations

import base64
import binascii
import json
import logging
import zlib
from collections import defaultdict
from dataclasses import dataclass, field
from typing import Any

from autonomos_pipelines.core.naming import quote_ident

VERSION_TABLE = "_dlt_version"
_COLUMNS = ("schema_name", "schema", "inserted_at", "version")
log = logging.getLogger(__name__)


@dataclass
class DeclaredKeys:
    """What the newest stored version of each dlt schema loaded into a dataset declares."""

    # (table, column) -> the table it is a declared foreign key to
    references: dict[tuple[str, str], str] = field(default_factory=dict)
    primary_keys: set[tuple[str, str]] = field(default_factory=set)  # (table, column)


def declared_keys(session: Any, schema: str) -> DeclaredKeys:
    """The foreign and primary keys the dlt schemas loaded into ``schema`` declare; none
    when dlt never loaded it."""
    found: dict[tuple[str, str], set[str]] = defaultdict(set)
    primary: set[tuple[str, str]] = set()
    for schema_name, text in _newest_versions(session, schema):
        try:
            stored = json.loads(_decompressed(text))
            keys = _primary_keys(stored)
            referencing: dict[tuple[str, str], set[str]] = defaultdict(set)
            _collect(stored, keys, referencing)
        except (ValueError, KeyError, TypeError, AttributeError) as error:
            log.warning("%s.%s: dlt schema %r unreadable, its keys skipped: %s",
                        schema, VERSION_TABLE, schema_name, error)  # fmt: skip
            continue
        for column, tables in referencing.items():
            found[column] |= tables
        primary |= keys
    # a column declared a key to two tables (a tenant column in composite keys) says nothing
    references = {key: next(iter(tables)) for key, tables in found.items() if len(tables) == 1}
    return DeclaredKeys(references, primary)


def _newest_versions(session: Any, schema: str) -> list[tuple[str, str]]:
    """(schema name, stored text) of the newest stored version of each dlt schema."""
    version_columns = session.columns(schema).get(VERSION_TABLE, {})
    if not all(column in version_columns for column in _COLUMNS):
        return []
    name, stored, inserted, version = (quote_ident(c) for c in _COLUMNS)
    return list(
        session.rows(
            f"SELECT {name}, {stored} FROM (SELECT {name}, {stored}, row_number() OVER "  # noqa: S608
            f"(PARTITION BY {name} ORDER BY {inserted} DESC, {version} DESC) AS newest "
            f"FROM {quote_ident(schema)}.{quote_ident(VERSION_TABLE)}) AS versions "
            "WHERE newest = 1"
        )
    )


def _collect(
    stored: dict, primary: set[tuple[str, str]], found: dict[tuple[str, str], set[str]]
) -> None:
    """Each table's referencing columns; in a composite key, not the columns of the table's
    own primary key (``primary``: `_primary_keys`; ``(tenant_id, account_id) -> accounts``:
    only ``account_id``)."""
    for table, hints in stored.get("tables", {}).items():
        for reference in hints.get("references") or []:
            columns = list(reference["columns"])
            for column in columns:
                if len(columns) > 1 and (table, column) in primary:
                    continue
                found[table, column].add(reference["referenced_table"])


def _primary_keys(stored: dict) -> set[tuple[str, str]]:
    """(table, column) of every column with dlt's `primary_key` hint."""
    return {
        (table, column)
        for table, hints in stored.get("tables", {}).items()
        for column, hint in (hints.get("columns") or {}).items()
        if hint.get("primary_key")
    }


def _decompressed(stored: str) -> str:
    """dlt stores a schema too long for the destination's text type zlib-compressed in base64."""
    try:
        return zlib.decompress(base64.b64decode(stored, validate=True)).decode("utf-8")
    except (binascii.Error, ValueError, zlib.error):
        return stored
