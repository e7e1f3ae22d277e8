"""Compile a type-checked AST to SQL for one dialect.

Columns compile to ``src."name"`` through quote_ident, string literals through quote_literal,
numbers only after the tokenizer matched them as digits. Every compound is parenthesised,
so precedence in SQL is the AST's. Division is decimal division and NULL when dividing by 0.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Protocol

from autonomos_pipelines.core.naming import quote_ident, quote_literal
from autonomos_pipelines.dcl.expressions.checker import Checker
from autonomos_pipelines.dcl.expressions.errors import ExpressionError
from autonomos_pipelines.dcl.expressions.functions import AGGREGATES, CASTS, MINOR_UNITS
from autonomos_pipelines.dcl.expressions.lists import LIST_INDEX, PARENT_KEY, ROW_KEY, SEPARATOR
from autonomos_pipelines.dcl.expressions.literals import (
    FALSE,
    INTEGER_MAX,
    TEXT_FORMS,
    TRUE,
    cast_text,
)
from autonomos_pipelines.dcl.expressions.nodes import (
    Binary,
    Call,
    Column,
    InList,
    IsNull,
    Literal,
    Node,
    Unary,
    children,
)
from autonomos_pipelines.dcl.expressions.types import is_floating
from autonomos_pipelines.dcl.model.currencies import minor_unit_divisor


class Dialect(Protocol):
    """What the compiler needs of a SQL dialect: warehouse/dialects.py's DuckDbDialect and
    PostgresDialect fit it (the DCL does not import the warehouse)."""

    name: str
    types: dict[str, str]

    def try_cast(self, expr: str, canonical_type: str) -> str: ...

    def as_text(self, expr: str) -> str: ...

    def decimal_product(self, left: str, right: str) -> str: ...

    def full_match(self, expr: str, pattern: str) -> str: ...


NESTED_ALIAS = "nst"  # a nested list's rows inside an aggregate's subquery (they do not nest)


@dataclass
class Joins:
    """The nested lists a SELECT joins, each grouped by parent row: one per aggregate,
    aliased agg1, agg2, ... (one collector per SELECT keeps the aliases apart)."""

    clauses: list[str] = field(default_factory=list)

    def add(self, grouped: str, row_key: str) -> str:
        alias = f"agg{len(self.clauses) + 1}"
        self.clauses.append(f"LEFT JOIN ({grouped}) AS {alias} ON {alias}.parent = {row_key}")
        return alias

    def sql(self) -> str:
        return "".join(f" {clause}" for clause in self.clauses)

    def copy(self) -> Joins:
        return Joins(list(self.clauses))


class Compiler:
    """``schema`` and ``table``: the table's, whose nested lists' tables an aggregate reads
    (dlt's names, lists.py, for a list the checker was not given)."""

    def __init__(  # noqa: PLR0913
        self,
        checker: Checker,
        dialect: Dialect,
        alias: str = "src",
        schema: str | None = None,
        table: str | None = None,
        joins: Joins | None = None,
    ) -> None:
        self.checker = checker
        self.dialect = dialect
        self.alias = alias
        self.schema = schema
        self.table = table
        self.joins = joins if joins is not None else Joins()

    def sql(self, node: Node) -> str:  # noqa: PLR0911
        if isinstance(node, Literal):
            return self._literal(node)
        if isinstance(node, Column):
            owner = self.alias if node.nested is None else NESTED_ALIAS
            return f"{owner}.{quote_ident(node.name)}"
        if isinstance(node, Unary):
            if node.op == "not":
                return f"(NOT {self.sql(node.operand)})"
            return f"(- {self._as(node.operand, self._type(node))})"
        if isinstance(node, IsNull):
            return f"({self.sql(node.operand)} IS {'NOT ' if node.negated else ''}NULL)"
        if isinstance(node, InList):
            options = ", ".join(self._as(o, self._type(node.operand)) for o in node.options)
            return f"({self.sql(node.operand)} IN ({options}))"
        if isinstance(node, Binary):
            return self._binary(node)
        return self._call(node)

    def _type(self, node: Node) -> str:
        return self.checker.types[id(node)]

    def _literal(self, node: Literal) -> str:
        if node.kind == "string":
            return quote_literal(node.value)
        if node.kind == "integer":
            return f"CAST({int(node.value)} AS {self.dialect.types['integer']})"
        if node.kind == "decimal":
            return f"CAST({quote_literal(node.value)} AS {self.dialect.types['decimal']})"
        return node.value.upper()  # true, false, null: matched as keywords

    def _as(self, node: Node, wanted: str) -> str:
        """``node`` as ``wanted`` when numeric types meet (integer widened to decimal), and a
        bare null as a null of that type (PostgreSQL has no ``-`` or ``+`` for an untyped
        NULL)."""
        found, types = self._type(node), self.dialect.types
        if (wanted == "decimal" and found != "decimal") or (found == "null" and wanted in types):
            return f"CAST({self.sql(node)} AS {types[wanted]})"
        return self.sql(node)

    def _decimal(self, node: Node) -> str:
        """``node`` as a true decimal where a function needs one: a DOUBLE or REAL column,
        typed decimal, is converted (PostgreSQL has no round() for doubles, and the two
        rounded 2.5 apart), NULL where it holds no decimal (1e30, NaN)."""
        if not self._floating(node):
            return self._as(node, "decimal")
        return f"({self.dialect.try_cast(self.dialect.as_text(self.sql(node)), 'decimal')})"

    def _floating(self, node: Node) -> bool:
        return isinstance(node, Column) and is_floating(self.checker.warehouse_type(node))

    def _reads_floating(self, node: Node) -> bool:
        return self._floating(node) or any(self._reads_floating(c) for c in children(node))

    def _binary(self, node: Binary) -> str:
        if node.op in ("and", "or", "||"):
            return f"({self.sql(node.left)} {node.op.upper()} {self.sql(node.right)})"
        if node.op == "/":
            left, right = self._as(node.left, "decimal"), self._as(node.right, "decimal")
            # DuckDB divides decimals as DOUBLE: cast back so both dialects give a decimal
            return f"CAST(({left} / NULLIF({right}, 0)) AS {self.dialect.types['decimal']})"
        if node.op not in ("+", "-", "*"):  # a comparison
            wanted = (
                "decimal" if "decimal" in (self._type(node.left), self._type(node.right)) else ""
            )
            return f"({self._as(node.left, wanted)} {node.op} {self._as(node.right, wanted)})"
        wanted = self._type(node)  # integer, or decimal where either side is one
        if node.op == "*" and wanted == "decimal" and not self._reads_floating(node):
            # a product of decimals widens its scale: DuckDB's DECIMAL(18,4) * DECIMAL(18,4)
            # overflowed at 7^5 (dialects.py: decimal_product)
            left, right = self._as(node.left, wanted), self._as(node.right, wanted)
            return self.dialect.decimal_product(left, right)
        return f"({self._as(node.left, wanted)} {node.op} {self._as(node.right, wanted)})"

    def _call(self, node: Call) -> str:
        if node.name in AGGREGATES:
            return self._aggregate(node)
        if node.name in CASTS:
            return self._cast(node.args[0], CASTS[node.name])
        if node.name == "if":
            result = self._type(node)
            cond, then, otherwise = node.args
            return (
                f"(CASE WHEN {self.sql(cond)} THEN {self._as(then, result)} "
                f"ELSE {self._as(otherwise, result)} END)"
            )
        if node.name in MINOR_UNITS:
            amount, currency = self._as(node.args[0], "decimal"), self.sql(node.args[1])
            divisor = minor_unit_divisor(currency, MINOR_UNITS[node.name])
            return f"CAST(({amount} / {divisor}) AS {self.dialect.types['decimal']})"
        if node.name == "round":
            value = self._decimal(node.args[0])
            places = f", CAST({self.sql(node.args[1])} AS INTEGER)" if len(node.args) == 2 else ""
            return f"round({value}{places})"
        result = self._type(node)
        args = ", ".join(self._as(arg, result) for arg in node.args)
        return f"{node.name}({args})"

    def _aggregate(self, node: Call) -> str:
        """The list's items grouped by their parent row once (a join, not a subquery per row:
        PostgreSQL would scan the list again for each row), in list order."""
        path = self.checker.aggregated[id(node)]
        if path in self.checker.absent:  # no table: no record had an item yet
            return self._empty(node)
        if self.schema is not None and ROW_KEY not in (self.checker.columns or {ROW_KEY: ""}):
            raise ExpressionError(
                f"{node.name}() reads a list nested in the records, but this table has no "
                f"{ROW_KEY} to join it by (only tables dlt loads have nested lists)"
            )
        known = (self.checker.lists or {}).get(path)
        name = known.table if known else self.table and f"{self.table}{SEPARATOR}{path}"
        if not name:
            raise ExpressionError(f"{node.name}(): the nested list '{path}' is not known here")
        rows = quote_ident(name)
        rows = f"{quote_ident(self.schema)}.{rows}" if self.schema else rows
        where = f" WHERE {self.sql(node.args[1])}" if len(node.args) == 2 else ""
        order = f"{NESTED_ALIAS}.{quote_ident(LIST_INDEX)}"
        value = self.sql(node.args[0])
        head = {
            "first": f"(array_agg({value} ORDER BY {order}))[1]",
            "list": f"array_agg({value} ORDER BY {order})",  # a JSON array once cast to json
            "joined": f"string_agg({self.dialect.as_text(value)}, ', ' ORDER BY {order})",
            "count": f"CAST(count({value}) AS {self.dialect.types['integer']})",
        }.get(node.name, f"{node.name}({value})")
        parent = f"{NESTED_ALIAS}.{quote_ident(PARENT_KEY)}"
        alias = self.joins.add(
            f"SELECT {parent} AS parent, {head} AS value FROM {rows} AS {NESTED_ALIAS}{where} "  # noqa: S608 quoted
            f"GROUP BY {parent}",
            f"{self.alias}.{quote_ident(ROW_KEY)}",
        )
        if node.name == "count":  # a row with no items counts 0
            return f"coalesce({alias}.value, CAST(0 AS {self.dialect.types['integer']}))"
        return f"{alias}.value"

    def _empty(self, node: Call) -> str:
        """What an aggregate of no items gives: 0 for count, else a NULL of its type."""
        types = self.dialect.types
        if node.name == "count":
            return f"CAST(0 AS {types['integer']})"
        found = self._type(node)  # "null": its column's type is unknown without a table
        return f"CAST(NULL AS {types[found]})" if found in types else "NULL"

    def _cast(self, arg: Node, target: str) -> str:
        types = self.dialect.types
        if isinstance(arg, Literal) and arg.kind == "string":  # literals.py: worked out here
            value = cast_text(arg.value, target)
            shown = "NULL" if value is None else quote_literal(value)
            return f"CAST({shown} AS {types[target]})"
        if target == "decimal" and self._floating(arg):
            return self._decimal(arg)
        if self._type(arg) == target:
            return self.sql(arg)
        if target == "string":
            return self.dialect.as_text(self.sql(arg))
        if target == "integer":
            # DuckDB rounds '12.5' to a BIGINT, PostgreSQL refuses it: round in both; past
            # BIGINT, NULL (a cast never raises)
            number = self._cast(arg, "decimal")
            return (
                f"(CASE WHEN abs({number}) < {INTEGER_MAX} "
                f"THEN CAST(round({number}) AS {types['integer']}) END)"
            )
        # through text, spaces around it aside: only the forms both dialects read convert
        # (literals.TEXT_FORMS: PostgreSQL alone read 'on' and '20240115'), through the
        # dialect's try_cast, which never raises
        text = f"trim({self.dialect.as_text(self.sql(arg))})"
        if target == "boolean":  # the text named once: a cast's SQL holds its argument's
            words = [(w, "TRUE") for w in TRUE] + [(w, "FALSE") for w in FALSE]
            cases = " ".join(f"WHEN {quote_literal(w)} THEN {b}" for w, b in words)
            return f"(CASE lower({text}) {cases} END)"
        form = self.dialect.full_match(text, TEXT_FORMS[target])
        return f"(CASE WHEN {form} THEN {self.dialect.try_cast(text, target)} END)"
