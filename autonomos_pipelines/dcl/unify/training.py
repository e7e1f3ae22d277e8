"""A Splink linker with the weights a tenant's own records support.

The share of matches from near-certain rules, u by random sampling (then of strangers only,
strangers.py), m by expectation–maximisation with a floor; a tenant with too few records
keeps the priors of models.py."""

from __future__ import annotations

import logging

import pandas as pd
from splink import DuckDBAPI, Linker, SettingsCreator
from splink.internals.exceptions import EMTrainingException

from autonomos_pipelines.dcl.unify import strangers
from autonomos_pipelines.dcl.unify.models import MODELS, PRIOR_MATCH_SHARE

# Below this many records EM has too few pairs per level to estimate m reliably.
MIN_RECORDS_TO_TRAIN = 200
ESTIMATED = "estimated from this tenant's records (EM)"
SEED = 20
# Random pairs sampled to estimate u, every one of them counted (strangers.py bounds u over
# them): three times Splink's default, as strangers who share an exact name or domain are a
# few in a million pairs; ~2 s per entity on DuckDB for 50,000 records (1e7 took ~7 s).
U_SAMPLE_PAIRS = 3e6
# EM learns m only from what a tenant's records show: when no duplicate among them has
# changed job, phone or surname, it drives the m of "differs" to ~0 and one disagreement
# vetoes a pair whatever else agrees. People do change these; at this floor a disagreement
# stays strong evidence against (about -6.6 bits) but is never a veto.
M_FLOOR = 0.01


def _linker(entity: str, prepared: pd.DataFrame) -> Linker:
    model = MODELS[entity]
    settings = SettingsCreator(
        link_type="dedupe_only",
        comparisons=list(model.comparisons),
        blocking_rules_to_generate_predictions=list(model.blocking),
        probability_two_random_records_match=PRIOR_MATCH_SHARE,
        retain_intermediate_calculation_columns=True,
        retain_matching_columns=False,
    )
    db_api = DuckDBAPI()
    frame = db_api.register(prepared)
    # Splink warns per untrained level; whether the model trained is in our own result.
    return Linker(frame, settings, log_level=logging.ERROR)


class EmRefused(Exception):
    """Splink refused what one EM session estimated (an m driven to 0)."""

    def __init__(self, rule: int, reason: str) -> None:
        super().__init__(reason)
        self.rule = rule


def train(
    entity: str, linker: Linker, prepared: pd.DataFrame, skip: frozenset[int] = frozenset()
) -> str:
    """Estimate the weights from the tenant's data: the match rate and u, then m by EM on
    each training rule not in ``skip``, u of strangers only; priors kept when it is too
    small. Returns what was estimated."""
    records = len(prepared)
    if records < MIN_RECORDS_TO_TRAIN:
        _without_term_frequencies(linker)
        return f"priors (fewer than {MIN_RECORDS_TO_TRAIN} records)"
    model = MODELS[entity]
    training = linker.training
    training.estimate_probability_two_random_records_match(list(model.deterministic), recall=0.8)
    settings = linker._settings_obj  # Splink keeps the estimate only there
    if not 0 < settings._probability_two_random_records_match < 1:
        # no pair (or every pair) agrees on a deterministic rule: nothing for EM to learn from
        settings._probability_two_random_records_match = PRIOR_MATCH_SHARE
        return "priors (no two records agree on a deterministic rule: nothing to learn from)"
    # every sampled pair, not Splink's early stop at 100 per level: strangers.py's margin
    # counts on the pairs sampled
    training.estimate_u_using_random_sampling(
        max_pairs=U_SAMPLE_PAIRS, seed=SEED, min_count_per_level=None
    )
    for index, rule in enumerate(model.em_rules):
        if index in skip:
            continue
        try:
            training.estimate_parameters_using_expectation_maximisation(rule)
        except (ValueError, EMTrainingException) as error:
            raise EmRefused(index, str(error).split(". ")[0]) from error
    floored = _floor_m(linker)
    pairs_sampled = min(U_SAMPLE_PAIRS, records * (records - 1) / 2)
    lowered = strangers.discount_duplicates(linker, prepared, pairs_sampled)
    notes = [f"u of strangers only ({lowered} levels lowered)"] if lowered else []
    notes += [f"m raised to {M_FLOOR} on {', '.join(floored)}"] if floored else []
    return "; ".join([ESTIMATED, *notes])


def _without_term_frequencies(linker: Linker) -> None:
    """A few records' value counts say nothing of how common a value is (in three records
    one company's phone is "two in three"): the priors decide alone."""
    for comparison in linker._settings_obj.comparisons:
        for level in comparison.comparison_levels:
            level._tf_adjustment_weight = 0.0


def _floor_m(linker: Linker) -> list[str]:
    """Raise every estimated m below M_FLOOR to it; the levels raised."""
    floored = []
    for comparison in linker._settings_obj.comparisons:
        for level in comparison.comparison_levels:
            if level.is_null_level or level.m_probability is None:
                continue
            if level.m_probability < M_FLOOR:
                level.m_probability = M_FLOOR
                floored.append(f"{comparison.output_column_name} {level.label_for_charts!r}")
    return floored


def trained_linker(entity: str, prepared: pd.DataFrame) -> tuple[Linker, str]:
    """A linker with the weights this tenant's records support, and what was estimated.

    Splink 5 refuses an m that EM drove to 0 (a comparison level no match of this tenant
    reaches) in the middle of a session, and a training rule no pair satisfies (no two
    records share a domain); the half-trained model is dropped and trained again without
    that session, whose comparisons keep their priors."""
    skipped: dict[int, str] = {}
    while True:
        linker = _linker(entity, prepared)
        try:
            weights = train(entity, linker, prepared, frozenset(skipped))
        except EmRefused as refused:
            skipped[refused.rule] = str(refused)
            continue
        if not skipped:
            return linker, weights
        rules = MODELS[entity].em_rules
        left_out = "; ".join(
            f"{rules[i].get_blocking_rule('duckdb').blocking_rule_sql}: {why}"
            for i, why in skipped.items()
        )
        return linker, f"{weights}, without the EM session(s) Splink refused ({left_out})"
