"""How likely a candidate is right, from its evidence: boosted decision trees.

A candidate's evidence is its ranking score, its margin over the best other target, its rank,
every matching feature and how each compares with the best rival's, and how far its field
leads the other fields of its table on the target (column_margin.py). `bench/calibrate.py` fits
the trees on labelled systems (the catalogue, the public sets, and systems we ship no connector
for, each held out in turn to measure them) and stores them in data/matcher_model.json; here
they are evaluated with numpy, so nothing but the JSON ships.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cached_property

import numpy as np

from autonomos_pipelines.dcl.matching.column_margin import COLUMN_MARGIN
from autonomos_pipelines.dcl.matching.feature_names import FEATURES
from autonomos_pipelines.dcl.matching.tree_tables import OutcomeTables, outcome_tables

# the trees learn from each field's first TRAINED_RANKS targets by score: past them a
# confidence is extrapolated, good enough to gate a candidate, not to reorder it
TRAINED_RANKS = 3
EVIDENCE = (
    "score", "margin", "rank", *FEATURES, *(f"{name}_vs_rival" for name in FEATURES),
    COLUMN_MARGIN,
)  # fmt: skip


def evidence(
    scores: np.ndarray,
    features: dict[str, np.ndarray],
    rows: np.ndarray,
    targets: np.ndarray,
    ranking: np.ndarray | None = None,
) -> np.ndarray:
    """One evidence row (in EVIDENCE order) per (row, target) pair of the score matrix;
    ``ranking``: each row's targets best first, when the caller has sorted them already."""
    order = (np.argsort(-scores, axis=1) if ranking is None else ranking)[:, :2]
    best, second = order[rows, 0], order[rows, 1] if scores.shape[1] > 1 else order[rows, 0]
    rival = np.where(targets == best, second, best)
    own = scores[rows, targets]
    rank = (scores[rows] > own[:, None]).sum(axis=1)
    columns = [own, own - scores[rows, rival], rank.astype(np.float64)]
    columns += [features[name][rows, targets] for name in FEATURES]
    columns += [features[name][rows, targets] - features[name][rows, rival] for name in FEATURES]
    columns.append(features[COLUMN_MARGIN][rows, targets])
    return np.column_stack(columns).astype(np.float64)


@dataclass(frozen=True)
class Tree:
    feature: np.ndarray
    threshold: np.ndarray
    left: np.ndarray
    right: np.ndarray
    leaf: np.ndarray
    value: np.ndarray
    missing_left: np.ndarray

    def values(self, columns: np.ndarray) -> np.ndarray:
        """The value of the leaf each row reaches; `columns`: the evidence one feature per
        row (the transpose of `evidence`, contiguous). A leaf takes the rows that pass every
        test on its path. For trees too large for `tree_tables` (a table per tree is faster)."""
        rows = columns.shape[1]
        passes = {}
        for node in {node for _, path in self._leaves for node, _ in path}:
            seen = columns[self.feature[node]]
            passes[node] = np.where(
                np.isnan(seen), self.missing_left[node], seen <= self.threshold[node]
            )
        reached = np.empty(rows)
        for value, path in self._leaves:
            taken = np.ones(rows, dtype=bool)
            for node, left in path:
                taken &= passes[node] if left else ~passes[node]
            reached[taken] = value
        return reached

    @cached_property
    def _leaves(self) -> list[tuple[float, list[tuple[int, bool]]]]:
        """Each leaf reachable from the root: its value, and its path as (node, went left)."""
        leaves: list[tuple[float, list[tuple[int, bool]]]] = []
        pending: list[tuple[int, list[tuple[int, bool]]]] = [(0, [])]
        while pending:
            node, path = pending.pop()
            if self.leaf[node]:
                leaves.append((float(self.value[node]), path))
            else:
                pending.append((int(self.left[node]), [*path, (node, True)]))
                pending.append((int(self.right[node]), [*path, (node, False)]))
        return leaves


@dataclass(frozen=True)
class TreeEnsemble:
    baseline: float
    trees: tuple[Tree, ...]
    ranks: int = TRAINED_RANKS  # each field's first candidates by score it was fitted on

    def probability(self, x: np.ndarray) -> np.ndarray:
        raw = np.full(len(x), self.baseline)
        columns = np.ascontiguousarray(np.asarray(x, dtype=np.float64).T)
        tables = self._tables
        if tables is None:  # a tree with too many tests for a table of its outcomes
            for tree in self.trees:
                raw += tree.values(columns)
        else:
            for values in tables.leaf_values(columns):
                raw += values  # tree by tree, in the order they were fitted
        return 1.0 / (1.0 + np.exp(-np.clip(raw, -60, 60)))

    @cached_property
    def _tables(self) -> OutcomeTables | None:
        return outcome_tables(self.trees)

    def to_json(self) -> dict:
        keys = ("feature", "threshold", "left", "right", "leaf", "value", "missing_left")
        return {
            "evidence": list(EVIDENCE),
            "ranks": self.ranks,
            "baseline": self.baseline,
            "trees": [{k: getattr(t, k).tolist() for k in keys} for t in self.trees],
        }


def ensemble_from_json(data: dict) -> TreeEnsemble:
    if list(data["evidence"]) != list(EVIDENCE):
        raise ValueError("the stored confidence trees were fitted on other evidence: refit them")
    if data.get("ranks") != TRAINED_RANKS:
        raise ValueError(
            f"the stored confidence trees were fitted on each field's first {data.get('ranks')} "
            f"candidates, the matcher reorders {TRAINED_RANKS} by them: refit them "
            "(bench/calibrate.py)"
        )
    kinds = {"feature": np.int64, "threshold": np.float64, "left": np.int64, "right": np.int64,
             "leaf": bool, "value": np.float64, "missing_left": bool}  # fmt: skip
    trees = tuple(
        Tree(**{k: np.asarray(tree[k], dtype=kind) for k, kind in kinds.items()})
        for tree in data["trees"]
    )
    return TreeEnsemble(float(data["baseline"]), trees, int(data["ranks"]))
