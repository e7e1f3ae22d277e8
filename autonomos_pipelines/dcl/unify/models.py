"""What the linker compares for each entity, with documented priors, and how it finds
candidate pairs.

Each comparison's levels carry PRIORS (m: how often true duplicates agree; u: how often
strangers do) that a tenant too small to train keeps; blocking rules on normalised keys give
the candidate pairs, so a tenant's records are never compared all against all; the
deterministic rules (near-certain matches) estimate the match rate, the EM rules train m."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import splink.comparison_level_library as cll
import splink.comparison_library as cl
from splink import block_on
from splink.internals.blocking_rule_creator import BlockingRuleCreator
from splink.internals.comparison_creator import ComparisonCreator
from splink.internals.comparison_level_creator import ComparisonLevelCreator


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


def _given_name(m: list[float], u: list[float]) -> ComparisonCreator:
    """A first name: the same (weighed by how common it is), one a nickname of the other
    ("Bob" and "Robert": the record's ``first_name_forms``), or alike in spelling."""
    levels = [
        cll.ExactMatchLevel("first_name", term_frequency_adjustments=True),
        cll.CustomLevel(
            'list_contains("first_name_forms_l", "first_name_r")', "a nickname of the other"
        ),
        cll.JaroWinklerLevel("first_name", 0.92),
        cll.JaroWinklerLevel("first_name", 0.8),
        cll.ElseLevel(),
    ]
    configured: list[ComparisonLevelCreator | dict[str, Any]] = [cll.NullLevel("first_name")]
    configured += [
        level.configure(m_probability=mi, u_probability=ui)
        for level, mi, ui in zip(levels, m, u, strict=True)
    ]
    return cl.CustomComparison(configured, output_column_name="first_name")


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
        # a misspelt name with nothing else to block on but its address
        block_on("street", "substr(name_key, 1, 1)"),
    ),
    deterministic=(block_on("domain"), block_on("phone"), block_on("name", "city")),
    em_rules=(block_on("domain"), block_on("name")),
)
CONTACT = EntityModel(
    comparisons=(
        _email([0.80, 0.15, 0.05], [0.0001, 0.32, 0.6799]),
        _given_name([0.78, 0.03, 0.09, 0.05, 0.05], [0.01, 0.003, 0.01, 0.03, 0.947]),
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
