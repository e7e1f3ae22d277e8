"""Fit the confidence calibration (Platt scaling on best score + margin) and show reliability.

    .venv/bin/python bench/calibrate.py [--write]

Each dataset's reliability is measured with a calibration fitted on the *other* datasets
(held out), then the pooled fit is written to
autonomos_pipelines/dcl/matching/data/matcher_model.json.
"""

from __future__ import annotations

import json
import sys

import evaluation
import numpy as np
from sklearn.linear_model import LogisticRegression

from autonomos_pipelines.dcl.matching.scoring import MODEL_FILE, ScoringModel, default_model

BINS = [(0.0, 0.6), (0.6, 0.85), (0.85, 0.95), (0.95, 1.01)]


def observations(ranked):
    x = np.array([[r.candidates[0].score, r.candidates[0].score - r.candidates[1].score]
                  for r in ranked])  # fmt: skip
    y = np.array([r.correct for r in ranked], dtype=int)
    return x, y


def fit(x, y) -> tuple[float, float, float]:
    model = LogisticRegression(C=10.0).fit(x, y)
    return float(model.coef_[0][0]), float(model.coef_[0][1]), float(model.intercept_[0])


def reliability(confidences, correct) -> list[dict]:
    table = []
    for low, high in BINS:
        mask = (confidences >= low) & (confidences < high)
        table.append({
            "bin": f"{low:.2f}-{min(high, 1.0):.2f}", "n": int(mask.sum()),
            "mean_confidence": round(float(confidences[mask].mean()), 3) if mask.any() else None,
            "accuracy": round(float(correct[mask].mean()), 3) if mask.any() else None,
        })  # fmt: skip
    return table


def main(write: bool) -> dict:
    base = default_model()
    data = {"business": evaluation.business(base), "rematch": evaluation.public("rematch", base),
            "gdc": evaluation.public("gdc", base)}  # fmt: skip
    report = {}
    for held_out in data:
        train = [r for name, rows in data.items() if name != held_out for r in rows]
        slope, margin, intercept = fit(*observations(train))
        x, y = observations(data[held_out])
        model = ScoringModel(base.weights, slope, margin, intercept)
        confidences = np.array([model.confidence(s, m) for s, m in x])
        report[held_out] = reliability(confidences, y)
    pooled = fit(*observations([r for rows in data.values() for r in rows]))
    report["pooled_fit"] = dict(zip(("slope", "margin_slope", "intercept"), pooled, strict=True))
    if write:
        fitted = ScoringModel(base.weights, *pooled)
        MODEL_FILE.write_text(json.dumps(fitted.to_json(), indent=2) + "\n", encoding="utf-8")
    return report


if __name__ == "__main__":
    print(json.dumps(main("--write" in sys.argv), indent=2))
