"""Unified ids that survive re-runs: a cluster keeps the id most of its members had last
time, so a re-run, a new record or a new connector never renumbers an existing entity.
When a split leaves two clusters claiming one id the larger keeps it; when a merge joins
clusters the absorbed ids are retired and reported."""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass

from autonomos_pipelines.dcl.unify.model import RecordKey


@dataclass(frozen=True)
class Assignment:
    """Record -> unified id, and retired id -> the id that absorbed it."""

    ids: dict[RecordKey, str]
    merged_into: dict[str, str]


def _claims(
    clusters: list[frozenset[RecordKey]], previous: dict[RecordKey, str]
) -> dict[str, list[tuple[int, int]]]:
    """Previous id -> (members holding it, cluster index) for every cluster holding it."""
    claims: dict[str, list[tuple[int, int]]] = {}
    for index, members in enumerate(clusters):
        for old_id, count in Counter(previous[m] for m in members if m in previous).items():
            claims.setdefault(old_id, []).append((count, index))
    return claims


def assign(
    clusters: list[frozenset[RecordKey]],
    previous: dict[RecordKey, str],
    allocate: Callable[[int], list[str]],
) -> Assignment:
    """Give each cluster an id; new clusters get ids from ``allocate(n)``."""
    claims = _claims(clusters, previous)
    # An id goes to the cluster holding most of its old members (ties: the larger cluster,
    # then the cluster with the smallest member), and a cluster takes the id it holds most
    # of (ties: the smallest id).
    winner = {
        old_id: max(holders, key=lambda h: (h[0], len(clusters[h[1]]), -h[1]))[1]
        for old_id, holders in claims.items()
    }
    chosen: dict[int, str] = {}
    for old_id in sorted(winner, key=lambda i: (-_held(claims[i], winner[i]), i)):
        chosen.setdefault(winner[old_id], old_id)
    fresh = [i for i in range(len(clusters)) if i not in chosen]
    chosen.update(zip(fresh, allocate(len(fresh)) if fresh else [], strict=True))
    ids = {key: chosen[i] for i, members in enumerate(clusters) for key in members}
    kept = set(chosen.values())
    merged_into = {old_id: chosen[winner[old_id]] for old_id in claims if old_id not in kept}
    return Assignment(ids, merged_into)


def _held(holders: list[tuple[int, int]], index: int) -> int:
    return next(count for count, i in holders if i == index)
