"""The entry points: validate an expression for a canonical field, and compile it."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from autonomos_pipelines.core.naming import quote_ident
from autonomos_pipelines.dcl.expressions.checker import Checker
from autonomos_pipelines.dcl.expressions.compiler import Compiler, Dialect, Joins
from autonomos_pipelines.dcl.expressions.lists import NestedList
from autonomos_pipelines.dcl.expressions.nodes import Node, columns_of
from autonomos_pipelines.dcl.expressions.parser import parse
from autonomos_pipelines.dcl.expressions.types import require_fit


@dataclass(frozen=True)
class Checked:
    """A valid expression: its type, the columns it reads, and its SQL per dialect asked for."""

    text: str
    type: str
    columns: frozenset[str]
    sql: dict[str, str]


def check_expression(  # noqa: PLR0913
    text: str,
    canonical_type: str | None = None,
    columns: dict[str, str] | None = None,
    target: str = "the target field",
    dialects: Sequence[Dialect] = (),
    lists: dict[str, NestedList] | None = None,
    table: str | None = None,
) -> Checked:
    """Parse and type-check ``text`` against the table's ``columns`` ({name: warehouse
    type}; None when unknown) and nested ``lists`` (None: unknown) and, given one, the
    canonical field's type; compile it for ``dialects`` (over ``table``, named so when
    given). Raises ExpressionError with the position and reason when it is not valid."""
    tree = parse(text)
    checker = Checker(columns, lists)
    result = checker.check_tree(tree)
    if canonical_type is not None:
        require_fit(result, canonical_type, target)
    sql = {d.name: _preview(checker, d, tree, table or "TABLE") for d in dialects}
    return Checked(text, result, frozenset(columns_of(tree)), sql)


def _preview(checker: Checker, dialect: Dialect, tree: Node, table: str) -> str:
    """The expression's SQL; with the nested lists it joins, as the SELECT that reads it."""
    joins = Joins()
    expression = Compiler(checker, dialect, table=table, joins=joins).sql(tree)
    if not joins.clauses:
        return expression
    return f"SELECT {expression} FROM {quote_ident(table)} AS src{joins.sql()}"  # noqa: S608


def compile_expression(
    text: str,
    columns: dict[str, str] | None,
    dialect: Dialect,
    lists: dict[str, NestedList] | None = None,
    schema: str | None = None,
    joins: Joins | None = None,
) -> str:
    """The SQL of ``text`` for ``dialect`` over the table aliased ``src``, whose nested
    ``lists`` are tables in ``schema`` (given, a list not among them has no items yet: dlt
    creates its table with the first); what the SELECT must join for them is added to
    ``joins``."""
    tree = parse(text)
    checker = Checker(columns, lists, absent_is_empty=schema is not None)
    checker.check_tree(tree)
    sql = Compiler(checker, dialect, schema=schema, joins=joins).sql(tree)
    # a bare NULL has no type for PostgreSQL's to_jsonb and friends to go by
    return sql if sql != "NULL" else f"CAST(NULL AS {dialect.types['string']})"


def read_columns(text: str) -> frozenset[str]:
    """The columns ``text`` reads (an expression that does not parse reads none)."""
    return frozenset(columns_of(parse(text)))
