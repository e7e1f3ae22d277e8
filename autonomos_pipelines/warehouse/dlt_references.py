"""A raw dataset's declared foreign keys, as dlt stored them.

dlt's sql_database reflects a database's foreign-key constraints into each table's
`references` hint (`resolve_foreign_keys`), and every dlt load keeps the schema it used in
the dataset's `_dlt_version` table. The mapper reads them as evidence: a declared key is to
the table it names, whatever the column is called (`SourceField.references`)."""

from __future__ import annotations

import base64
import binascii
import json
import zlib
from typing import Any

from autonomos_pipelines.core.naming import quote_ident

VERSION_TABLE = "_dlt_version"


def declared_references(session: Any, schema: str) -> dict[tuple[str, str], str]:
    """(table, column) -> the table it is a declared foreign key to, from the newest stored
    version of each dlt schema loaded into ``schema``; empty when dlt never loaded it."""
    if VERSION_TABLE not in session.columns(schema):
        return {}
    newest: dict[str, str] = {}
    for name, stored in session.rows(
        f"SELECT schema_name, schema FROM {quote_ident(schema)}.{quote_ident(VERSION_TABLE)} "  # noqa: S608
        "ORDER BY inserted_at"
    ):
        newest[name] = stored  # later versions replace earlier ones
    found: dict[tuple[str, str], str] = {}
    for stored in newest.values():
        for table, hints in json.loads(_decompressed(stored)).get("tables", {}).items():
            for reference in hints.get("references") or []:
                for column in reference.get("columns", []):
                    found[table, column] = reference["referenced_table"]
    return found


def _decompressed(stored: str) -> str:
    """dlt stores a schema too long for the destination's text type zlib-compressed in base64."""
    try:
        return zlib.decompress(base64.b64decode(stored, validate=True)).decode("utf-8")
    except (binascii.Error, ValueError, zlib.error):
        return stored
