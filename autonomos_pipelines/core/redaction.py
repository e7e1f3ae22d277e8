"""The one redaction of secrets from text that is recorded or shown (errors, logs, URLs).

What is removed, for every secret value handed in:

* the value itself, and its URL-encoded forms;
* every run of ``MIN_FRAGMENT`` (6) or more consecutive characters of it, wherever it shows,
  so an API that echoes part of a key (12 of 14 characters) leaves none of it behind;
* every masked echo as a whole: a word holding an ellipsis ``…`` or a run of 3 or more
  masking characters (``* • ● · # x X .``) next to 3 or more characters of a secret, as
  Stripe's ``Invalid API Key provided: sk_test_****abcd`` shows the last four;
* a secret shorter than 6 characters only where it stands as a whole word (a 2-letter
  value would otherwise blank out half of every message).

A URL-shaped secret (a database URL) counts by its password and query values, and is
removed where it shows whole: its scheme, host and database name stay readable elsewhere.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from urllib.parse import parse_qsl, quote, quote_plus, urlsplit

MIN_FRAGMENT = 6
MASKED_VISIBLE = 3  # characters of a secret next to masking ones that make a masked echo
MASK = "***"
_MASK_RUN = re.compile(r"[*•●·#xX.]{3,}|…")
_WORD = re.compile(r"[^\s\"'`<>()\[\]{},;]+")


def sensitive_parts(value: str) -> list[str]:
    """The pieces of a secret value no fragment of which may be shown."""
    parts = urlsplit(value) if "://" in value else None
    if parts and parts.netloc:
        return [p for p in [parts.password, *(v for _, v in parse_qsl(parts.query))] if p]
    return [value] if value else []


class Redactor:
    """Removes a set of secrets (which may grow, e.g. by a rotated token) from text."""

    def __init__(self, secrets: Iterable[str] = ()) -> None:
        self._wholes: set[str] = set()  # removed where they show in full
        self._parts: set[str] = set()  # removed in full, in fragments and masked
        self._fragments: set[str] = set()
        self.protect(secrets)

    def protect(self, secrets: Iterable[str]) -> None:
        """Add secret values to what is removed."""
        for secret in secrets:
            self._wholes.update(form for form in (secret, quote(secret, safe="")) if form)
            for part in sensitive_parts(secret):
                for form in {part, quote(part, safe=""), quote_plus(part)}:
                    self._parts.add(form)
                    self._fragments.update(
                        form[i : i + MIN_FRAGMENT] for i in range(len(form) - MIN_FRAGMENT + 1)
                    )

    def redact(self, text: str) -> str:
        """The text without any secret, fragment of one or masked echo of one."""
        if not self._wholes or not text:
            return text
        values = sorted(self._wholes | self._parts, key=len, reverse=True)
        for value in values:
            if len(value) >= MIN_FRAGMENT:
                text = text.replace(value, MASK)
        text = _WORD.sub(lambda word: self._masked_echo(word.group()), text)
        text = self._without_fragments(text)
        for value in values:
            if len(value) < MIN_FRAGMENT:  # as a whole word only
                text = re.sub(rf"(?<!\w){re.escape(value)}(?!\w)", MASK, text)
        return text

    def _masked_echo(self, word: str) -> str:
        if not _MASK_RUN.search(word):
            return word
        visible = [piece for piece in _MASK_RUN.split(word) if len(piece) >= MASKED_VISIBLE]
        for piece in visible:
            for size in range(MASKED_VISIBLE, len(piece) + 1):  # its ends touch the mask
                if self._in_secret(piece[:size]) or self._in_secret(piece[-size:]):
                    return MASK
        return word

    def _in_secret(self, piece: str) -> bool:
        return any(piece in part for part in self._parts if len(part) >= 2 * MASKED_VISIBLE)

    def _without_fragments(self, text: str) -> str:
        covered = [False] * len(text)
        for start in range(len(text) - MIN_FRAGMENT + 1):
            if text[start : start + MIN_FRAGMENT] in self._fragments:
                covered[start : start + MIN_FRAGMENT] = [True] * MIN_FRAGMENT
        if not any(covered):
            return text
        out, hidden = [], False
        for char, secret in zip(text, covered, strict=True):
            if secret and not hidden:
                out.append(MASK)
            elif not secret:
                out.append(char)
            hidden = secret
        return "".join(out)


def redact(text: str, secrets: Iterable[str]) -> str:
    """``text`` without any of ``secrets`` (see the module's rules)."""
    return Redactor(secrets).redact(text)
