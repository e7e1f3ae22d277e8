"""The targets of a table's own entity ranked just below a field's first candidates, built
where its table's order needs them (table_decision.OFFERED_DEPTH, candidate.own_entity_first).

A field's candidates are built as deep as its table's assignment reads (SETTLE_DEPTH); after
the first, the table's own entity's targets go before other entities', so where another
entity's target is among them an own target ranked a little deeper moves up. Building every
field's candidates that deep cost a fifth of a 50,000-field onboarding (bench/scale.py): only
the fields with another entity's target among their first get the deeper own ones, which is
exactly what a deeper list would have put first, so how many are asked for changes nothing.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np

from autonomos_pipelines.dcl.matching.candidate import Candidate

# builds the candidates of (rows, targets) pairs, one per pair, in order
Build = Callable[[np.ndarray, np.ndarray], list[Candidate]]


def own_deeper(
    ranked: list[list[Candidate]],
    ranking: np.ndarray,
    row_entity: np.ndarray,
    target_entity: np.ndarray,
    depth: int,
    build: Build,
) -> list[list[Candidate]]:
    """``ranked`` (each row's candidates, best score first, all as deep), each row with
    another entity's target among them given its own entity's (``row_entity``: its table's
    entity, per row) targets ranked below them down to ``depth`` (``ranking``: each row's
    targets best first), appended in score order."""
    shown = len(ranked[0]) if ranked else 0
    if shown >= depth or shown >= ranking.shape[1]:
        return ranked
    mixed = (target_entity[ranking[:, :shown]] != row_entity[:, None]).any(axis=1)
    deeper = ranking[:, shown:depth]
    rows, columns = np.nonzero((target_entity[deeper] == row_entity[:, None]) & mixed[:, None])
    if not len(rows):
        return ranked
    extended = [list(candidates) for candidates in ranked]
    for row, candidate in zip(rows.tolist(), build(rows, deeper[rows, columns]), strict=True):
        extended[row].append(candidate)
    return extended
