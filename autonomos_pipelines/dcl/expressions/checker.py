"""Type checker: every node gets a type, or the expression is refused with a precise reason."""

from __future__ import annotations

from autonomos_pipelines.dcl.expressions.errors import ExpressionError
from autonomos_pipelines.dcl.expressions.functions import (
    AGGREGATES,
    CASTS,
    FUNCTIONS,
    Signature,
    arity_text,
)
from autonomos_pipelines.dcl.expressions.lists import NestedList
from autonomos_pipelines.dcl.expressions.literals import check_number
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
from autonomos_pipelines.dcl.expressions.tokens import spelled
from autonomos_pipelines.dcl.expressions.types import NUMERIC, column_type, unify

ARITHMETIC = ("+", "-", "*", "/")
# what an aggregate's values may be (functions.AGGREGATES' `takes`): PostgreSQL has no min or
# max of booleans
ACCEPTS = {
    "numeric": NUMERIC,
    "ordered": (*NUMERIC, "string", "date", "timestamp"),
    "any": (*NUMERIC, "string", "date", "timestamp", "boolean"),
}
ORDERING = ("=", "!=", "<", "<=", ">", ">=")


def _name(node: Node) -> str:
    return f"'{_source(node)}'" if isinstance(node, Column) else "the value"


class Checker:
    """Types of one expression's nodes (by node identity), given the table's columns as
    {name: warehouse data type} and its nested lists by path; None when the columns are not
    known (every column is then text and any name is accepted) or the lists are not (a list's
    column then fits anywhere: it is checked once the list is observed)."""

    def __init__(
        self,
        columns: dict[str, str] | None,
        lists: dict[str, NestedList] | None = None,
        absent_is_empty: bool = False,
    ) -> None:
        self.columns = columns
        self.lists = lists
        # building SQL over the warehouse: a list dlt has no table for had no item yet
        self.absent_is_empty = absent_is_empty
        self.absent: set[str] = set()
        self.types: dict[int, str] = {}
        self.aggregated: dict[int, str] = {}  # an aggregate call's list path, by node identity
        self._within: list[str | None] = []  # the aggregate being checked: its list once read

    def warehouse_type(self, node: Column) -> str | None:
        """The column's type as the warehouse reports it; None where it is not known."""
        if node.nested is None:
            return (self.columns or {}).get(node.name)
        known = (self.lists or {}).get(node.nested)
        return known.columns.get(node.name) if known else None

    def check(self, node: Node) -> str:
        found = self._type(node)
        self.types[id(node)] = found
        return found

    def _type(self, node: Node) -> str:
        if isinstance(node, Literal):
            if node.kind in NUMERIC:
                check_number(node.kind, node.value, node.position)
            return node.kind
        if isinstance(node, Column):
            return self._column(node)
        if isinstance(node, Unary):
            wanted = "boolean" if node.op == "not" else "numeric"
            return self._operand(node.operand, wanted, node.op, node.position)
        if isinstance(node, IsNull):
            self.check(node.operand)
            return "boolean"
        if isinstance(node, InList):
            return self._in(node)
        if isinstance(node, Binary):
            return self._binary(node)
        return self._call(node)

    def _column(self, node: Column) -> str:
        if node.nested is not None:
            return self._nested(node, node.nested)
        if self._within:  # its items are grouped apart from the row (compiler.Joins)
            raise ExpressionError(
                f"'{_source(node)}' is the table's own column: an aggregate reads only its "
                "list's columns (put the row's value outside it)",
                node.position,
            )
        if self.columns is None:
            return "string"
        if node.name not in self.columns:
            known = ", ".join(sorted(self.columns)[:20])
            raise ExpressionError(f"unknown column '{node.name}' (known: {known})", node.position)
        return column_type(self.columns[node.name])

    def _nested(self, node: Column, path: str) -> str:
        where = f"'{path}.{node.name}'"
        if not self._within:
            raise ExpressionError(
                f"{where} is a column of the nested list '{path}', one value per list item: read "
                f"it in an aggregate ({', '.join(AGGREGATES)}), e.g. first({_source(node)})",
                node.position,
            )
        if self._within[-1] not in (None, path):
            raise ExpressionError(
                f"{where}: one aggregate reads one nested list, and this one reads "
                f"'{self._within[-1]}'",
                node.position,
            )
        self._within[-1] = path
        if self.lists is None:
            return "null"
        if path not in self.lists and self.absent_is_empty:
            self.absent.add(path)
            return "null"
        if path not in self.lists:
            known = ", ".join(sorted(self.lists)[:20]) or "none"
            raise ExpressionError(
                f"unknown nested list '{path}' (the table's lists: {known})", node.position
            )
        columns = self.lists[path].columns
        if node.name not in columns:
            known = ", ".join(sorted(c for c in columns if not c.startswith("_dlt"))[:20])
            raise ExpressionError(f"unknown column {where} (known: {known})", node.position)
        return column_type(columns[node.name])

    def _aggregate(self, node: Call, signature: Signature) -> str:
        if self._within:
            raise ExpressionError(f"{node.name}() inside an aggregate: they do not nest",
                                  node.position)  # fmt: skip
        self._within.append(None)
        try:
            found = self.check(node.args[0])
            if self._within[-1] is None:  # the value itself reads the list (never a bare null)
                raise ExpressionError(
                    f"{node.name}() aggregates a nested list: its value must read one, "
                    f"e.g. {node.name}(items.amount)",
                    node.position,
                )
            if len(node.args) == 2:
                self._operand(node.args[1], "boolean", f"{node.name}() condition", node.position)
            path = self._within[-1] or ""
        finally:
            self._within.pop()
        self.aggregated[id(node)] = path
        if found not in (*ACCEPTS[signature.takes], "null"):
            raise ExpressionError(
                f"{node.name}() needs {signature.takes} values, but {_name(node.args[0])} is "
                f"{found}" + (f"; use to_decimal({_source(node.args[0])})"
                              if signature.takes == "numeric" else ""),
                node.position,
            )  # fmt: skip
        return found if signature.result == "same" else signature.result

    def check_tree(self, tree: Node) -> str:
        """The expression's type, every node typed: a json value (list()'s array, whose items
        have a type of their own) is only ever the whole expression, never an operand."""
        found = self.check(tree)
        stack = [(child, tree) for child in children(tree)]
        while stack:
            node, parent = stack.pop()
            if self.types.get(id(node)) == "json" and not _reads_json(node, parent):
                raise ExpressionError(_json_operand(node), node.position)
            stack.extend((child, node) for child in children(node))
        return found

    def _operand(self, node: Node, wanted: str, op: str, position: int) -> str:
        found = self.check(node)
        if wanted == "numeric" and found in (*NUMERIC, "null"):
            return "integer" if found == "null" else found
        if found in (wanted, "null"):
            return wanted
        hint = f"; use to_decimal({_source(node)}) for arithmetic" if wanted == "numeric" else ""
        raise ExpressionError(f"{op} needs {wanted}, but {_name(node)} is {found}{hint}", position)

    def _binary(self, node: Binary) -> str:
        if node.op in ("and", "or"):
            for side in (node.left, node.right):
                self._operand(side, "boolean", node.op, node.position)
            return "boolean"
        if node.op == "||":
            for side in (node.left, node.right):
                self._text(side, "||", node.position)
            return "string"
        if node.op in ARITHMETIC:
            left = self._operand(node.left, "numeric", node.op, node.position)
            right = self._operand(node.right, "numeric", node.op, node.position)
            if node.op == "/" or "decimal" in (left, right):
                return "decimal"
            return "integer"
        self._common(node.op, [node.left, node.right], node.position)
        return "boolean"

    def _text(self, node: Node, op: str, position: int) -> None:
        found = self.check(node)
        if found not in ("string", "null"):
            raise ExpressionError(
                f"{op} joins text, but {_name(node)} is {found}; use to_text({_source(node)})",
                position,
            )

    def _common(self, what: str, nodes: list[Node] | tuple[Node, ...], position: int) -> str:
        found = [self.check(n) for n in nodes]
        common = found[0]
        for other in found[1:]:
            unified = unify(common, other)
            if unified is None:
                raise ExpressionError(
                    f"{what}: all values must have the same type, got {common} and {other}",
                    position,
                )
            common = unified
        return common

    def _in(self, node: InList) -> str:
        self._common("in", [node.operand, *node.options], node.position)
        return "boolean"

    def _call(self, node: Call) -> str:
        signature = FUNCTIONS.get(node.name) or AGGREGATES.get(node.name)
        if signature is None:
            known = ", ".join(sorted({*FUNCTIONS, *AGGREGATES}))
            raise ExpressionError(f"unknown function {node.name}() (known: {known})", node.position)
        low, high = signature.arity
        if len(node.args) < low or (high != -1 and len(node.args) > high):
            raise ExpressionError(
                f"{node.name}() takes {arity_text(signature)}, got {len(node.args)}",
                node.position,
            )
        if node.name in AGGREGATES:
            return self._aggregate(node, signature)
        if node.name == "if":
            self._operand(node.args[0], "boolean", "if() condition", node.position)
            return self._branches(node)
        if signature.takes == "same":
            return self._common(f"{node.name}()", node.args, node.position)
        if node.name == "round" and len(node.args) == 2 and not _whole_number(node.args[1]):
            raise ExpressionError(
                "round(): the places must be a whole number written out, such as 2",
                node.position,
            )
        if signature.takes == "money":  # (amount, currency code)
            self._operand(node.args[0], "numeric", f"{node.name}() amount", node.position)
            self._text(node.args[1], f"{node.name}() currency", node.position)
            return signature.result
        for arg in node.args:
            if signature.takes == "string":
                self._text(arg, f"{node.name}()", node.position)
            elif signature.takes == "numeric":
                self._operand(arg, "numeric", f"{node.name}()", node.position)
            else:
                self.check(arg)
        if node.name in CASTS:
            self._cast(node)
        return signature.result

    def _cast(self, node: Call) -> None:
        """A cast converts through its argument's text, which the SQL names again for each
        test it passes: casts nest at most MAX_CASTS deep (deeper, the SQL grew fourfold a
        level). A cast of text that reads no column is refused unless it is written out:
        PostgreSQL works a constant out while planning, so one that does not convert failed
        the query even in a branch never taken (to_decimal(trim('1e40')))."""
        if (depth := _casts_within(node)) > MAX_CASTS:
            raise ExpressionError(
                f"{node.name}(): casts nest {depth} deep here, at most {MAX_CASTS}", node.position
            )
        arg = node.args[0]
        if self.types[id(arg)] == "string" and not isinstance(arg, Literal) and not _reads(arg):
            raise ExpressionError(
                f"{node.name}() of text that reads no column: write the value it converts "
                "as a literal",
                node.position,
            )

    def _branches(self, node: Call) -> str:
        then, otherwise = self.check(node.args[1]), self.check(node.args[2])
        common = unify(then, otherwise)
        if common is None:
            raise ExpressionError(
                f"if(): both branches must have the same type, got {then} and {otherwise}",
                node.position,
            )
        return common


def _reads_json(node: Node, parent: Node) -> bool:
    """Whether ``parent`` may read the json column ``node``: for its text, or whether it is
    null (list()'s array is read by nothing: it is only ever the whole expression)."""
    if not isinstance(node, Column):
        return False
    return isinstance(parent, IsNull) or (isinstance(parent, Call) and parent.name == "to_text")


def _json_operand(node: Node) -> str:
    if isinstance(node, Column):
        return (
            f"{_name(node)} is json (an object or a list as one value), which only a json "
            f"field takes as it is: use to_text({_source(node)}) for its text"
        )
    return (
        "list() gives an array, which only a json field takes as it is: it cannot "
        "be an operand (use joined() for text, first() or count() for one value)"
    )


def _source(node: Node) -> str:
    """How to write ``node`` back in a hint (a column by name, anything else as `x`)."""
    if isinstance(node, Column):
        name = spelled(node.name)
        return name if node.nested is None else f"{spelled(node.nested)}.{name}"
    return "x"


def _whole_number(node: Node) -> bool:
    """Whether ``node`` is an integer written out, negative or not (DuckDB's round() takes
    its places only as a constant)."""
    if isinstance(node, Unary) and node.op == "-":
        node = node.operand
    return isinstance(node, Literal) and node.kind == "integer"


MAX_CASTS = 3  # casts within casts: to_integer(to_text(to_decimal(x)))


def _casts_within(node: Node) -> int:
    """The most casts on one path down from ``node``, itself included."""
    below = max((_casts_within(child) for child in children(node)), default=0)
    return below + (isinstance(node, Call) and node.name in CASTS)


def _reads(node: Node) -> bool:
    """Whether ``node`` reads a column (its table's, or a nested list's)."""
    return isinstance(node, Column) or any(_reads(child) for child in children(node))
