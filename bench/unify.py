"""Entity unification on the sandbox world: pairwise precision and recall against the hidden
truth, and wall time per phase. Run: ``python -m bench.unify [--records 100000]`` (half
accounts, half contacts; figures go to bench/results.md by hand)."""

from __future__ import annotations

import argparse
import random
import time
from collections import Counter
from math import comb

import pandas as pd

from autonomos_pipelines.dcl.unify import clusters, features, linker, stable_ids, training
from autonomos_pipelines.dcl.unify.calibration import calibrate
from autonomos_pipelines.dcl.unify.model import Decision, RecordKey, Thresholds
from autonomos_pipelines.sandbox.data.world import bench_world
from bench.unify_evidence import account_evidence, contact_evidence


def pairwise(ids: dict[RecordKey, str], truth: dict[RecordKey, str]) -> tuple[float, float]:
    """Precision and recall over record pairs: a pair is predicted when both records got one
    unified id, true when the world made them from one entity."""
    predicted = sum(comb(n, 2) for n in Counter(ids.values()).values())
    actual = sum(comb(n, 2) for n in Counter(truth.values()).values())
    both = sum(comb(n, 2) for n in Counter((ids[k], truth[k]) for k in truth).values())
    return both / predicted if predicted else 1.0, both / actual if actual else 1.0


def golden_domains(accounts: pd.DataFrame, ids: dict[RecordKey, str]) -> dict[str, str]:
    """Each unified account's domain as the warehouse reads it from its golden record: the
    domain, else the website, each from its latest member that has one (survivorship "most
    recent")."""
    keys = zip(accounts["connector"], accounts["record_id"], strict=True)
    frame = accounts.assign(unified_id=[ids[RecordKey(c, r)] for c, r in keys])
    frame = frame.sort_values("updated_at")
    latest = {
        column: frame.dropna(subset=[column]).groupby("unified_id")[column].last().to_dict()
        for column in ("domain", "website")
    }
    return {**latest["website"], **latest["domain"]}


def linked_figures(
    keys: list[RecordKey],
    pairs: list,
    decisions: list[Decision],
    upper: float,
    truth: dict[RecordKey, str],
) -> tuple[float, float]:
    """Pairwise precision and recall when pairs from ``upper`` link, under ``decisions``."""
    found = clusters.cluster(keys, pairs, decisions, Thresholds(lower=0.5, upper=upper))
    ids = {key: str(i) for i, members in enumerate(found) for key in members}
    precision, recall = pairwise(ids, truth)
    return round(precision, 4), round(recall, 4)


def automatic_curve(
    keys: list[RecordKey], pairs: list, truth: dict[RecordKey, str]
) -> dict[float, tuple[float, float]]:
    """Precision and recall with no review at lower link thresholds than the default: what a
    tenant trades by linking more (`autonomos unify settings --upper`)."""
    return {upper: linked_figures(keys, pairs, [], upper, truth) for upper in (0.5, 0.65, 0.8, 0.9)}


def run(
    entity: str,
    frame: pd.DataFrame,
    truth: dict[RecordKey, str],
    company_lines: frozenset[str] = frozenset(),
) -> tuple[dict[str, float], dict[RecordKey, str]]:
    thresholds, times = Thresholds(), {}
    start = time.perf_counter()
    prepared = features.prepare(entity, frame, company_lines)
    times["prepare"] = time.perf_counter() - start
    start = time.perf_counter()
    _, weights = training.trained_linker(entity, prepared)
    times["train"] = time.perf_counter() - start
    start = time.perf_counter()
    pairs, _ = linker.score_pairs(entity, prepared, thresholds)
    times["train+predict"] = time.perf_counter() - start
    start = time.perf_counter()
    keys = [RecordKey.parse(k) for k in prepared["unique_id"]]
    found = clusters.cluster(keys, pairs, [], thresholds)
    counter = iter(range(10**9))
    ids = stable_ids.assign(found, {}, lambda n: [f"u{next(counter)}" for _ in range(n)]).ids
    times["cluster+ids"] = time.perf_counter() - start
    precision, recall = pairwise(ids, truth)
    review = [p for p in pairs if p.probability < thresholds.upper]
    # what the figures become once reviewers decide the queue (each pair decided rightly)
    verdicts = [
        Decision(p.left, p.right, "same" if truth[p.left] == truth[p.right] else "different",
                 1, "bench")
        for p in review
    ]  # fmt: skip
    reviewed = clusters.cluster(keys, pairs, verdicts, thresholds)
    after = stable_ids.assign(reviewed, ids, lambda n: [f"v{next(counter)}" for _ in range(n)])
    precision_reviewed, recall_reviewed = pairwise(after.ids, truth)
    queue = pd.DataFrame([(p.probability, truth[p.left] == truth[p.right]) for p in review],
                         columns=["probability", "true"])  # fmt: skip
    bands = pd.cut(queue["probability"], [0.0, 0.65, 0.8, 0.9, thresholds.upper])
    # a calibrated queue: about as many true pairs in a band as its probabilities promise
    true_share = queue.groupby(bands, observed=True)["true"].agg(["size", "mean"]).round(3)
    # reviewers decide 1,000 pairs of the queue (rightly), at random: the threshold their
    # verdicts support (calibration.py), and what linking from there gives
    queued = sorted(verdicts, key=lambda d: (d.left, d.right))  # Splink's order varies
    sample = random.Random(1).sample(queued, min(1000, len(queued)))
    suggested = calibrate(pairs, sample, thresholds).suggested_upper
    figures = {"records": len(frame), "weights": weights, "precision": precision,
               "suggested_upper": suggested,
               "at_suggested": None if suggested is None
               else linked_figures(keys, pairs, sample, suggested, truth),
               "automatic_at": automatic_curve(keys, pairs, truth),
               "review_true_share": {str(k): tuple(v) for k, v in true_share.iterrows()},
               "recall": recall, "pairs": len(pairs), "review": len(review),
               "precision_after_review": precision_reviewed,
               "recall_after_review": recall_reviewed, **times}  # fmt: skip
    return figures, ids


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--records", type=int, default=100_000)
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument(
        "--no-company", action="store_true",
        help="contacts without their account's unified id (the figures before it was used)",
    )  # fmt: skip
    args = parser.parse_args()
    world = bench_world(args.records, args.seed)
    total, account_ids = 0.0, {}
    for entity in ("account", "contact"):
        frame, truth = world[entity]
        if entity == "contact" and not args.no_company:
            # as the warehouse does: a contact's account reference -> that account's unified
            # id, and the domain on its golden record
            unified = [
                account_ids.get(RecordKey(c, a)) if a else None
                for c, a in zip(frame["connector"], frame["account_id"], strict=True)
            ]
            domains = golden_domains(world["account"][0], account_ids)
            frame = frame.assign(
                unified_account_id=unified, unified_account_domain=[domains.get(u) for u in unified]
            )
        # as the warehouse does: the phones of the tenant's accounts are company lines
        lines = features.company_lines(world["account"][0]["phone"])
        figures, ids = run(entity, frame, truth, lines if entity == "contact" else frozenset())
        account_ids = ids if entity == "account" else account_ids
        # score_pairs trains again: the end-to-end time is prepare + train+predict + cluster
        wall = figures["prepare"] + figures["train+predict"] + figures["cluster+ids"]
        total += wall
        print(entity, {k: round(v, 4) if isinstance(v, float) else v for k, v in figures.items()},
              f"wall {wall:.1f} s")  # fmt: skip
    print(f"total unification wall time for {args.records} records: {total:.1f} s")
    for entity, evidence in (
        ("account", account_evidence(*world["account"])),
        ("contact", contact_evidence(*world["contact"], world["account"][1])),
    ):
        total_pairs = sum(evidence.values())
        print(f"true {entity} pairs by what they share beyond a name:",
              {k: f"{v} ({v / total_pairs:.1%})" for k, v in evidence.most_common()})  # fmt: skip


if __name__ == "__main__":
    main()
