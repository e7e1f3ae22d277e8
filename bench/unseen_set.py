"""Labelled fields of SaaS systems we ship no connector for (bench/data/unseen_systems.jsonl):
real field names, types, descriptions and sample values from each system's public API
reference, labelled against the canonical model (null: no counterpart). `checked` names the
public schema a row's field name was verified against (null: from the API reference only)."""

from __future__ import annotations

import json
from pathlib import Path

from autonomos_pipelines.dcl.matching.source_field import SourceField
from autonomos_pipelines.dcl.model.canonical_model import has_field

FILE = Path(__file__).parent / "data" / "unseen_systems.jsonl"


def load(path: Path = FILE) -> list[dict]:
    """The rows; a gold that is not a canonical field is an error naming its line."""
    rows = []
    for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
        row = json.loads(line)
        gold = row.get("gold")
        if gold is not None and not has_field(*gold.split(".", 1)):
            raise ValueError(f"{path}:{number}: gold {gold!r} is not a canonical field")
        rows.append(row)
    return rows


def source_field(row: dict) -> SourceField:
    return SourceField(
        row["source_system"], row["source_entity"], row["field"], row.get("type"),
        row.get("description"), None, tuple(str(s) for s in row.get("samples") or ()),
    )  # fmt: skip
