"""How evidence becomes a ranking score, and a ranking score a calibrated confidence.

The feature weights rank candidates; the calibration (Platt scaling on the best score and its
margin over the runner-up) turns the ranking into a probability that the mapping is right.
Both are fitted by `bench/calibrate.py` on labelled data and stored in data/matcher_model.json.
"""

from __future__ import annotations

import json
import math
from dataclasses import dataclass
from functools import cache
from pathlib import Path

MODEL_FILE = Path(__file__).parent / "data" / "matcher_model.json"
FEATURES = (
    "name_similarity",  # embedding cosine of the field names as words
    "text_similarity",  # embedding cosine of entity + name + description
    "cross_similarity",  # name vs the other side's description, both ways
    "reference_similarity",  # id field's words vs the entity a target foreign key points at
    "token_overlap",  # Dice coefficient of stemmed, abbreviation-expanded name tokens
    "entity_similarity",  # source entity vs target entity (names + descriptions)
    "example_similarity",  # nearest approved mapping of another source to this target
    "own_example",  # ... and that mapping is the tenant's own
    "type_fit",  # type compatibility 0..1
    "pattern_fit",  # sample values look like the target (-1..1)
    "value_overlap",  # share of sample values among the target's known values
    "value_similarity",  # embedding cosine of sample values vs the target's known values
    "table_fit",  # how well the whole source table fits the target's entity (<= 0)
)


@dataclass(frozen=True)
class ScoringModel:
    weights: dict[str, float]
    slope: float
    margin_slope: float
    intercept: float

    def confidence(self, score: float, margin: float) -> float:
        z = self.slope * score + self.margin_slope * margin + self.intercept
        return 1.0 / (1.0 + math.exp(-max(-60.0, min(60.0, z))))

    def to_json(self) -> dict:
        return {
            "weights": self.weights,
            "calibration": {
                "slope": self.slope,
                "margin_slope": self.margin_slope,
                "intercept": self.intercept,
            },
        }


def model_from_json(data: dict) -> ScoringModel:
    weights = {name: float(data["weights"].get(name, 0.0)) for name in FEATURES}
    calibration = data["calibration"]
    return ScoringModel(
        weights,
        float(calibration["slope"]),
        float(calibration["margin_slope"]),
        float(calibration["intercept"]),
    )


@cache
def default_model() -> ScoringModel:
    return model_from_json(json.loads(MODEL_FILE.read_text(encoding="utf-8")))
