"""The lists nested in a table's records, which its expressions may aggregate.

dlt loads a list inside a source's records (a Stripe subscription's items, a Pipedrive
person's e-mail addresses, a Zendesk ticket's tags) as a table of its own named
``<parent>__<path>``, each row carrying `_dlt_parent_id` (its parent row's `_dlt_id`) and
`_dlt_list_idx` (its place in the list). An expression on the parent table reads such a list
as ``<path>.<column>`` inside an aggregate (functions.AGGREGATES), one value per parent row.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

PARENT_KEY = "_dlt_parent_id"  # every nested table has it, whatever else dlt adds
ROW_KEY = "_dlt_id"  # the parent row's, which PARENT_KEY holds
LIST_INDEX = "_dlt_list_idx"
SEPARATOR = "__"  # dlt's naming convention between a parent table and a nested path
SCALAR_COLUMN = "value"  # dlt's column for the items of a list of scalars (tags: [...])


@dataclass(frozen=True)
class NestedList:
    table: str  # the nested table's name in the same schema
    columns: dict[str, str]  # {column: warehouse type}


def nested_lists(table: str, tables: Mapping[str, Mapping[str, str]]) -> dict[str, NestedList]:
    """The lists nested directly in ``table``'s records, by path, among ``tables`` ({name:
    {column: type}} of one schema): a table ``<table>__<path>`` with dlt's parent key whose
    nearest loaded ancestor is ``table`` itself (a list inside a list is its parent list's)."""
    prefix = table.lower() + SEPARATOR
    names = {name.lower() for name in tables}
    found = {}
    for name, columns in tables.items():
        if not name.lower().startswith(prefix) or PARENT_KEY not in columns:
            continue
        path = name[len(table) + len(SEPARATOR) :]
        parts = path.lower().split(SEPARATOR)
        between = (prefix + SEPARATOR.join(parts[:i]) for i in range(1, len(parts)))
        if path and not any(ancestor in names for ancestor in between):
            found[path] = NestedList(name, dict(columns))
    return found
