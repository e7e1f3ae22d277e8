"""Business domain, leave one system out: each connector's fields mapped with that system's
own mappings removed from the corpus and with confidence trees fitted without its labels
(as bench/unseen_benchmark.py does), so no figure has seen its own system. No LLM.

    .venv/bin/python bench/business_benchmark.py   # appends to bench/results.md

Decisions follow the pipeline's thresholds: >= 0.85 auto-approved, 0.60-0.85 review, below
unmapped. A field the baseline says has no canonical counterpart counts as wrong when it is
auto-approved to anything. LLM share: fields a key would send to the LLM (resolver.asks_llm).
"""

from __future__ import annotations

import datetime

import evaluation
import results_log
from unseen_benchmark import held_out_ranking, training_pool

from autonomos_pipelines.dcl.matching.resolver import AUTO_APPROVE, REVIEW, asks_llm


def summarise(ranked: list[evaluation.Ranked]) -> dict[str, float]:
    with_gold = [r for r in ranked if r.gold]
    auto = [r for r in ranked if r.candidates[0].confidence >= AUTO_APPROVE]
    review = [r for r in ranked if REVIEW <= r.candidates[0].confidence < AUTO_APPROVE]
    return {
        "fields": len(ranked),
        "with_gold": len(with_gold),
        "top1": sum(r.correct for r in with_gold) / len(with_gold),
        "auto_rate": len(auto) / len(ranked),
        # as unseen_benchmark counts it (and issue 17's goal reads it): of the mappable fields
        "auto_mappable": sum(1 for r in auto if r.gold) / len(with_gold),
        "auto_precision": sum(r.correct for r in auto) / len(auto) if auto else float("nan"),
        "review_share": len(review) / len(ranked),
        "llm_share": sum(1 for r in ranked if asks_llm(r.candidates)) / len(ranked),
    }


def main() -> str:
    ranked = held_out_ranking("business", training_pool())
    lines = [f"\n## Business domain, leave one system out, no LLM — {datetime.date.today()}\n"]
    lines.append("| system | fields (with a counterpart) | top-1 | auto-approved, of all fields | "
                 "of those with a counterpart | precision of auto-approvals | left for review | "
                 "LLM share |")  # fmt: skip
    lines.append("|---|---|---|---|---|---|---|---|")
    groups = sorted({r.group for r in ranked}) + ["all"]
    for group in groups:
        s = summarise([r for r in ranked if group in ("all", r.group)])
        lines.append(
            f"| {group} | {s['fields']} ({s['with_gold']}) | {100 * s['top1']:.1f} % | "
            f"{100 * s['auto_rate']:.1f} % | {100 * s['auto_mappable']:.1f} % | "
            f"{100 * s['auto_precision']:.1f} % | {100 * s['review_share']:.1f} % | "
            f"{100 * s['llm_share']:.1f} % |"
        )
    return results_log.append(lines)


if __name__ == "__main__":
    print(main())
