"""Is a change to the matcher better, or only different? Two runs of
`unseen_benchmark.py --save` (before and after the change) compared system by system.

    cd bench && ../.venv/bin/python compare_runs.py before.json after.json

A refit of the confidence trees moves borderline fields both ways, so a point of
auto-approval rate or precision can be noise. The 21 systems are resampled with replacement
(paired: the same draw for both runs) and the difference recomputed each time; the 95 %
interval says how far the difference could move with another sample of systems. An interval
that spans zero is no evidence either way.
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path

import numpy as np

DRAWS = 4000


def per_system(rows: list[dict]) -> dict[str, np.ndarray]:
    """system -> [mappable, auto-approved mappable, auto-approved, auto-approved right,
    mappable with the right target first]."""
    counts: dict[str, np.ndarray] = {}
    for row in rows:
        tally = counts.setdefault(row["system"], np.zeros(5))
        auto, mappable, right = row["auto"], row["mappable"], row["correct"]
        tally += (mappable, auto and mappable, auto, auto and right, mappable and right)
    return counts


def rates(totals: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(auto-approved share of mappable, precision, top-1 of mappable) along the last axis
    of summed counts."""
    with np.errstate(invalid="ignore", divide="ignore"):
        mappable = totals[..., 0]
        return totals[..., 1] / mappable, totals[..., 3] / totals[..., 2], totals[..., 4] / mappable


def compare(before: list[dict], after: list[dict], seed: int = 0) -> dict[str, list[float]]:
    first, second = per_system(before), per_system(after)
    systems = sorted(first.keys() & second.keys())
    a = np.stack([first[s] for s in systems])
    b = np.stack([second[s] for s in systems])
    draws = np.random.default_rng(seed).integers(0, len(systems), (DRAWS, len(systems)))
    drawn_a, drawn_b = rates(a[draws].sum(axis=1)), rates(b[draws].sum(axis=1))
    whole_a, whole_b = rates(a.sum(0)), rates(b.sum(0))
    found = {}
    for i, name in enumerate(("auto-approved share", "precision", "top-1")):
        delta, whole = drawn_b[i] - drawn_a[i], whole_b[i] - whole_a[i]
        low, high = np.nanpercentile(delta, [2.5, 97.5])
        found[name] = [float(whole), float(low), float(high)]
    return found


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("before", type=Path)
    parser.add_argument("after", type=Path)
    args = parser.parse_args()
    runs = [json.loads(path.read_text(encoding="utf-8")) for path in (args.before, args.after)]
    for kind in ("shipped", "loso"):
        for name, (delta, low, high) in compare(runs[0][kind], runs[1][kind]).items():
            print(f"{kind:8s} {name:20s} {100 * delta:+5.1f} points "
                  f"(95 % interval {100 * low:+5.1f} to {100 * high:+5.1f})")  # fmt: skip


if __name__ == "__main__":
    main()
