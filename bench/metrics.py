"""Ranking metrics exactly as the published schema-matching numbers use them."""

from __future__ import annotations

from collections.abc import Sequence


def hit_rate(ranked: Sequence[Sequence[str]], gold: Sequence[frozenset[str]], k: int) -> float:
    pairs = [(r, g) for r, g in zip(ranked, gold, strict=True) if g]
    return sum(1 for r, g in pairs if set(r[:k]) & g) / len(pairs)


def mrr(ranked: Sequence[Sequence[str]], gold: Sequence[frozenset[str]]) -> float:
    total, count = 0.0, 0
    for r, g in zip(ranked, gold, strict=True):
        if not g:
            continue
        count += 1
        total += next((1.0 / (i + 1) for i, t in enumerate(r) if t in g), 0.0)
    return total / count


def recall_at_ground_truth(
    scored: Sequence[tuple[int, str, float]], gold: Sequence[frozenset[str]]
) -> float:
    """Valentine's RecallAtSizeofGroundTruth: keep the top |GT| of all scored pairs."""
    size = sum(len(g) for g in gold)
    top = sorted(scored, key=lambda item: -item[2])[:size]
    return sum(1 for row, target, _ in top if target in gold[row]) / size
