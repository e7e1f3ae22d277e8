"""Recursive-descent parser: tokens -> AST, lowest precedence first.

expr    := and ('or' and)*
and     := not ('and' not)*
not     := 'not' not | compare
compare := concat [('='|'!='|'<>'|'<'|'<='|'>'|'>=') concat
                   | ['not'] 'in' '(' literal (',' literal)* ')' | 'is' ['not'] 'null']
concat  := sum ('||' sum)*
sum     := product (('+'|'-') product)*
product := unary (('*'|'/') unary)*
unary   := '-' unary | primary
primary := literal | column ['.' column] | name '(' [expr (',' expr)*] ')' | '(' expr ')'
column  := name | "quoted name"  (list.column: a column of a nested list, in an aggregate)
"""

from __future__ import annotations

from collections.abc import Callable

from autonomos_pipelines.dcl.expressions.errors import ExpressionError
from autonomos_pipelines.dcl.expressions.nodes import (
    Binary,
    Call,
    Column,
    InList,
    IsNull,
    Literal,
    Node,
    Unary,
    depth_of,
)
from autonomos_pipelines.dcl.expressions.tokens import Token, tokenize

MAX_DEPTH = 32  # nesting of parentheses, calls, not and unary minus while parsing
# levels of the finished tree: the checker and compiler recurse once per level, so a long
# flat chain (1+1+...+1) is bounded too, far below Python's recursion limit
MAX_TREE_DEPTH = 100
COMPARISONS = ("=", "!=", "<>", "<", "<=", ">", ">=")


class _Parser:
    def __init__(self, text: str) -> None:
        self.tokens = tokenize(text)
        self.at = 0
        self.depth = 0

    @property
    def token(self) -> Token:
        return self.tokens[self.at]

    def fail(self, expected: str) -> ExpressionError:
        found = "the end" if self.token.kind == "end" else repr(self.token.text)
        return ExpressionError(f"expected {expected}, found {found}", self.token.position)

    def accept(self, *texts: str) -> Token | None:
        token = self.token
        if token.kind in ("op", "keyword") and token.text.lower() in texts:
            self.at += 1
            return token
        return None

    def expect(self, text: str, expected: str) -> Token:
        token = self.accept(text)
        if token is None:
            raise self.fail(expected)
        return token

    def nested(self) -> None:
        """Bound recursion: deep nesting is refused, never a stack overflow."""
        self.depth += 1
        if self.depth > MAX_DEPTH:
            raise ExpressionError(f"nests deeper than {MAX_DEPTH} levels", self.token.position)

    def binary(self, operand: Callable[[], Node], ops: tuple[str, ...]) -> Node:
        left = operand()
        while token := self.accept(*ops):
            left = Binary(token.text.lower(), left, operand(), token.position)
        return left

    def expr(self) -> Node:
        self.nested()
        node = self.binary(self.conjunction, ("or",))
        self.depth -= 1
        return node

    def conjunction(self) -> Node:
        return self.binary(self.negation, ("and",))

    def negation(self) -> Node:
        if token := self.accept("not"):
            self.nested()
            node = Unary("not", self.negation(), token.position)
            self.depth -= 1
            return node
        return self.compare()

    def compare(self) -> Node:
        left = self.binary(self.sum, ("||",))
        if token := self.accept(*COMPARISONS):
            op = "!=" if token.text == "<>" else token.text
            return Binary(op, left, self.binary(self.sum, ("||",)), token.position)
        if token := self.accept("is"):
            negated = self.accept("not") is not None
            self.expect("null", "null after 'is'" + (" not" if negated else ""))
            return IsNull(left, negated, token.position)
        not_in = self.accept("not")
        if token := self.accept("in"):
            node: Node = InList(left, self.options(), token.position)
            return Unary("not", node, not_in.position) if not_in else node
        if not_in:
            raise self.fail("'in' after 'not'")
        return left

    def options(self) -> tuple[Literal, ...]:
        self.expect("(", "'(' opening the list after 'in'")
        found = [self.literal_only()]
        while self.accept(","):
            found.append(self.literal_only())
        self.expect(")", "',' or ')' in the list after 'in'")
        return tuple(found)

    def literal_only(self) -> Literal:
        minus = self.accept("-")
        node = self.primary()
        if minus and isinstance(node, Literal) and node.kind in ("integer", "decimal"):
            return Literal(node.kind, f"-{node.value}", minus.position)  # in (-1, 0, 1)
        if minus or not isinstance(node, Literal):
            raise ExpressionError("the list after 'in' holds literals only", node.position)
        return node

    def sum(self) -> Node:
        return self.binary(self.product, ("+", "-"))

    def product(self) -> Node:
        return self.binary(self.unary, ("*", "/"))

    def unary(self) -> Node:
        if token := self.accept("-"):
            self.nested()
            node = Unary("-", self.unary(), token.position)
            self.depth -= 1
            return node
        return self.primary()

    def primary(self) -> Node:  # noqa: PLR0911
        token = self.token
        if token.kind == "number":
            self.at += 1
            return Literal(
                "decimal" if "." in token.text else "integer", token.text, token.position
            )
        if token.kind == "string":
            self.at += 1
            return Literal("string", token.text, token.position)
        if token.kind == "keyword" and token.text.lower() in ("true", "false", "null"):
            self.at += 1
            kind = "null" if token.text.lower() == "null" else "boolean"
            return Literal(kind, token.text.lower(), token.position)
        if token.kind == "quoted":
            self.at += 1
            return self.column(token)
        if token.kind == "name":
            self.at += 1
            if self.accept("("):
                return Call(token.text.lower(), self.arguments(), token.position)
            return self.column(token)
        if self.accept("("):
            node = self.expr()
            self.expect(")", "')' closing the '('")
            return node
        raise self.fail("a value, a column or '('")

    def column(self, first: Token) -> Column:
        """A column, or after a '.' a column of the nested list ``first`` names."""
        if not self.accept("."):
            return Column(first.text, first.position)
        token = self.token
        if token.kind not in ("name", "quoted"):
            raise self.fail(f"a column of the nested list '{first.text}' after '.'")
        self.at += 1
        return Column(token.text, token.position, nested=first.text)

    def arguments(self) -> tuple[Node, ...]:
        if self.accept(")"):
            return ()
        found = [self.expr()]
        while self.accept(","):
            found.append(self.expr())
        self.expect(")", "',' or ')' in the argument list")
        return tuple(found)


def parse(text: str) -> Node:
    """The AST of ``text``, or an ExpressionError naming the position and what was expected."""
    parser = _Parser(text)
    if parser.token.kind == "end":
        raise ExpressionError("is empty", 0)
    node = parser.expr()
    if parser.token.kind != "end":
        raise parser.fail("an operator or the end")
    if depth_of(node) > MAX_TREE_DEPTH:
        raise ExpressionError(
            f"has more than {MAX_TREE_DEPTH} levels of operations; split it up", 0
        )
    return node
