"""What a unified asset tells the Dagster UI: how many records became how many entities, the
cluster sizes, the pairs in review, what the weights were estimated from, and what
reviewers' verdicts say about the link threshold."""

from __future__ import annotations

from typing import Any

from dagster import MetadataValue

from autonomos_pipelines.canonical.unification import Unified
from autonomos_pipelines.dcl.unify.calibration import TARGET, Calibration
from autonomos_pipelines.dcl.unify.model import Thresholds


def _sizes_table(sizes: dict[int, int]) -> str:
    return "| members | entities |\n|---|---|\n" + "\n".join(
        f"| {size} | {count} |" for size, count in sizes.items()
    )


def _calibration_table(calibration: Calibration) -> str:
    rows = [
        f"| {b.low:.2f}–{b.high:.2f} | {b.decided} | "
        + (f"{b.same / b.decided:.0%} (≥ {b.lower_bound:.0%}) |" if b.decided else "— |")
        for b in calibration.bands
    ]
    return "| probability | decided | decided same |\n|---|---|---|\n" + "\n".join(rows)


def _calibration_metadata(calibration: Calibration | None) -> dict[str, Any]:
    if calibration is None:
        return {}
    suggested = calibration.suggested_upper
    return {
        "review_calibration": MetadataValue.md(_calibration_table(calibration)),
        "suggested_link_threshold": (
            f"{suggested:.2f}: reviewers found pairs from there the same at least "
            f"{TARGET:.0%} of the time (`autonomos unify settings <tenant> <entity> "
            f"--upper {suggested:.2f}`)"
            if suggested is not None
            else f"keep reviewing: the verdicts do not yet show a band below the threshold "
            f"to be {TARGET:.0%} the same"
        ),
    }


def unified_metadata(unified: Unified, thresholds: Thresholds) -> dict[str, Any]:
    return {
        "source_records": unified.records,
        "unified_entities": unified.entities,
        "share_unified": MetadataValue.float(round(unified.share_unified, 4)),
        "cluster_sizes": MetadataValue.md(_sizes_table(unified.cluster_sizes)),
        "pairs_scored": unified.pairs_scored,
        "pairs_in_review": unified.review_pairs,
        "weights": unified.weights,
        "thresholds": f"link at >= {thresholds.upper}, review from {thresholds.lower}",
        "ids_retired_this_run": len(unified.retired),
        **_calibration_metadata(unified.calibration),
    }
