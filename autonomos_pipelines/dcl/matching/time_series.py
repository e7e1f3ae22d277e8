"""A time series' date, approved like a table's key where its table agrees on it.

A time series (web traffic per day, a cloud bill per day) is identified by its date, its
grain (`TargetSchema.grains`), not by a key. Like a key, the date decides which canonical
table its table feeds, so it is held for a person (table_decision: `_structural`), and the
table's approved metrics feed nothing until one confirms it. Three signals agree on it the
way they do on a key: the table's fields lead every other entity clearly
(`TableEntity.leads_clearly`), WITNESSES of them map onto the entity's other fields, and the
date is the one field of the table the trees put first on the grain. Where they do, the date
keeps the trees' confidence (approved at AUTO_APPROVE or above, like an agreed key): a Google
Analytics daily table (date, sessions, users, pageviews, bounce rate, source, medium) feeds
web traffic without a person; a product's daily usage (day, active users, sessions, events),
which leans to web traffic on one field, or a help desk's daily ticket counts do not.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from autonomos_pipelines.dcl.matching.candidate import Candidate
from autonomos_pipelines.dcl.matching.settled_keys import WITNESSES, witnesses
from autonomos_pipelines.dcl.matching.table_entity import Table, TableEntity


def agreed_grains(
    ranked: Sequence[Sequence[Candidate]],
    tables: Mapping[Table, Sequence[int]],
    decided: Mapping[Table, TableEntity],
    grains: Mapping[str, str],
    before: Sequence[str | None],
) -> dict[int, tuple[str, int]]:
    """Per row, the grain its table agrees on and how many of the table's fields witness
    it (``grains``: entity -> its date identity; ``before``: each row's first target before
    the table's assignment, which gives a contested grain to one field and something else to
    the other)."""
    agreed = {}
    for table, rows in tables.items():
        decision = decided[table]
        grain = grains.get(decision.entity)
        if grain is None or decision.nested or not decision.leads_clearly:
            continue
        if sum(before[row] == grain for row in rows) != 1:  # two dates: a person says which
            continue
        taking = [row for row in rows if ranked[row] and ranked[row][0].target == grain]
        if len(taking) != 1:  # given away by the assignment
            continue
        (row,) = taking
        seen = witnesses(grain, [ranked[r] for r in rows if r != row])
        if seen >= WITNESSES:
            agreed[row] = (grain, seen)
    return agreed


def grain_said(entity: str, seen: int) -> str:
    """The reason of a time series' date its table agrees on."""
    return (
        f"the table's date, the grain of its {entity} rows; {seen} of its fields say {entity} too"
    )
