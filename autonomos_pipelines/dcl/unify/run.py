"""The engine's front door: one entity's records of one tenant in, the crosswalk members,
the pairs a person should decide and the retired ids out."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import pandas as pd

from autonomos_pipelines.dcl.unify.calibration import Calibration, calibrate
from autonomos_pipelines.dcl.unify.clusters import cluster
from autonomos_pipelines.dcl.unify.features import prepare
from autonomos_pipelines.dcl.unify.linker import score_pairs
from autonomos_pipelines.dcl.unify.model import (
    Decision,
    Member,
    RecordKey,
    ScoredPair,
    Thresholds,
)
from autonomos_pipelines.dcl.unify.stable_ids import assign


@dataclass(frozen=True)
class UnifyResult:
    members: list[Member]  # every input record, singletons included
    review_pairs: list[ScoredPair]  # lower <= p < upper, not decided already
    merged_into: dict[str, str]  # retired unified id -> the id that absorbed it
    weights: str  # what of the weights was estimated from this tenant's data
    pairs_scored: int
    calibration: Calibration  # what reviewers' verdicts say about the link threshold


def _certainty(
    clusters: list[frozenset[RecordKey]], pairs: list[ScoredPair], decisions: list[Decision]
) -> dict[RecordKey, float]:
    """A member's match probability: its best link inside its cluster (1.0 for a reviewer's
    "same"); a record alone in its cluster has 1.0 — nothing else claims it."""
    cluster_of = {key: i for i, members in enumerate(clusters) for key in members}
    best: dict[RecordKey, float] = {}
    links = [(p.left, p.right, p.probability) for p in pairs]
    links += [(d.left, d.right, 1.0) for d in decisions if d.verdict == "same"]
    for left, right, probability in links:
        if left in cluster_of and cluster_of.get(left) == cluster_of.get(right):
            for key in (left, right):
                best[key] = max(best.get(key, 0.0), probability)
    return {
        key: best.get(key, 1.0) if len(members) > 1 else 1.0
        for members in clusters
        for key in members
    }


def unify_entity(  # noqa: PLR0913
    entity: str,
    records: pd.DataFrame,
    previous: dict[RecordKey, str],
    decisions: list[Decision],
    thresholds: Thresholds,
    allocate: Callable[[int], list[str]],
    company_lines: frozenset[str] = frozenset(),
) -> UnifyResult:
    """Link, cluster and number one entity's records (see the module docstrings);
    ``company_lines``: the tenant's account phones (see features.contact_features)."""
    prepared = prepare(entity, records, company_lines)
    keys = [RecordKey.parse(k) for k in prepared["unique_id"]]
    pairs, weights = score_pairs(entity, prepared, thresholds)
    clusters = cluster(keys, pairs, decisions, thresholds)
    assignment = assign(clusters, previous, allocate)
    certainty = _certainty(clusters, pairs, decisions)
    systems = dict(zip(keys, prepared["source_system"], strict=True))
    members = [
        Member(key, str(systems[key]), assignment.ids[key], round(certainty[key], 6))
        for key in keys
    ]
    decided = {frozenset((d.left, d.right)) for d in decisions}
    review = [
        pair
        for pair in pairs
        if pair.probability < thresholds.upper
        and frozenset((pair.left, pair.right)) not in decided
        and assignment.ids[pair.left] != assignment.ids[pair.right]
    ]
    calibration = calibrate(pairs, decisions, thresholds)
    return UnifyResult(members, review, assignment.merged_into, weights, len(pairs), calibration)
