"""How far a field leads the other fields of its table on a target: the table's view of a
candidate, where the score is the field's view.

Fields are scored one by one, so ``unique_clicks`` and ``clicks`` both score high on
``campaign.clicks``; only one of them is the table's best field for it. A candidate whose
field leads its table's other fields by a wide margin is likelier right than one another
field scores higher on. The confidence trees read the margin (confidence.EVIDENCE).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence

import numpy as np

from autonomos_pipelines.dcl.matching.nested_tables import is_dlt_column
from autonomos_pipelines.dcl.matching.source_field import SourceField
from autonomos_pipelines.dcl.matching.table_entity import Table
from autonomos_pipelines.dcl.matching.type_tags import tagged_as

COLUMN_MARGIN = "column_margin"


def column_margin(
    scores: np.ndarray,
    tables: Sequence[Sequence[int]],
    rivals: Sequence[np.ndarray | None] = (),
) -> np.ndarray:
    """rows x targets: each row's score minus the best score of its table's other fields on
    the same target: its other rows, and ``rivals[i]`` (fields x targets), the scores of
    table i's fields not ranked with it (seen before, whatever their state). NaN where a
    table has no other field: there is nothing to lead."""
    margin = np.full(scores.shape, np.nan)
    for index, rows in enumerate(tables):
        rival = rivals[index] if index < len(rivals) else None
        block = scores[rows]
        field = block if rival is None else np.vstack([block, rival])
        if len(field) < 2:
            continue
        top_two = -np.partition(-field, 1, axis=0)[:2]  # best and second best per target
        leads = block >= top_two[0]
        margin[rows] = block - np.where(leads, top_two[1], top_two[0])
    return margin


def others_of(
    fields: Sequence[SourceField], others: Mapping[Table, Sequence[SourceField]]
) -> dict[Table, list[SourceField]]:
    """Per table of ``fields`` that has any, its ``others`` (fields not ranked with them)."""
    tables = dict.fromkeys((f.source_system, f.source_entity) for f in fields)
    return {table: list(others[table]) for table in tables if others.get(table)}


def ranked_alike(fields: Sequence[SourceField]) -> list[SourceField]:
    """Those of a table's ``fields`` a ranking of the whole table would weigh its fields
    against: its own, dlt's columns and type tags aside (Matcher.decide). The trees learnt
    the margin over whole tables; a field ranked alone in a table none of whose other fields
    is mapped yet (all waiting for a person) would otherwise lead nothing, a margin they
    hardly ever saw."""
    return [f for f in fields if not is_dlt_column(f.field) and tagged_as(f) is None]


def rival_scores(
    rivals: Mapping[Table, Sequence[SourceField]],
    score: Callable[[list[SourceField]], np.ndarray],
) -> dict[Table, np.ndarray]:
    """Per table, its rivals' rows of ``score`` (fields x targets), scored in one call."""
    if not rivals:
        return {}
    scores = score([f for known in rivals.values() for f in known])
    bounds = np.cumsum([0, *(len(known) for known in rivals.values())])
    return {t: scores[a:b] for t, a, b in zip(rivals, bounds[:-1], bounds[1:], strict=True)}
