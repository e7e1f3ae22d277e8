"""Score candidate pairs with Splink (Fellegi–Sunter) on an in-memory DuckDB: the trained
linker (training.py) predicts every blocked pair at or above the review threshold, each with
what its comparisons found."""

from __future__ import annotations

import pandas as pd

from autonomos_pipelines.dcl.unify.model import RecordKey, ScoredPair, Thresholds
from autonomos_pipelines.dcl.unify.training import trained_linker


def _evidence(left: dict, right: dict, weights: dict[str, float]) -> dict[str, str]:
    """Per compared field what the comparison found: equal keys are "exact", a positive
    partial weight "close", a missing side "missing", anything else "differs" (for e-mail,
    "work vs personal" when one address is each)."""
    found = {}
    for column, weight in weights.items():
        if column not in left:  # a comparison over several keys: its weight says it
            found[column] = "exact" if weight > 0 else "differs" if weight < 0 else "missing"
            continue
        a, b = left.get(column), right.get(column)
        found[column] = (
            "missing"
            if a is None or b is None
            else "exact"
            if a == b
            else "close"
            if weight > 0
            else "differs"
        )
    if found.get("email") not in (None, "missing", "exact"):
        # no e-mail level compares addresses by likeness, so "close" means nothing here, and
        # a trained weight of a work against a personal address can fall either side of 0
        kinds_differ = left.get("email_kind") != right.get("email_kind")
        found["email"] = "work vs personal" if kinds_differ else "differs"
    return found


def score_pairs(
    entity: str, prepared: pd.DataFrame, thresholds: Thresholds
) -> tuple[list[ScoredPair], str]:
    """Pairs with a match probability of at least ``thresholds.lower``, and what of the
    weights was estimated from these records (see `train`)."""
    if len(prepared) < 2:
        return [], "nothing to compare"
    linker, weights = trained_linker(entity, prepared)
    scored = linker.inference.predict(
        threshold_match_probability=thresholds.lower
    ).as_pandas_dataframe()
    keys = prepared.set_index("unique_id").to_dict("index")
    columns = [
        c.removeprefix("mw_")
        for c in scored.columns
        if c.startswith("mw_") and not c.startswith("mw_tf_")
    ]
    pairs = [
        ScoredPair(
            RecordKey.parse(str(row["unique_id_l"])),
            RecordKey.parse(str(row["unique_id_r"])),
            float(row["match_probability"]),
            _evidence(
                keys[row["unique_id_l"]],
                keys[row["unique_id_r"]],
                {c: float(row[f"mw_{c}"]) for c in columns},
            ),
        )
        for _, row in scored.iterrows()
    ]
    return pairs, weights
