"""Payload keys that dlt's naming convention folds into one column lose all values but one,
silently: `First Name` and `first_name`, or two non-Latin names that both become `x`. A key
named like dlt's own columns (`_dlt_id`) would clash with them.

Before dlt sees a record, every colliding key but one gets a stable name of its own,
`<column>_<8 hex of the key's hash>`, so each value lands in its own column. The key that
keeps the column is the one already spelled like it, else the smallest; `_dlt…` keys all
become `source_dlt…_<hash>`. Renames are
collected for the load's log and metadata. Plans are cached per key set: records of one
shape cost a tuple and a dict lookup.
"""

from __future__ import annotations

import hashlib
from collections import defaultdict
from typing import Any

from dlt.common.normalizers.naming.snake_case import NamingConvention

DLT_PREFIX = "_dlt"


def _digest(key: str) -> str:
    return hashlib.sha256(key.encode("utf-8", "surrogatepass")).hexdigest()[:8]


class KeyCollisions:
    def __init__(self) -> None:
        self._naming = NamingConvention()
        self._plans: dict[tuple[str, ...], dict[str, str]] = {}
        self.renamed: dict[str, str] = {}  # original key -> the key it was given

    def __call__(self, item: Any) -> Any:
        if isinstance(item, dict):
            plan = self._plan(tuple(item))
            if plan:
                item = {plan.get(key, key): value for key, value in item.items()}
            for key, value in item.items():
                if isinstance(value, dict | list):
                    item[key] = self(value)
        elif isinstance(item, list):
            item = [self(value) for value in item]
        return item

    def _plan(self, keys: tuple[str, ...]) -> dict[str, str]:
        plan = self._plans.get(keys)
        if plan is None:
            plan = self._plans[keys] = self._renames(keys)
            self.renamed.update(plan)
        return plan

    def _renames(self, keys: tuple[str, ...]) -> dict[str, str]:
        columns: dict[str, list[str]] = defaultdict(list)
        for key in keys:
            columns[self._column(key)].append(key)
        renames = {}
        for column, originals in columns.items():
            if column.startswith(DLT_PREFIX):  # dlt's own columns (_dlt_id, ...) stay dlt's
                renames.update({key: f"source{column}_{_digest(key)}" for key in originals})
                continue
            if len(originals) < 2:
                continue
            keeper = column if column in originals else min(originals)
            renames.update({key: f"{column}_{_digest(key)}" for key in originals if key != keeper})
        return renames

    def _column(self, key: Any) -> str:
        try:
            return self._naming.normalize_identifier(str(key))
        except ValueError:  # a blank key: dlt gives it the column "_empty"
            return "_empty"
