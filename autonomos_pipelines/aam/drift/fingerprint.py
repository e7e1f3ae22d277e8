"""Table schemas as dlt infers them, their SHA-256 fingerprints, and classified diffs.

A schema is taken from dlt's own inference (its normalised column names, data types,
nullability and parent tables for nested data), never re-derived here. The fingerprint is
SHA-256 over a canonical JSON form: sorted columns, dlt's bookkeeping columns left out.
"""

from __future__ import annotations

import difflib
import hashlib
import json
from dataclasses import dataclass, field
from typing import Any, Literal

ChangeKind = Literal["added", "removed", "type_changed", "renamed_suspected"]
DLT_COLUMNS = frozenset(
    {"_dlt_id", "_dlt_load_id", "_dlt_parent_id", "_dlt_list_idx", "_dlt_root_id"}
)


@dataclass(frozen=True)
class TableSchema:
    table: str
    columns: dict[str, dict[str, Any]]  # name -> {"type": ..., "nullable": ...}
    parent: str | None = None
    # column -> short hashes of sampled values: evidence for renames, never part of the
    # fingerprint and never the values themselves
    value_hashes: dict[str, list[str]] = field(default_factory=dict, compare=False)

    def canonical(self) -> str:
        body = {
            "table": self.table,
            "parent": self.parent,
            "columns": {name: self.columns[name] for name in sorted(self.columns)},
        }
        return json.dumps(body, sort_keys=True, separators=(",", ":"))

    def stored(self) -> str:
        """What a snapshot keeps: the canonical form plus the value hashes."""
        return json.dumps({**json.loads(self.canonical()), "value_hashes": self.value_hashes})

    @property
    def fingerprint(self) -> str:
        return hashlib.sha256(self.canonical().encode()).hexdigest()


def from_dlt_table(table: dict[str, Any]) -> TableSchema:
    """A dlt schema table (``schema.tables[name]``) -> TableSchema."""
    columns = {
        name: {"type": column.get("data_type"), "nullable": column.get("nullable", True)}
        for name, column in table.get("columns", {}).items()
        if name not in DLT_COLUMNS and not name.startswith("_dlt_") and column.get("data_type")
    }
    return TableSchema(table["name"], columns, table.get("parent"))


def tables_of(dlt_schema: Any) -> dict[str, TableSchema]:
    """Every data table of a dlt Schema (dlt's own _dlt_* tables left out)."""
    return {
        name: from_dlt_table(table)
        for name, table in dlt_schema.tables.items()
        if not name.startswith("_dlt") and table.get("columns")
    }


@dataclass(frozen=True)
class Change:
    kind: ChangeKind
    column: str
    old_type: str | None = None
    new_type: str | None = None
    renamed_to: str | None = None
    evidence: dict[str, Any] = field(default_factory=dict)

    def as_dict(self) -> dict[str, Any]:
        return {k: v for k, v in vars(self).items() if v not in (None, {})}


def value_hash(value: Any) -> str:
    return hashlib.sha256(str(value).strip().lower().encode()).hexdigest()[:12]


def value_overlap(old: TableSchema, old_column: str, new: TableSchema, new_column: str) -> float:
    """Jaccard overlap of the sampled value hashes of two columns (0 when either has none)."""
    a, b = set(old.value_hashes.get(old_column, ())), set(new.value_hashes.get(new_column, ()))
    return len(a & b) / len(a | b) if a and b else 0.0


def name_similarity(a: str, b: str) -> float:
    return difflib.SequenceMatcher(None, a.lower(), b.lower()).ratio()


def diff(old: TableSchema, new: TableSchema) -> list[Change]:
    """Added, removed and retyped columns; a removed and an added column of the same type in
    the same table are reported once as a suspected rename (the DCL decides if it is one)."""
    removed = sorted(set(old.columns) - set(new.columns))
    added = sorted(set(new.columns) - set(old.columns))
    changes = [
        Change("type_changed", name, old.columns[name]["type"], new.columns[name]["type"])
        for name in sorted(set(old.columns) & set(new.columns))
        if old.columns[name]["type"] != new.columns[name]["type"]
    ]
    pairs = sorted(
        (
            (name_similarity(gone, came), gone, came)
            for gone in removed
            for came in added
            if old.columns[gone]["type"] == new.columns[came]["type"]
        ),
        reverse=True,
    )
    paired: set[str] = set()
    for similarity, gone, came in pairs:
        if gone in paired or came in paired:
            continue
        paired |= {gone, came}
        changes.append(
            Change(
                "renamed_suspected",
                gone,
                old.columns[gone]["type"],
                new.columns[came]["type"],
                renamed_to=came,
                evidence={
                    "name_similarity": round(similarity, 3),
                    "value_overlap": round(value_overlap(old, gone, new, came), 3),
                    # both columns had sampled values: an overlap of 0 then speaks against
                    "values_compared": bool(
                        old.value_hashes.get(gone) and new.value_hashes.get(came)
                    ),
                },
            )
        )
    changes += [Change("removed", n, old.columns[n]["type"]) for n in removed if n not in paired]
    changes += [Change("added", n, None, new.columns[n]["type"]) for n in added if n not in paired]
    return changes
