"""Mapping systems we ship no connector for (bench/data/unseen_systems.jsonl), no LLM: as
shipped (the catalogue's approved mappings as evidence) and leaving one system out (the other
unseen systems' labels too). Each system is scored with confidence trees fitted without it
(calibrate.py's data minus that system), so no figure has seen its own labels.

    cd bench && ../.venv/bin/python unseen_benchmark.py [--no-append] [--save outcomes.json]

Per system: top-1 / top-3 / MRR over fields with a counterpart; auto-approved share of those;
precision of all auto-approvals (a field with no counterpart auto-approved to anything is
wrong); abstention: share of no-counterpart fields not auto-approved; LLM share: fields a key
would send to the LLM (resolver.asks_llm: just short of review, 0.30-0.60); tables fed: of
the tables with a field labelled as an entity's identity, those whose identity is
auto-approved right, the only ones that feed their canonical table without a person.
"""

from __future__ import annotations

import argparse
import datetime
import json
from pathlib import Path

import calibrate
import evaluation
import metrics
import numpy as np
import results_log

from autonomos_pipelines.dcl.matching.resolver import asks_llm
from autonomos_pipelines.dcl.matching.scoring import ScoringModel, default_model
from autonomos_pipelines.dcl.matching.targets import canonical_targets
from autonomos_pipelines.dcl.matching.thresholds import AUTO_APPROVE

IDENTITIES = frozenset(canonical_targets().identities.values())


def summarise(ranked: list[evaluation.Ranked]) -> dict[str, float]:
    mappable = [r for r in ranked if r.gold]
    no_match = [r for r in ranked if not r.gold]
    auto = [r for r in ranked if r.candidates and r.candidates[0].confidence >= AUTO_APPROVE]
    targets = [[c.target for c in r.candidates] for r in mappable]
    gold = [r.gold for r in mappable]
    return {
        "fields": len(ranked),
        "mappable": len(mappable),
        "top1": metrics.hit_rate(targets, gold, 1),
        "top3": metrics.hit_rate(targets, gold, 3),
        "mrr": metrics.mrr(targets, gold),
        "auto_rate": sum(1 for r in auto if r.gold) / len(mappable),
        "auto_precision": sum(r.correct for r in auto) / len(auto) if auto else float("nan"),
        "abstention": sum(1 for r in no_match if r not in auto) / len(no_match)
        if no_match
        else 1.0,
        "llm_share": sum(1 for r in ranked if asks_llm(r.candidates)) / len(ranked),
        **tables_fed(ranked),
    }


def tables_fed(ranked: list[evaluation.Ranked]) -> dict[str, int]:
    """Of the tables a labelled field identifies (its gold is an entity's identity, which
    decides what canonical table a source table feeds), how many have it auto-approved
    right: only those feed their canonical table without a person, however many of their
    other fields are approved."""
    tables: dict[tuple[str, str], bool] = {}
    for r in ranked:
        identity = r.gold & IDENTITIES
        if identity:
            first = r.candidates[0] if r.candidates else None
            fed = (
                first is not None and first.confidence >= AUTO_APPROVE and first.target in identity
            )
            tables[r.group, r.table] = tables.get((r.group, r.table), False) or fed
    return {"tables": len(tables), "tables_fed": sum(tables.values())}


def training_pool() -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Evidence, labels and group of every candidate calibrate.py learns from."""
    weights = default_model().weights
    found = [calibrate.observations(b, weights)
             for name in ("business", "rematch", "gdc", "unseen")
             for b in evaluation.batches(name)]  # fmt: skip
    return tuple(np.concatenate([o[i] for o in found]) for i in range(3))  # type: ignore[return-value]


def held_out_ranking(
    dataset: str, pool, batches: list[evaluation.Batch] | None = None
) -> list[evaluation.Ranked]:
    """Each batch of ``dataset`` (``batches``, when built already) ranked with trees fitted on
    ``pool`` without its own group."""
    x, y, group = pool
    weights, ranked = default_model().weights, []
    for batch in evaluation.batches(dataset) if batches is None else batches:
        trees = calibrate.fit(x[group != batch.group], y[group != batch.group])
        ranked += batch.rank(ScoringModel(weights, trees), top_k=5)
    return ranked


def table(ranked: list[evaluation.Ranked]) -> list[str]:
    lines = [
        "| system | fields (mappable) | top-1 | top-3 | MRR | auto-approved | precision | "
        "abstention | LLM share | tables fed |",
        "|---|---|---|---|---|---|---|---|---|---|",
    ]
    for group in sorted({r.group for r in ranked}) + ["all"]:
        s = summarise([r for r in ranked if group in ("all", r.group)])
        lines.append(
            f"| {group} | {s['fields']} ({s['mappable']}) | {100 * s['top1']:.1f} % | "
            f"{100 * s['top3']:.1f} % | {s['mrr']:.3f} | {100 * s['auto_rate']:.1f} % | "
            f"{100 * s['auto_precision']:.1f} % | {100 * s['abstention']:.1f} % | "
            f"{100 * s['llm_share']:.1f} % | {s['tables_fed']} of {s['tables']} |"
        )
    return lines


def outcomes(ranked: list[evaluation.Ranked]) -> list[dict]:
    """One row per field, what bench/compare_runs.py pairs between two versions of the code."""
    return [
        {"system": r.group, "mappable": bool(r.gold), "correct": r.correct,
         "auto": bool(r.candidates) and r.candidates[0].confidence >= AUTO_APPROVE}
        for r in ranked
    ]  # fmt: skip


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--no-append", action="store_true", help="print only")
    parser.add_argument("--save", type=Path, help="write each field's outcome here (JSON)")
    args = parser.parse_args()
    pool = training_pool()
    shipped, loso = held_out_ranking("unseen", pool), held_out_ranking("unseen_loso", pool)
    lines = [f"\n## Unseen systems, no LLM — {datetime.date.today()}\n", "As shipped:\n"]
    lines += table(shipped) + ["", "Leaving one system out:\n"] + table(loso)
    if args.save:
        saved = {"shipped": outcomes(shipped), "loso": outcomes(loso)}
        args.save.write_text(json.dumps(saved), encoding="utf-8")
    print("\n".join(lines) if args.no_append else results_log.append(lines))


if __name__ == "__main__":
    main()
