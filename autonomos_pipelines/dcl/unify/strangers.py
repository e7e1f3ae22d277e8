"""u from strangers only: Splink's estimates with a tenant's own duplicates taken out.

Splink estimates u (how often two records of different entities agree) from random pairs and
term frequencies from how often a value occurs, and both count a record's own duplicates as
strangers. Where strangers often agree (a city) that is harmless; where they almost never do
(an exact company name, a domain) most random pairs that agree are duplicates, u comes out
several times too high, and a rare name with a city never links on its own. A random pair
agrees with probability λ·m + (1 − λ)·u, so u follows once λ and m are estimated. The
duplicates are only estimated, so what is kept is an upper bound on the strangers (two
standard deviations of a Poisson count), never more than Splink's own estimate."""

from __future__ import annotations

import math

import pandas as pd
from splink import Linker


def stranger_u(u_sampled: float, m: float, match_rate: float, pairs_sampled: float) -> float:
    """An upper bound on u among strangers from ``u_sampled`` over ``pairs_sampled`` random
    pairs, of which ``match_rate`` are duplicates agreeing at rate ``m``."""
    agreeing = u_sampled * pairs_sampled
    strangers = max(agreeing - pairs_sampled * match_rate * m, 0.0) + 2 * math.sqrt(
        max(agreeing, 1.0)
    )
    return min(u_sampled, strangers / pairs_sampled)


def stranger_term_frequencies(
    values: pd.Series, m: float, match_rate: float, floor: float
) -> pd.DataFrame:
    """Per value, how often a stranger of a record holding it holds it too: its count less
    the record itself and the duplicates expected to share it, at least ``floor``."""
    counts = values.dropna().value_counts()
    # m is of pairs where both hold a value: the duplicates expected among the other holders
    own_copies = 1 + m * match_rate * (counts.sum() - 1)
    frequency = ((counts - own_copies) / counts.sum()).clip(lower=floor)
    return pd.DataFrame({values.name: counts.index, f"tf_{values.name}": frequency.to_numpy()})


def discount_duplicates(linker: Linker, prepared: pd.DataFrame, pairs_sampled: float) -> int:
    """Lower each trained level's u, and each term-frequency column's frequencies, to what
    strangers alone account for. Returns how many levels were lowered."""
    settings = linker._settings_obj  # Splink keeps trained parameters only there
    match_rate = settings._probability_two_random_records_match
    lowered = 0
    for comparison in settings.comparisons:
        for level in comparison.comparison_levels:
            if level.is_null_level:
                continue
            m, u_sampled = level.m_probability, level.u_probability
            if m is None or u_sampled is None:
                continue
            u = stranger_u(u_sampled, m, match_rate, pairs_sampled)
            lowered += u < u_sampled
            level.u_probability = u
            column = level._tf_adjustment_input_column
            if column is not None:
                level._tf_minimum_u_value = u
                table = stranger_term_frequencies(prepared[column.input_name], m, match_rate, u)
                frame = linker._db_api.register(table)
                linker.table_management.register_term_frequency_lookup(frame, column.input_name)
    return lowered
