"""Records into clusters: reviewers' "same" verdicts first, then linked pairs from the most
to the least certain, never joining two clusters a "different" verdict keeps apart."""

from __future__ import annotations

from collections.abc import Iterable

from autonomos_pipelines.dcl.unify.model import Decision, RecordKey, ScoredPair, Thresholds


class _Clusters:
    """Union-find over record keys, with cannot-link constraints checked on every union."""

    def __init__(self, keys: Iterable[RecordKey]) -> None:
        self.parent = {key: key for key in keys}
        self.members = {key: {key} for key in self.parent}
        self.apart: set[frozenset[RecordKey]] = set()

    def root(self, key: RecordKey) -> RecordKey:
        while self.parent[key] != key:
            self.parent[key] = self.parent[self.parent[key]]
            key = self.parent[key]
        return key

    def may_join(self, a: RecordKey, b: RecordKey) -> bool:
        left, right = self.members[self.root(a)], self.members[self.root(b)]
        small, large = (left, right) if len(left) <= len(right) else (right, left)
        return not any(frozenset((x, y)) in self.apart for x in small for y in large if x != y)

    def join(self, a: RecordKey, b: RecordKey) -> bool:
        ra, rb = self.root(a), self.root(b)
        if ra == rb or not self.may_join(a, b):
            return False
        keep, gone = (ra, rb) if ra <= rb else (rb, ra)
        self.parent[gone] = keep
        self.members[keep] |= self.members.pop(gone)
        return True


def cluster(
    keys: Iterable[RecordKey],
    pairs: list[ScoredPair],
    decisions: list[Decision],
    thresholds: Thresholds,
) -> list[frozenset[RecordKey]]:
    """Every key in exactly one cluster (singletons included), sorted by smallest member."""
    clusters = _Clusters(keys)
    known = clusters.parent.keys()
    for decision in decisions:
        if decision.verdict == "different":
            clusters.apart.add(frozenset((decision.left, decision.right)))
    for decision in decisions:
        if decision.verdict == "same" and decision.left in known and decision.right in known:
            clusters.join(decision.left, decision.right)
    for pair in sorted(pairs, key=lambda p: (-p.probability, p.left, p.right)):
        if pair.probability >= thresholds.upper and pair.left in known and pair.right in known:
            clusters.join(pair.left, pair.right)
    return sorted((frozenset(m) for m in clusters.members.values()), key=min)
