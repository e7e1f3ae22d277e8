"""A chunk's candidates built from its scores: per (field, target) pair, the target's key,
the trees' calibrated confidence, the score and the evidence a person is shown.

Gathered as plain lists first: per-element numpy indexing dominated at scale. The evidence to
show stays one rounded block per call, which each candidate reads when asked
(`candidate.FeatureRow`): only the decided fields' evidence is ever stored.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from autonomos_pipelines.dcl.matching.candidate import Candidate, FeatureRow
from autonomos_pipelines.dcl.matching.confidence import evidence
from autonomos_pipelines.dcl.matching.scoring import FEATURES, ScoringModel


@dataclass(frozen=True)
class ScoredCandidates:
    """A chunk's scores and features (fields x targets), read by one confidence model."""

    keys: list[str]  # the targets' keys, in the scores' column order
    scores: np.ndarray
    features: dict[str, np.ndarray]
    model: ScoringModel
    ranking: np.ndarray  # each row's targets, best score first

    def at(self, rows: np.ndarray, targets: np.ndarray) -> list[Candidate]:
        """One candidate per (row, target) pair, in order."""
        scores, features = self.scores, self.features
        confidence = self.model.confidence(evidence(scores, features, rows, targets, self.ranking))
        picked = np.round(scores[rows, targets].astype(np.float64), 4).tolist()
        shown = np.stack([features[name][rows, targets] for name in FEATURES], axis=1)
        block = np.round(shown.astype(np.float64), 4)[:, None, :]
        chances = np.round(confidence, 4).tolist()
        keys = self.keys
        return [
            Candidate(keys[target], chances[i], picked[i], FeatureRow(block, i, 0))
            for i, target in enumerate(targets.tolist())
        ]

    def best(self, top_k: int) -> list[list[Candidate]]:
        """Each row's ``top_k`` best-scored targets, best first."""
        k = min(top_k, self.scores.shape[1])
        if not k:
            return [[] for _ in range(len(self.scores))]
        rows = np.repeat(np.arange(len(self.scores)), k)
        found = self.at(rows, self.ranking[:, :k].ravel())
        return [found[start : start + k] for start in range(0, len(found), k)]
