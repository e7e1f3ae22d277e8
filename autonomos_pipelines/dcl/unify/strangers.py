"""u from strangers only: Splink's estimates with a tenant's own duplicates taken out.

Splink estimates u (how often two records of different entities agree) from random pairs and
term frequencies from how often a value occurs, and both count a record's own duplicates as
strangers. Where strangers often agree (a city) that is harmless; where they almost never do
(an exact company name, a domain) most random pairs that agree are duplicates, u comes out
several times too high, and a rare name with a city never links on its own. A random pair
agrees with probability λ·m + (1 − λ)·u, so u follows once λ and m are estimated. The
duplicates are only estimated, so what is kept is an upper bound on the strangers (two
standard deviations of a Poisson count), never more than Splink's own estimate. A value's
term frequency counts the entities holding it, as many as one source system holds it most,
not its records: a company in four systems is not four companies."""

from __future__ import annotations

import math
from itertools import product

import duckdb
import numpy as np
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


def stranger_term_frequencies(values: pd.Series, systems: pd.Series, floor: float) -> pd.DataFrame:
    """Per value, how often a stranger of a record holding it holds it too, at least
    ``floor``. A source system holds an entity once or so: the most records of one system
    holding a value is how many entities hold it, and its other holders are their copies
    (a name in four systems once each is one company; three times in one CRM, three)."""
    held = pd.DataFrame({"value": values, "system": systems}).dropna()
    counts = held["value"].value_counts()
    entities = held.groupby(["value", "system"]).size().groupby(level=0).max()
    strangers = counts - counts / entities.reindex(counts.index)
    frequency = (strangers / counts.sum()).clip(lower=floor)
    return pd.DataFrame({values.name: counts.index, f"tf_{values.name}": frequency.to_numpy()})


def compared_share(null_condition: str, columns: list[str], prepared: pd.DataFrame) -> float:
    """Share of a tenant's record pairs a comparison compares (its null level's
    ``null_condition`` false): u is estimated from those pairs only, so a sparse column's u
    rests on fewer pairs than were sampled. Exact: the condition is evaluated once per pair of
    the records' patterns of missing values, on a record of each pattern."""
    records = len(prepared)
    if records < 2:
        return 0.0
    # a record's pattern of missing values as one number; a record of each, by position
    present = prepared[columns].notna().to_numpy()
    codes = present @ (1 << np.arange(len(columns)))
    _, first, counts = np.unique(codes, return_index=True, return_counts=True)
    examples = prepared[columns].iloc[first].to_dict("records")
    pairs = pd.DataFrame(
        [
            {**{f"{c}_l": examples[a][c] for c in columns},
             **{f"{c}_r": examples[b][c] for c in columns},
             "pairs": int(counts[a]) * (int(counts[b]) - (a == b))}
            for a, b in product(range(len(counts)), repeat=2)
        ]
    )  # fmt: skip
    connection = duckdb.connect()
    connection.register("pattern_pairs", pairs)
    # the condition is Splink's SQL for our own comparisons (models.py), never a tenant's text
    query = f"SELECT coalesce(sum(pairs), 0) FROM pattern_pairs WHERE NOT ({null_condition})"  # noqa: S608
    compared = connection.execute(query).fetchone()
    connection.close()
    return float(compared[0] if compared else 0) / (records * (records - 1))


def discount_duplicates(linker: Linker, prepared: pd.DataFrame, pairs_sampled: float) -> int:
    """Lower each trained level's u, and each term-frequency column's frequencies, to what
    strangers alone account for. Returns how many levels were lowered."""
    settings = linker._settings_obj  # Splink keeps trained parameters only there
    match_rate = settings._probability_two_random_records_match
    lowered = 0
    for comparison in settings.comparisons:
        null = next((lvl for lvl in comparison.comparison_levels if lvl.is_null_level), None)
        columns = [c.input_name for c in comparison._input_columns_used_by_case_statement]
        share = compared_share(null.sql_condition, columns, prepared) if null else 1.0
        for level in comparison.comparison_levels:
            if level.is_null_level:
                continue
            m, u_sampled = level.m_probability, level.u_probability
            if m is None or u_sampled is None or share == 0:
                continue
            u = stranger_u(u_sampled, m, match_rate, pairs_sampled * share)
            lowered += u < u_sampled
            level.u_probability = u
            column = level._tf_adjustment_input_column
            if column is not None:
                level._tf_minimum_u_value = u
                table = stranger_term_frequencies(
                    prepared[column.input_name], prepared["source_system"], u
                )
                frame = linker._db_api.register(table)
                linker.table_management.register_term_frequency_lookup(frame, column.input_name)
    return lowered
