"""How much one fit of the confidence trees decides: the leave-one-out figures of the unseen
systems and the business set with the trees fitted as always, then on bootstrap resamples of
the same training rows (resample ``n`` draws the same rows for any version of the code, so two
versions' runs pair up). A change whose figures move less than the fits spread is a reshuffle
of borderline fields, whatever one fit says (bench/results.md, stop 55).

    cd bench && ../.venv/bin/python fit_spread.py [--resamples 4] [--sets unseen_loso,business]
        [--save spread.json]

Prints, per set and fit: auto-approved share of the fields with a counterpart, precision of
the auto-approvals, top-1; then their means. About 2.5 minutes per fit of the unseen systems
on 2 cores.
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path

import numpy as np

FIGURES = ("auto_rate", "auto_precision", "top1")


def resampled_rows(rows: int, resample: int) -> np.ndarray:
    """The training rows of fit ``resample``: all of them once for 0 (the fit as always), a
    bootstrap draw seeded by ``resample`` otherwise."""
    if resample == 0:
        return np.arange(rows)
    return np.random.default_rng(resample).choice(rows, rows)


def means(fits: list[dict[str, float]]) -> dict[str, float]:
    """Each figure's mean over ``fits``."""
    return {name: float(np.mean([fit[name] for fit in fits])) for name in FIGURES}


def spread(dataset: str, pool, resamples: int) -> list[dict[str, float]]:
    """The figures of ``dataset`` (leave one out) for the fit as always and ``resamples``."""
    import evaluation  # the bench scripts' flat imports: run from bench/
    from unseen_benchmark import held_out_ranking, summarise

    x, y, group = pool
    batches, fits = evaluation.batches(dataset), []  # built once: their features are dear
    for resample in range(resamples + 1):
        rows = resampled_rows(len(y), resample)
        found = summarise(held_out_ranking(dataset, (x[rows], y[rows], group[rows]), batches))
        fits.append({name: float(found[name]) for name in FIGURES})
        print(dataset, resample, _line(fits[-1]), flush=True)
    return fits


def _line(figures: dict[str, float]) -> str:
    return " / ".join(f"{name} {100 * figures[name]:.1f} %" for name in FIGURES)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--resamples", type=int, default=4)
    parser.add_argument("--sets", default="unseen_loso,business")
    parser.add_argument("--save", type=Path, help="write each fit's figures here (JSON)")
    args = parser.parse_args()
    from unseen_benchmark import training_pool

    pool, saved = training_pool(), {}
    for dataset in args.sets.split(","):
        saved[dataset] = spread(dataset, pool, args.resamples)
        print(dataset, "mean", _line(means(saved[dataset])), flush=True)
    if args.save:
        args.save.write_text(json.dumps(saved), encoding="utf-8")


if __name__ == "__main__":
    main()
