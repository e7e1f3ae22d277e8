"""How deep a JSON document nests, found without parsing it.

Python's parser recurses once per level and fails with a RecursionError (a traceback, not an
error a user can act on) at about a thousand levels; orjson and others have their own limits.
So a document is measured first, at C speed: strings are removed (they may hold brackets),
then every innermost ``[]`` or ``{}`` pair is removed, once per level. A document still
holding a pair after ``limit`` rounds nests deeper than ``limit``, and so does one opening more
than ``limit`` brackets that are never closed (the parser recurses into those before it finds
the document truncated). Other malformed brackets are left for the parser to report.
"""

from __future__ import annotations

import re

_STRING = re.compile(rb'"[^"\\]*(?:\\.[^"\\]*)*"', re.DOTALL)
_NOT_A_BRACKET = bytes(b for b in range(256) if b not in b"[]{}")
_INNERMOST_PAIR = re.compile(rb"\[\]|\{\}")


def nests_deeper_than(document: bytes | str, limit: int) -> bool:
    """True when ``document`` holds arrays/objects nested more than ``limit`` levels."""
    data = document.encode("utf-8", "surrogatepass") if isinstance(document, str) else document
    brackets = _STRING.sub(b"", data).translate(None, _NOT_A_BRACKET)
    for _ in range(limit):
        brackets, removed = _INNERMOST_PAIR.subn(b"", brackets)
        if not removed:
            break
    else:
        if _INNERMOST_PAIR.search(brackets):
            return True
    return re.search(rb"[\[{]{%d}" % (limit + 1), brackets) is not None
