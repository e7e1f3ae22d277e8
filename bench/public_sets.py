"""Loaders for the public schema-matching benchmarks in ../shared/bench/public (read-only)."""

from __future__ import annotations

import csv
import os
from dataclasses import dataclass
from pathlib import Path

import pandas as pd

from autonomos_pipelines.dcl.matching.source_field import SourceField
from autonomos_pipelines.dcl.matching.targets import Target, TargetSchema

PUBLIC = Path(
    os.environ.get(
        "AUTONOMOS_PUBLIC_BENCH", Path(__file__).resolve().parents[2] / "shared/bench/public"
    )
)


@dataclass(frozen=True)
class Case:
    field: SourceField
    gold: frozenset[str]  # empty: the field has no counterpart in the target


def _rows(path: Path) -> list[dict[str, str]]:
    with path.open(encoding="utf-8-sig", newline="") as handle:
        return list(csv.DictReader(handle))


def rematch() -> tuple[TargetSchema, list[Case]]:
    """ReMatch MIMIC-III -> OMOP: names, descriptions and types; gold 1:1 or NA."""
    folder = PUBLIC / "rematch_mimic3_omop"
    entities: dict[str, str] = {}
    targets = []
    for row in _rows(folder / "OMOP_Schema.csv"):
        if not row["ColumnName"].strip():  # a table's description alone: no target
            continue
        entity = row["TableName"].strip().lower()
        entities.setdefault(entity, row["TableDesc"].strip())
        targets.append(
            Target(
                entity,
                row["ColumnName"].strip().lower(),
                row["ColumnType"].strip(),
                row["ColumnDesc"].strip(),
                entities[entity],
            )
        )
    schema = TargetSchema(tuple(targets), entities)
    sources = {
        (row["TableName"].strip().upper(), row["ColumnName"].strip().upper()): row
        for row in _rows(folder / "MIMIC_III_Schema.csv")
    }
    cases = []
    for row in _rows(folder / "MIMIC_to_OMOP_Mapping.csv"):
        source = sources.get((row["SRC_ENT"].strip().upper(), row["SRC_ATT"].strip().upper()))
        if source is None:
            continue
        gold = f"{row['TGT_ENT'].strip().lower()}.{row['TGT_ATT'].strip().lower()}"
        field = SourceField(
            "mimic3",
            source["TableName"],
            source["ColumnName"],
            source["ColumnType"],
            source["ColumnDesc"],
            source["TableDesc"],
            references=_referenced_table(source["FK"]),
            primary_key=source["IsPK"].strip().upper() == "YES",
        )
        cases.append(Case(field, frozenset({gold}) if gold in schema else frozenset()))
    return schema, cases


def _referenced_table(declared: str) -> str | None:
    """The table of a MIMIC-III foreign key, "[ADMISSIONS , HADM_ID]" (the schema's own
    declaration, as a database's constraints give it), or None."""
    table = declared.strip().strip("[]").split(",")[0].strip()
    return table or None


def gdc() -> tuple[TargetSchema, list[Case]]:
    """GDC-SM: ten study tables with values against 736 GDC attributes; gold many-to-many."""
    folder = PUBLIC / "gdc_sm"
    target_table = pd.read_csv(
        folder / "target-tables/gdc_unique_columns_concat_values.csv",
        dtype=str,
        keep_default_na=False,
    )
    targets = tuple(
        Target(
            "gdc",
            column,
            "string",
            "",
            "",
            tuple(v for v in dict.fromkeys(target_table[column]) if v),
        )
        for column in target_table.columns
    )
    schema = TargetSchema(targets, {"gdc": ""})
    cases = []
    for gold_file in sorted((folder / "ground-truth").glob("*.csv")):
        table = pd.read_csv(folder / "input-tables" / gold_file.name, low_memory=False)
        gold: dict[str, set[str]] = {}
        for row in _rows(gold_file):
            gold.setdefault(row["original_paper_variable_names"], set()).add(
                f"gdc.{row['GDC_format_variable_names']}"
            )
        for column, targets_for in gold.items():
            if column not in table.columns:
                continue
            values = table[column].dropna()
            samples = tuple(str(v) for v in values.astype(str).unique()[:20])
            dtype = str(values.infer_objects().dtype)
            field = SourceField("gdc_study", gold_file.stem, column, dtype, None, None, samples)
            cases.append(Case(field, frozenset(t for t in targets_for if t in schema)))
    return schema, cases
