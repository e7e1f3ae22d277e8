"""Fit the matcher's feature weights by coordinate ascent on mean reciprocal rank.

    .venv/bin/python bench/fit_weights.py [--write]

Reports, for each dataset, the figures it gets with weights fitted on the *other two*
(leave one dataset out: how the weights generalise to a schema they never saw), then fits on
all three. The systems we ship no connector for are never fitted on: they stay a held-out test
(bench/unseen_benchmark.py). `--write` stores the pooled weights in
autonomos_pipelines/dcl/matching/data/matcher_model.json;
run `bench/calibrate.py --write` afterwards, because the calibration depends on the weights.
"""

from __future__ import annotations

import json
import sys

import evaluation
import numpy as np

from autonomos_pipelines.dcl.matching.scoring import (
    FEATURES,
    MODEL_FILE,
    ScoringModel,
    default_model,
)

FITTED_ON = ("business", "rematch", "gdc")
STEPS = (0.5, -0.5, 1.0, 0.25, -0.25)
ROUNDS = 4


def reciprocal_ranks(batch: evaluation.Batch, weights: dict[str, float]) -> list[float]:
    batch = batch.own()
    scores = batch.matcher.combine(dict(batch.features), batch.fields, weights)
    keys = [t.key for t in batch.matcher.schema.targets]
    ranks = []
    for row, gold in enumerate(batch.gold):
        if not gold:
            continue
        gold_columns = [i for i, key in enumerate(keys) if key in gold]
        best_gold = scores[row, gold_columns].max()
        ranks.append(1.0 / (1 + int((scores[row] > best_gold).sum())))
    return ranks


def objective(data: dict[str, list[evaluation.Batch]], weights: dict[str, float]) -> float:
    """Mean over datasets of each dataset's MRR, so no dataset dominates by size."""
    means = [np.mean([r for b in batches for r in reciprocal_ranks(b, weights)])
             for batches in data.values()]  # fmt: skip
    return float(np.mean(means))


def summary(batches: list[evaluation.Batch], weights: dict[str, float]) -> dict[str, float]:
    """HitRate@1/3/5 (percent) and MRR of one dataset under `weights`."""
    ranks = np.array([r for b in batches for r in reciprocal_ranks(b, weights)])
    hits = {f"hit@{k}": round(100 * float((ranks >= 1 / k).mean()), 1) for k in (1, 3, 5)}
    return hits | {"mrr": round(float(ranks.mean()), 3)}


def ascend(data: dict[str, list[evaluation.Batch]], start: dict[str, float]) -> dict[str, float]:
    weights, best = dict(start), objective(data, start)
    for _ in range(ROUNDS):
        improved = False
        for name in FEATURES:
            for step in STEPS:
                trial = dict(weights, **{name: max(0.0, round(weights[name] + step, 3))})
                value = objective(data, trial)
                if value > best + 1e-4:
                    weights, best, improved = trial, value, True
        if not improved:
            break
    return weights


def main(write: bool) -> dict:
    base = default_model()
    data = {name: evaluation.batches(name) for name in FITTED_ON}
    report: dict = {"held_out": {}, "held_out_weights": {}}
    for held_out in data:
        train = {name: batches for name, batches in data.items() if name != held_out}
        weights = ascend(train, base.weights)
        report["held_out_weights"][held_out] = weights
        report["held_out"][held_out] = summary(data[held_out], weights)
    pooled = ascend(data, base.weights)
    report["pooled_weights"] = pooled
    report["pooled"] = {name: summary(batches, pooled) for name, batches in data.items()}
    if write:
        model = ScoringModel(pooled, base.calibration)
        MODEL_FILE.write_text(json.dumps(model.to_json()) + "\n", encoding="utf-8")
    return report


if __name__ == "__main__":
    print(json.dumps(main("--write" in sys.argv), indent=2))
