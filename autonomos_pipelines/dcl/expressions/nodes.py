"""The expression AST: plain immutable nodes, each remembering where it started."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Literal:
    kind: str  # string | integer | decimal | boolean | null
    value: str  # the source text of the value (unescaped for strings)
    position: int


@dataclass(frozen=True)
class Column:
    name: str
    position: int
    nested: str | None = None  # `list.column`: a column of a list nested in the records


@dataclass(frozen=True)
class Unary:
    op: str  # not | -
    operand: Node
    position: int


@dataclass(frozen=True)
class Binary:
    op: str  # and or = != < <= > >= + - * / ||
    left: Node
    right: Node
    position: int


@dataclass(frozen=True)
class IsNull:
    operand: Node
    negated: bool
    position: int


@dataclass(frozen=True)
class InList:
    operand: Node
    options: tuple[Literal, ...]
    position: int


@dataclass(frozen=True)
class Call:
    name: str  # lower-cased function name
    args: tuple[Node, ...]
    position: int


Node = Literal | Column | Unary | Binary | IsNull | InList | Call


def children(node: Node) -> tuple[Node, ...]:
    if isinstance(node, Unary | IsNull | InList):
        return (node.operand,)
    if isinstance(node, Binary):
        return (node.left, node.right)
    if isinstance(node, Call):
        return node.args
    return ()


def depth_of(node: Node) -> int:
    """How deep the tree is, walked without recursion (a chain such as 1+1+...+1 is one
    level per operator, however flat its text looks)."""
    deepest, stack = 0, [(node, 1)]
    while stack:
        current, level = stack.pop()
        deepest = max(deepest, level)
        stack.extend((child, level + 1) for child in children(current))
    return deepest


def columns_of(node: Node) -> set[str]:
    """Every column name the expression reads of its own table (not of its nested lists)."""
    if isinstance(node, Column):
        return {node.name} if node.nested is None else set()
    if isinstance(node, Unary | IsNull):
        return columns_of(node.operand)
    if isinstance(node, Binary):
        return columns_of(node.left) | columns_of(node.right)
    if isinstance(node, InList):
        return columns_of(node.operand)
    if isinstance(node, Call):
        return set().union(*(columns_of(arg) for arg in node.args))
    return set()
