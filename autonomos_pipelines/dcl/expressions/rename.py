"""Rewrite an expression when a column it reads is renamed at the source (drift repair).

The rewrite works on the parsed tree's column positions, so a string literal or a function
name that happens to spell the old name is left alone, and the result is parsed again to
prove it reads exactly the columns it read before with the old one replaced."""

from __future__ import annotations

from autonomos_pipelines.dcl.expressions.errors import ExpressionError
from autonomos_pipelines.dcl.expressions.nodes import Column, Node, children, columns_of
from autonomos_pipelines.dcl.expressions.parser import parse
from autonomos_pipelines.dcl.expressions.tokens import quoted_run, spelled


def _columns(node: Node) -> list[Column]:
    found, stack = [], [node]
    while stack:
        current = stack.pop()
        if isinstance(current, Column):
            found.append(current)
        stack.extend(children(current))
    return found


def reads(text: str, nested: str | None = None) -> set[str]:
    """The columns ``text`` reads of its table (``nested`` None) or of that nested list."""
    return {c.name for c in _columns(parse(text)) if _in(c, nested)}


def list_reads(text: str) -> set[tuple[str, str]]:
    """(list path, column) for each column ``text`` reads of the lists nested in its table."""
    return {(c.nested, c.name) for c in _columns(parse(text)) if c.nested is not None}


def _in(column: Column, nested: str | None) -> bool:
    if nested is None or column.nested is None:
        return column.nested is nested
    return column.nested.lower() == nested.lower()  # dlt's table names, any case


def rename_column(text: str, old: str, new: str, nested: str | None = None) -> str:
    """``text`` with every reference to column ``old`` of its table (``nested``: of that
    nested list, `list.old`) made a reference to ``new``."""
    tree = parse(text)
    spans = []
    for column in _columns(tree):
        if column.name != old or not _in(column, nested):
            continue
        start = column.position
        quoted = text[start] == '"'
        end = quoted_run(text, start, '"')[1] if quoted else start + len(old)
        # a quoted name may touch its neighbours (`"status"in (...)`): it stays quoted
        spans.append((start, end, quoted))
    rewritten = text
    for start, end, quoted in sorted(spans, reverse=True):
        written = '"' + new.replace('"', '""') + '"' if quoted else spelled(new)
        rewritten = rewritten[:start] + written + rewritten[end:]
    expected = (reads(text, nested) - {old}) | ({new} if spans else set())
    others = columns_of(tree) if nested is not None else None
    if reads(rewritten, nested) != expected or (
        others is not None and columns_of(parse(rewritten)) != others
    ):  # never store a rewrite that reads otherwise
        raise ExpressionError(f"renaming column {old!r} to {new!r} changed what it reads")
    return rewritten
