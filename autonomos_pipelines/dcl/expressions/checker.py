"""Type checker: every node gets a type, or the expression is refused with a precise reason."""

from __future__ import annotations

from autonomos_pipelines.dcl.expressions.errors import ExpressionError
from autonomos_pipelines.dcl.expressions.functions import FUNCTIONS, arity_text
from autonomos_pipelines.dcl.expressions.nodes import (
    Binary,
    Call,
    Column,
    InList,
    IsNull,
    Literal,
    Node,
    Unary,
)
from autonomos_pipelines.dcl.expressions.types import NUMERIC, column_type, unify

ARITHMETIC = ("+", "-", "*", "/")
ORDERING = ("=", "!=", "<", "<=", ">", ">=")


def _name(node: Node) -> str:
    return f"'{node.name}'" if isinstance(node, Column) else "the value"


class Checker:
    """Types of one expression's nodes (by node identity), given the table's columns as
    {name: warehouse data type}; None when the columns are not known (every column is then
    text and any name is accepted)."""

    def __init__(self, columns: dict[str, str] | None) -> None:
        self.columns = columns
        self.types: dict[int, str] = {}

    def check(self, node: Node) -> str:
        found = self._type(node)
        self.types[id(node)] = found
        return found

    def _type(self, node: Node) -> str:
        if isinstance(node, Literal):
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
        if self.columns is None:
            return "string"
        if node.name not in self.columns:
            known = ", ".join(sorted(self.columns)[:20])
            raise ExpressionError(f"unknown column '{node.name}' (known: {known})", node.position)
        return column_type(self.columns[node.name])

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
        signature = FUNCTIONS.get(node.name)
        if signature is None:
            known = ", ".join(sorted(FUNCTIONS))
            raise ExpressionError(f"unknown function {node.name}() (known: {known})", node.position)
        low, high = signature.arity
        if len(node.args) < low or (high != -1 and len(node.args) > high):
            raise ExpressionError(
                f"{node.name}() takes {arity_text(signature)}, got {len(node.args)}",
                node.position,
            )
        if node.name == "if":
            self._operand(node.args[0], "boolean", "if() condition", node.position)
            return self._branches(node)
        if signature.takes == "same":
            return self._common(f"{node.name}()", node.args, node.position)
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
        return signature.result

    def _branches(self, node: Call) -> str:
        then, otherwise = self.check(node.args[1]), self.check(node.args[2])
        common = unify(then, otherwise)
        if common is None:
            raise ExpressionError(
                f"if(): both branches must have the same type, got {then} and {otherwise}",
                node.position,
            )
        return common


def _source(node: Node) -> str:
    """How to write ``node`` back in a hint (a column by name, anything else as `x`)."""
    if isinstance(node, Column):
        plain = node.name.isidentifier() and node.name.isascii()
        return node.name if plain else '"' + node.name.replace('"', '""') + '"'
    return "x"
