"""Score candidate pairs with Splink (Fellegi–Sunter) on an in-memory DuckDB.

Candidate pairs come from blocking rules on normalised keys, so a tenant's records are never
compared all against all. The model's weights are estimated from the tenant's own records:
the share of matches from near-certain rules, u by random sampling, m by
expectation–maximisation. A tenant with too few records to train keeps the PRIORS on each
comparison level (m: how often true duplicates agree; u: how often strangers do)."""

from __future__ import annotations

import logging
from dataclasses import dataclass

import pandas as pd
import splink.comparison_library as cl
from splink import DuckDBAPI, Linker, SettingsCreator, block_on
from splink.internals.blocking_rule_creator import BlockingRuleCreator
from splink.internals.comparison_creator import ComparisonCreator
from splink.internals.exceptions import EMTrainingException

from autonomos_pipelines.dcl.unify import strangers
from autonomos_pipelines.dcl.unify.model import RecordKey, ScoredPair, Thresholds

# Below this many records EM has too few pairs per level to estimate m reliably.
MIN_RECORDS_TO_TRAIN = 200
ESTIMATED = "estimated from this tenant's records (EM)"
SEED = 20
# Random pairs sampled to estimate u: ten times Splink's default, as strangers who share an
# exact name or domain are a few in a million pairs (see strangers.py); ~1-2 s on DuckDB.
U_SAMPLE_PAIRS = 1e7
# EM learns m only from what a tenant's records show: when no duplicate among them has
# changed job, phone or surname, it drives the m of "differs" to ~0 and one disagreement
# vetoes a pair whatever else agrees. People do change these; at this floor a disagreement
# stays strong evidence against (about -6.6 bits) but is never a veto.
M_FLOOR = 0.01


def _exact(column: str, m: float, u: float, shared: bool = False) -> ComparisonCreator:
    """``shared``: a value many records hold says less (a switchboard that colleagues share, a
    placeholder number), so agreeing on it weighs by its term frequency."""
    return cl.ExactMatch(column).configure(
        m_probabilities=[m, 1 - m], u_probabilities=[u, 1 - u], term_frequency_adjustments=shared
    )


def _fuzzy(column: str, m: list[float], u: list[float]) -> ComparisonCreator:
    # Term frequencies: agreeing on a rare name says far more than agreeing on a common one.
    return cl.JaroWinklerAtThresholds(column, [0.92, 0.8]).configure(
        m_probabilities=m, u_probabilities=u, term_frequency_adjustments=True
    )


def _email(m: list[float], u: list[float]) -> ComparisonCreator:
    """Two different addresses say little when one is a work and the other a personal
    mailbox (people have both), much when both are work addresses (another person, or
    another job) or both personal."""
    levels = [
        ('"email_l" IS NULL OR "email_r" IS NULL', "no e-mail on one side", None),
        ('"email_l" = "email_r"', "same e-mail", 0),
        ('"email_kind_l" <> "email_kind_r"', "a work and a personal address", 1),
        ("ELSE", "different addresses of one kind", 2),
    ]
    return cl.CustomComparison(
        output_column_name="email",
        comparison_levels=[
            {"sql_condition": sql, "label_for_charts": label, "is_null_level": True}
            if i is None
            else {"sql_condition": sql, "label_for_charts": label,
                  "m_probability": m[i], "u_probability": u[i]}
            for sql, label, i in levels
        ],
    )  # fmt: skip


def _workplace(m: float, u: float) -> ComparisonCreator:
    """Where a person works, one piece of evidence however it shows: the same workplace
    domain (a work address's, else the unified account's) or the same unified account. Two
    comparisons would count one fact twice (a work address's domain is the company's), and
    two namesakes' first names at one firm would link."""
    both_missing = " AND ".join(
        f'("{c}_l" IS NULL OR "{c}_r" IS NULL)' for c in ("workplace_domain", "company")
    )
    same_place = '"workplace_domain_l" = "workplace_domain_r" OR "company_l" = "company_r"'
    return cl.CustomComparison(
        output_column_name="workplace",
        comparison_levels=[
            {"sql_condition": both_missing, "label_for_charts": "no workplace on one side",
             "is_null_level": True},
            {"sql_condition": same_place,
             "label_for_charts": "same company domain or account",
             "m_probability": m, "u_probability": u},
            {"sql_condition": "ELSE", "label_for_charts": "different workplace",
             "m_probability": 1 - m, "u_probability": 1 - u},
        ],
    )  # fmt: skip


@dataclass(frozen=True)
class EntityModel:
    """Comparisons (with priors), prediction blocking, training rules for one entity."""

    comparisons: tuple[ComparisonCreator, ...]
    blocking: tuple[BlockingRuleCreator, ...]
    deterministic: tuple[BlockingRuleCreator, ...]
    em_rules: tuple[BlockingRuleCreator, ...]


ACCOUNT = EntityModel(
    comparisons=(
        _fuzzy("name", [0.80, 0.12, 0.05, 0.03], [0.001, 0.004, 0.03, 0.965]),
        _exact("domain", 0.90, 0.0005),
        _exact("phone", 0.70, 0.0005, shared=True),
        _exact("street", 0.65, 0.001),
        _exact("city", 0.70, 0.02),
        _exact("postcode", 0.65, 0.002),
    ),
    blocking=(
        block_on("domain"),
        block_on("phone"),
        block_on("name"),
        block_on("name_key", "city"),
        block_on("name_key", "postcode"),
    ),
    deterministic=(block_on("domain"), block_on("phone"), block_on("name", "city")),
    em_rules=(block_on("domain"), block_on("name")),
)
CONTACT = EntityModel(
    comparisons=(
        _email([0.80, 0.15, 0.05], [0.0001, 0.32, 0.6799]),
        _fuzzy("first_name", [0.80, 0.10, 0.05, 0.05], [0.01, 0.01, 0.03, 0.95]),
        _fuzzy("last_name", [0.85, 0.08, 0.04, 0.03], [0.002, 0.004, 0.02, 0.974]),
        _exact("phone", 0.65, 0.0005, shared=True),
        _workplace(0.80, 0.01),
        _exact("city", 0.65, 0.02),
    ),
    blocking=(
        block_on("email"),
        block_on("phone"),
        block_on("last_name", "workplace_domain"),
        block_on("last_name", "substr(first_name, 1, 1)"),
        block_on("first_name", "workplace_domain"),
        block_on("last_name", "company"),
        block_on("first_name", "company"),
    ),
    deterministic=(
        block_on("email"),
        block_on("phone"),
        block_on("first_name", "last_name", "workplace_domain"),
        block_on("first_name", "last_name", "company"),
    ),
    em_rules=(block_on("workplace_domain"), block_on("last_name")),
)
MODELS = {"account": ACCOUNT, "contact": CONTACT}
PRIOR_MATCH_SHARE = 0.0005


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
    training.estimate_u_using_random_sampling(max_pairs=U_SAMPLE_PAIRS, seed=SEED)
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


def _evidence(left: dict, right: dict, weights: dict[str, float]) -> dict[str, str]:
    """Per compared field what the comparison found: equal keys are "exact", a positive
    partial weight "close", a missing side "missing", anything else "differs" (for e-mail,
    "work vs personal" when one address is each)."""
    found = {}
    for column, weight in weights.items():
        if column not in left:  # a comparison over several keys: its weight says it
            found[column] = "exact" if weight > 0 else "differs" if weight < 0 else "missing"
            continue
        a, b = left.get(column), right.get(column)
        found[column] = (
            "missing"
            if a is None or b is None
            else "exact"
            if a == b
            else "close"
            if weight > 0
            else "differs"
        )
    if found.get("email") not in (None, "missing", "exact"):
        # no e-mail level compares addresses by likeness, so "close" means nothing here, and
        # a trained weight of a work against a personal address can fall either side of 0
        kinds_differ = left.get("email_kind") != right.get("email_kind")
        found["email"] = "work vs personal" if kinds_differ else "differs"
    return found


def score_pairs(
    entity: str, prepared: pd.DataFrame, thresholds: Thresholds
) -> tuple[list[ScoredPair], str]:
    """Pairs with a match probability of at least ``thresholds.lower``, and what of the
    weights was estimated from these records (see `train`)."""
    if len(prepared) < 2:
        return [], "nothing to compare"
    linker, weights = trained_linker(entity, prepared)
    scored = linker.inference.predict(
        threshold_match_probability=thresholds.lower
    ).as_pandas_dataframe()
    keys = prepared.set_index("unique_id").to_dict("index")
    columns = [
        c.removeprefix("mw_")
        for c in scored.columns
        if c.startswith("mw_") and not c.startswith("mw_tf_")
    ]
    pairs = [
        ScoredPair(
            RecordKey.parse(str(row["unique_id_l"])),
            RecordKey.parse(str(row["unique_id_r"])),
            float(row["match_probability"]),
            _evidence(
                keys[row["unique_id_l"]],
                keys[row["unique_id_r"]],
                {c: float(row[f"mw_{c}"]) for c in columns},
            ),
        )
        for _, row in scored.iterrows()
    ]
    return pairs, weights
