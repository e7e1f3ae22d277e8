"""Public schema matching without any LLM: ReMatch MIMIC-III->OMOP and GDC-SM.

.venv/bin/python bench/public_benchmarks.py   # appends to bench/results.md
"""

from __future__ import annotations

import datetime
import platform

import evaluation
import metrics
import results_log


def main() -> str:
    lines = [
        f"\n## Public schema matching, no LLM — {datetime.date.today()} on "
        f"{platform.machine()} ({platform.python_version()})\n"
    ]
    for name in ("rematch", "gdc"):
        ranked = evaluation.public(name, top_k=800)
        targets = [[c.target for c in r.candidates] for r in ranked]
        gold = [r.gold for r in ranked]
        hits = [round(100 * metrics.hit_rate(targets, gold, k), 1) for k in (1, 3, 5)]
        scored = [(i, c.target, c.score) for i, r in enumerate(ranked) for c in r.candidates[:20]]
        lines.append(
            f"- {name}: HitRate@1/3/5 {hits[0]} / {hits[1]} / {hits[2]}, "
            f"MRR {metrics.mrr(targets, gold):.3f}, "
            f"Recall@GT {metrics.recall_at_ground_truth(scored, gold):.3f} "
            f"({sum(1 for g in gold if g)} queries with a gold target)"
        )
    return results_log.append(lines)


if __name__ == "__main__":
    print(main())
