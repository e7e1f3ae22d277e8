"""Source data inside the Markdown tables of asset metadata and check reports."""

from __future__ import annotations


def cell(value: str, limit: int = 80) -> str:
    """A source value as one table cell: a pipe, a backtick or a line break in the data
    would end the cell, the code span or the row (a backslash first, so that one before a
    pipe cannot undo the pipe's escape)."""
    escaped = value.replace("\\", "\\\\").replace("|", "\\|").replace("`", "'")
    return escaped.replace("\r", " ").replace("\n", " ")[:limit]
