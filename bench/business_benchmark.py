"""Business domain, leave one system out: each connector's fields mapped with that system's
own mappings removed from the corpus and with confidence trees fitted without its labels
(as bench/unseen_benchmark.py does), so no figure has seen its own system. No LLM.

    .venv/bin/python bench/business_benchmark.py   # appends to bench/results.md

Decisions follow the pipeline's thresholds: >= 0.85 auto-approved, 0.60-0.85 review, below
unmapped. The table has unseen_benchmark.py's columns (auto-approved: of the fields with a
counterpart; precision: a field the baseline says has no canonical counterpart counts as
wrong when it is auto-approved to anything; LLM share: resolver.asks_llm); the line under
it gives the shares of all fields auto-approved and left for review.
"""

from __future__ import annotations

import datetime

import evaluation
import results_log
from unseen_benchmark import held_out_ranking, table, training_pool

from autonomos_pipelines.dcl.matching.resolver import AUTO_APPROVE, REVIEW


def shares(ranked: list[evaluation.Ranked]) -> dict[str, float]:
    """Of all fields (with a counterpart or not): auto-approved, and left for review."""
    first = [r.candidates[0].confidence if r.candidates else 0.0 for r in ranked]
    return {
        "auto_of_all": sum(1 for c in first if c >= AUTO_APPROVE) / len(ranked),
        "review_share": sum(1 for c in first if REVIEW <= c < AUTO_APPROVE) / len(ranked),
    }


def main() -> str:
    ranked = held_out_ranking("business", training_pool())
    lines = [f"\n## Business domain, leave one system out, no LLM — {datetime.date.today()}\n"]
    lines += table(ranked)
    s = shares(ranked)
    lines.append(
        f"\nOf all {len(ranked)} fields: {100 * s['auto_of_all']:.1f} % auto-approved, "
        f"{100 * s['review_share']:.1f} % left for review."
    )
    return results_log.append(lines)


if __name__ == "__main__":
    print(main())
