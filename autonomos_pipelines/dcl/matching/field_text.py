"""What a source field says about itself, turned into words and value patterns.

Identifiers are split (camelCase, snake_case, dotted and dlt `__` paths), common abbreviations
expanded, and sample values classified (email, currency code, date, URL, id ...), so that
`cust_nm` and "customer name" meet in the same embedding neighbourhood.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Iterable, Sequence

# fmt: off
ABBREVIATIONS = {
    "acct": "account", "accnt": "account", "addr": "address", "adr": "address",
    "amt": "amount", "amnt": "amount", "avg": "average", "bal": "balance", "cat": "category",
    "cd": "code", "cnt": "count", "co": "company", "comp": "company", "corp": "corporation",
    "ctry": "country", "cntry": "country", "cty": "city", "cur": "currency", "curr": "currency",
    "ccy": "currency", "cust": "customer", "cus": "customer", "desc": "description",
    "descr": "description", "dob": "date of birth", "dt": "date", "dte": "date",
    "emp": "employee", "emps": "employees", "ext": "external", "fname": "first name",
    "lname": "last name", "fn": "first name", "ln": "last name", "hr": "hour", "hrs": "hours",
    "id": "id", "ind": "industry", "inv": "invoice", "lang": "language", "lat": "latitude",
    "lng": "longitude", "lon": "longitude", "max": "maximum", "min": "minimum",
    "mgr": "manager", "misc": "miscellaneous", "mob": "mobile", "msg": "message",
    "nbr": "number", "nm": "name", "no": "number", "num": "number", "opp": "opportunity",
    "oppty": "opportunity", "org": "organization", "orgs": "organizations", "pct": "percent",
    "ph": "phone", "phn": "phone", "pmt": "payment", "pymt": "payment", "pos": "position",
    "prob": "probability", "qty": "quantity", "rev": "revenue", "sub": "subscription",
    "subs": "subscriptions", "tel": "telephone", "tkt": "ticket", "ts": "timestamp",
    "tmstmp": "timestamp", "tot": "total", "txn": "transaction", "trx": "transaction",
    "upd": "updated", "usr": "user", "val": "value", "yr": "year", "zip": "zip postal code",
    "cr": "created", "crt": "created", "mod": "modified", "src": "source", "stat": "status",
    "sts": "status", "tz": "timezone", "url": "url", "uri": "url", "utm": "utm campaign",
    "ttl": "title", "pho": "phone", "eml": "email", "mail": "email", "loc": "location",
    "dept": "department", "div": "division", "ref": "reference", "seq": "sequence",
    "cmpgn": "campaign", "camp": "campaign", "ord": "order", "prc": "price", "prod": "product",
}
# fmt: on

_CAMEL = re.compile(r"(?<=[a-z0-9])(?=[A-Z])|(?<=[A-Z])(?=[A-Z][a-z])")
_SEPARATORS = re.compile(r"[^A-Za-z0-9]+")
_DIGITS = re.compile(r"(?<=[A-Za-z])(?=\d)|(?<=\d)(?=[A-Za-z])")


def split_words(name: str) -> list[str]:
    """`billingAddress.postalCode` / `BILLING_ADDR__ZIP` -> lower-case words."""
    return list(_split_words(name))


@functools.lru_cache(maxsize=65_536)  # names repeat across a tenant's tables and passes
def _split_words(name: str) -> tuple[str, ...]:
    words: list[str] = []
    for chunk in _SEPARATORS.split(name):
        if not chunk:
            continue
        if not chunk.isupper():
            chunk = _CAMEL.sub(" ", chunk)
        words.extend(_DIGITS.sub(" ", chunk).lower().split())
    return tuple(words)


def expand_words(words: Iterable[str]) -> list[str]:
    """Abbreviations expanded, after two words that spell one of the canonical model's
    (`SubTotal`, `web_site`: "subtotal", "website") are joined: `sub` alone is short for
    subscription, `sub_total` is no subscription's total."""
    expanded: list[str] = []
    for word in _compounds_joined(list(words)):
        expanded.extend(ABBREVIATIONS.get(word, word).split())
    return expanded


def _compounds_joined(words: list[str]) -> list[str]:
    known, joined, i = canonical_words(), [], 0
    while i < len(words):
        if i + 1 < len(words) and words[i] + words[i + 1] in known:
            joined.append(words[i] + words[i + 1])
            i += 2
        else:
            joined.append(words[i])
            i += 1
    return joined


@functools.cache
def canonical_words() -> frozenset[str]:
    """The words of the canonical model's field names."""
    from autonomos_pipelines.dcl.model.canonical_model import canonical_model

    return frozenset(
        word for entity in canonical_model().values() for f in entity.fields
        for word in f.name.split("_")
    )  # fmt: skip


# Objects APIs wrap a record's own fields in: JSON:API's `attributes`, HubSpot's
# `properties`, Jira's `fields`, an envelope's `data`. They say nothing about the field.
WRAPPERS = frozenset({"attributes", "attrs", "properties", "props", "fields", "data"})
_PATH = re.compile(r"__|\.")


def unwrapped(name: str) -> str:
    """A nested field's path without the wrapper objects it starts with:
    `attributes__email` -> `email`, `fields.status.name` -> `status__name`; a name that is
    only a wrapper (`properties`, `data.`) stays as it is."""
    parts = _PATH.split(name)
    kept = parts
    while len(kept) > 1 and kept[0].lower() in WRAPPERS and any(kept[1:]):
        kept = kept[1:]
    return name if kept is parts else "__".join(kept)


@functools.lru_cache(maxsize=65_536)
def humanize(name: str) -> str:
    """An identifier as plain words with abbreviations expanded: `cust_nm` -> `customer name`."""
    return " ".join(expand_words(split_words(name)))


def stem(word: str) -> str:
    """A deliberately small stemmer: plural and -ed/-ing endings only, enough to match tokens."""
    for suffix, keep in (("ies", "y"), ("sses", "ss"), ("ing", ""), ("ed", ""), ("s", "")):
        if word.endswith(suffix) and len(word) - len(suffix) >= 3:
            return word[: len(word) - len(suffix)] + keep
    return word


@functools.lru_cache(maxsize=65_536)
def token_set(text: str) -> frozenset[str]:
    return frozenset(stem(word) for word in expand_words(split_words(text)))


_PATTERNS: tuple[tuple[str, re.Pattern[str]], ...] = (
    ("email", re.compile(r"^[^@\s]+@[^@\s]+\.[A-Za-z]{2,}$")),
    ("url", re.compile(r"^(https?://|www\.)\S+$", re.I)),
    ("domain", re.compile(r"^(?!-)[a-z0-9-]+(\.[a-z0-9-]+)*\.[a-z]{2,}$", re.I)),
    ("timestamp", re.compile(r"^\d{4}-\d{2}-\d{2}[T ]\d{2}:\d{2}")),
    ("date", re.compile(r"^\d{4}-\d{2}-\d{2}$|^\d{1,2}/\d{1,2}/\d{2,4}$")),
    ("epoch", re.compile(r"^1[0-9]{9}$")),
    ("currency", re.compile(r"^[A-Za-z]{3}$")),
    ("phone", re.compile(r"^\+?[\d\s().-]{7,20}$")),
    ("boolean", re.compile(r"^(true|false|yes|no|y|n|t|f)$", re.I)),
    ("integer", re.compile(r"^-?\d+$")),
    ("decimal", re.compile(r"^-?\d+[.,]\d+$")),
    ("id", re.compile(r"^[A-Za-z]{1,6}_[A-Za-z0-9]{6,}$|^[0-9a-f]{8}-[0-9a-f]{4}-")),
    ("id", re.compile(r"^[A-Za-z0-9]{15,18}$")),
)

CURRENCY_CODES = frozenset(
    "USD EUR GBP JPY CHF CAD AUD NZD SEK NOK DKK PLN CZK HUF INR CNY HKD SGD BRL MXN ZAR KRW "
    "TRY ILS AED SAR THB IDR MYR PHP TWD RUB ARS CLP COP PEN".split()
)


def value_pattern(value: object) -> str | None:
    text = str(value).strip()
    # short values repeat (statuses, currencies, flags) and are memoised; a long one is a
    # tenant's data (free text) and is not kept in the process
    return _short_pattern(text) if len(text) <= MEMO_CHARS else _text_pattern(text)


MEMO_CHARS = 40


@functools.lru_cache(maxsize=16_384)
def _short_pattern(text: str) -> str | None:
    return _text_pattern(text)


def _text_pattern(text: str) -> str | None:
    if not text:
        return None
    for name, pattern in _PATTERNS:
        if pattern.match(text):
            if name == "currency" and text.upper() not in CURRENCY_CODES:
                return "code"
            return name
    return "text"


def dominant_pattern(samples: Sequence[object] | None) -> str | None:
    """The pattern most non-empty samples share, when at least 60 % of them agree."""
    found: dict[str, int] = {}  # a plain dict: a Counter per field cost more at scale
    for sample in samples or ():
        if pattern := value_pattern(sample):
            found[pattern] = found.get(pattern, 0) + 1
    if not found:
        return None
    pattern = max(found, key=found.__getitem__)  # ties: the first seen, as most_common
    return pattern if found[pattern] >= 0.6 * sum(found.values()) else None


WORDY_PATTERNS = frozenset({"text", "code", "currency", "boolean"})
MAX_VALUES_IN_TEXT = 24


def values_text(values: Sequence[object]) -> str:
    """Distinct values joined for embedding; "" when none of them is made of words."""
    distinct = [v for v in dict.fromkeys(str(v).strip() for v in values) if v]
    if not any(value_pattern(v) in WORDY_PATTERNS for v in distinct):
        return ""
    return ", ".join(distinct[:MAX_VALUES_IN_TEXT])
