"""How evidence becomes a ranking score, and a candidate's evidence a calibrated confidence.

The feature weights rank candidates (fitted by `bench/fit_weights.py`); boosted trees over each
candidate's evidence (`confidence.py`, fitted by `bench/calibrate.py`) give the probability
that the mapping is right. Both are stored in data/matcher_model.json.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from functools import cache
from pathlib import Path

import numpy as np

from autonomos_pipelines.dcl.matching.confidence import TreeEnsemble, ensemble_from_json
from autonomos_pipelines.dcl.matching.feature_names import FEATURES, TABLE_CONTEXT

__all__ = [
    "FEATURES",
    "MODEL_FILE",
    "ScoringModel",
    "default_model",
    "model_from_json",
    "weighted_evidence",
]

MODEL_FILE = Path(__file__).parent / "data" / "matcher_model.json"


@dataclass(frozen=True)
class ScoringModel:
    weights: dict[str, float]
    calibration: TreeEnsemble

    def confidence(self, evidence: np.ndarray) -> np.ndarray:
        """Probability that each candidate (a row of `confidence.evidence`) is right."""
        return self.calibration.probability(evidence)

    def to_json(self) -> dict:
        return {"weights": self.weights, "confidence": self.calibration.to_json()}


def weighted_evidence(features: dict[str, np.ndarray], weights: dict[str, float]) -> np.ndarray:
    """The weighted evidence before the table's context (``TABLE_CONTEXT``), which
    `Matcher.combine` adds once the table is read."""
    score = sum(weights[name] * features[name] for name in FEATURES if name not in TABLE_CONTEXT)
    assert isinstance(score, np.ndarray)
    return score


def model_from_json(data: dict) -> ScoringModel:
    weights = {name: float(data["weights"].get(name, 0.0)) for name in FEATURES}
    return ScoringModel(weights, ensemble_from_json(data["confidence"]))


@cache
def default_model() -> ScoringModel:
    return model_from_json(json.loads(MODEL_FILE.read_text(encoding="utf-8")))
