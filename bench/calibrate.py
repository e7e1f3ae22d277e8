"""Fit the confidence trees (boosted trees over each candidate's evidence) and measure them on
systems they never saw.

    cd bench && ../.venv/bin/python calibrate.py [--write]

Labelled sets: the catalogue's business fields, the public ReMatch and GDC sets, and the
systems we ship no connector for (bench/data/unseen_systems.jsonl). Each public set and each
unseen system is measured with trees fitted on everything else (held out); then trees fitted
on all of it are written to autonomos_pipelines/dcl/matching/data/matcher_model.json.
"""

from __future__ import annotations

import json
import sys
from dataclasses import replace

import evaluation
import numpy as np
from sklearn.ensemble import HistGradientBoostingClassifier
from tree_export import from_sklearn

from autonomos_pipelines.dcl.matching.confidence import TRAINED_RANKS, TreeEnsemble, evidence
from autonomos_pipelines.dcl.matching.scoring import MODEL_FILE, ScoringModel, default_model
from autonomos_pipelines.dcl.matching.thresholds import AUTO_APPROVE

# Candidates per field the trees learn from. The matcher ranks five, but only the best three
# ever reach auto-approval (a contested field is offered its next free one, usually second or
# third); learning from five adds easy negatives and measured worse on the held-out unseen
# systems (2026-12-03: auto-approval precision 94.8 % with five, 96.9 % with three).
DEPTH = TRAINED_RANKS  # what the matcher reorders by confidence (candidate.most_likely_first)
BINS = [(0.0, 0.6), (0.6, 0.85), (0.85, 0.95), (0.95, 1.01)]


def observations(batch: evaluation.Batch, weights: dict[str, float]):
    """(evidence, right?, field's group, is the field's best candidate, field has a gold)."""
    batch = batch.own()
    features = dict(batch.features)
    scores = batch.matcher.combine(features, batch.fields, weights)
    keys = [t.key for t in batch.matcher.schema.targets]
    order = np.argsort(-scores, axis=1)[:, :DEPTH]
    rows = np.repeat(np.arange(len(scores)), order.shape[1])
    x = evidence(scores, features, rows, order.ravel())
    y = np.array([keys[t] in batch.gold[r] for r, t in zip(rows, order.ravel(), strict=True)])
    first = np.tile(np.arange(order.shape[1]) == 0, len(scores))
    mappable = np.array([bool(batch.gold[r]) for r in rows])
    return x, y.astype(int), np.full(len(rows), batch.group, dtype=object), first, mappable


def fit(x: np.ndarray, y: np.ndarray) -> TreeEnsemble:
    # early_stopping off: all 100 trees, and no tenth of the data set aside to decide when
    model = HistGradientBoostingClassifier(
        max_depth=3, learning_rate=0.1, max_iter=100, early_stopping=False, random_state=0
    ).fit(x, y)
    ensemble = replace(from_sklearn(model), ranks=DEPTH)  # what the matcher checks on load
    exported, fitted = ensemble.probability(x), model.predict_proba(x)[:, 1]
    assert np.abs(exported - fitted).max() < 1e-6, "the exported trees disagree with sklearn"
    return ensemble


def measure(confidence: np.ndarray, right: np.ndarray, mappable: np.ndarray) -> dict:
    auto = confidence >= AUTO_APPROVE
    bins = []
    for low, high in BINS:
        mask = (confidence >= low) & (confidence < high)
        accuracy = round(float(right[mask].mean()), 3) if mask.any() else None
        bins.append({"bin": f"{low:.2f}-{min(high, 1.0):.2f}", "n": int(mask.sum()),
                     "accuracy": accuracy})  # fmt: skip
    return {
        "fields": int(len(right)),
        "auto_precision": round(float(right[auto].mean()), 3) if auto.any() else None,
        "auto_rate_of_mappable": round(float((auto & mappable).sum() / max(1, mappable.sum())), 3),
        "reliability": bins,
    }


def main(write: bool) -> dict:
    base = default_model()
    parts = {name: [observations(b, base.weights) for b in evaluation.batches(name)]
             for name in ("business", "rematch", "gdc", "unseen")}  # fmt: skip
    x = np.vstack([o[0] for batches in parts.values() for o in batches])
    y = np.concatenate([o[1] for batches in parts.values() for o in batches])
    group = np.concatenate([o[2] for batches in parts.values() for o in batches])
    first = np.concatenate([o[3] for batches in parts.values() for o in batches])
    mappable = np.concatenate([o[4] for batches in parts.values() for o in batches])
    report = {}
    for name in parts:
        held = sorted({o[2][0] for o in parts[name]})  # each system (or the one public set)
        confidence, right, has_gold = [], [], []
        for one in held:
            test = (group == one) & first
            trees = fit(x[group != one], y[group != one])
            confidence.append(trees.probability(x[test]))
            right.append(y[test])
            has_gold.append(mappable[test])
        report[name] = measure(*(np.concatenate(v) for v in (confidence, right, has_gold)))
    pooled = fit(x, y)
    if write:
        model = ScoringModel(base.weights, pooled)
        MODEL_FILE.write_text(json.dumps(model.to_json()) + "\n", encoding="utf-8")
    return report


if __name__ == "__main__":
    print(json.dumps(main("--write" in sys.argv), indent=2))
