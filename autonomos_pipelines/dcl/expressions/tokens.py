"""Tokenizer: expression text -> a list of tokens, each with its position (0-based)."""

from __future__ import annotations

import re
from dataclasses import dataclass

from autonomos_pipelines.dcl.expressions.errors import ExpressionError

MAX_LENGTH = 2_000
KEYWORDS = frozenset({"and", "or", "not", "in", "is", "true", "false", "null"})
# two-character operators first, so `<=` is not read as `<` then `=`
OPERATORS = ("||", "!=", "<>", "<=", ">=", "=", "<", ">", "+", "-", "*", "/", "(", ")", ",", ".")
_NUMBER = re.compile(r"[0-9]+(\.[0-9]+)?")
NAME = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")


@dataclass(frozen=True)
class Token:
    kind: str  # number | string | name | quoted | keyword | op | end
    text: str  # the value: a string literal or quoted name already unescaped
    position: int


def quoted_run(text: str, start: int, quote: str) -> tuple[str, int]:
    """The content of a quoted run starting at ``start`` (a doubled quote is one quote) and
    the position after its closing quote."""
    parts, i = [], start + 1
    while i < len(text):
        if text[i] == quote:
            if text[i + 1 : i + 2] == quote:
                parts.append(quote)
                i += 2
                continue
            return "".join(parts), i + 1
        parts.append(text[i])
        i += 1
    kind = "string" if quote == "'" else "quoted column name"
    raise ExpressionError(f"unterminated {kind} (expected a closing {quote})", start)


def _one(text: str, i: int) -> Token:
    char = text[i]
    if char in "'\"":
        value, _ = quoted_run(text, i, char)
        if char == '"' and not value:  # no table has a column without a name
            raise ExpressionError('empty column name ""', i)
        return Token("string" if char == "'" else "quoted", value, i)
    if match := _NUMBER.match(text, i):
        return Token("number", match.group(), i)
    if match := NAME.match(text, i):
        word = match.group()
        return Token("keyword" if word.lower() in KEYWORDS else "name", word, i)
    for op in OPERATORS:
        if text.startswith(op, i):
            return Token("op", op, i)
    raise ExpressionError(f"unexpected character {char!r}", i)


def tokenize(text: str) -> list[Token]:
    """Every token of ``text`` then an end token; refuses text over MAX_LENGTH."""
    if len(text) > MAX_LENGTH:
        raise ExpressionError(f"is {len(text)} characters long; at most {MAX_LENGTH} allowed")
    if "\x00" in text:
        raise ExpressionError("contains a NUL character", text.index("\x00"))
    tokens, i = [], 0
    while i < len(text):
        if text[i].isspace():
            i += 1
            continue
        token = _one(text, i)
        i = (
            quoted_run(text, i, text[i])[1]
            if token.kind in ("string", "quoted")
            else i + len(token.text)
        )
        tokens.append(token)
    tokens.append(Token("end", "", len(text)))
    return tokens


def spelled(name: str) -> str:
    """How to write column ``name`` in an expression: bare when it is a plain name, quoted
    (a doubled quote inside) otherwise."""
    if NAME.fullmatch(name) and name.lower() not in KEYWORDS:
        return name
    return '"' + name.replace('"', '""') + '"'
