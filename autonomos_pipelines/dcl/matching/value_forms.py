"""The forms in which a field's values meet a target's known values.

Case and separators never matter: 'Past Due', 'PAST_DUE' and 'past-due' are one value. And
where most of a value set carries one decoration, a leading word ('Stage IIA', 'Stage IV') or
a lower-case letter before a capital ('pT3', 'pT1b'), its values also stand for what follows
it ('IIA', 'T3'): vendors and dictionaries write the same code with and without the label, so
a source writing 'IIA' shares that value with a target listing 'Stage IIA'. A decoration worn
by only some values ('Partially Paid' among 'Paid', 'Open') is part of those values' meaning
and is kept. A core that is only digits is no evidence ('Grade 2' is not any field's 2).
Values that meet only once a label is set aside are weaker evidence than equal values
(`CORE_WEIGHT`): 'Stage III' is ISS stage III only if nothing lists 'Stage III' itself.
"""

from __future__ import annotations

import functools
import re
from collections import Counter
from collections.abc import Sequence

DECORATED_SHARE = 0.6  # of a set's distinct values, at least this many wear the decoration
MIN_DECORATED = 2
CORE_WEIGHT = 0.5  # a value met only by its core counts half
_SEPARATORS = re.compile(r"[\s_\-/.]+")
_LETTERS_BEFORE_CAPITAL = re.compile(r"^([a-z]{1,2})(?=[A-Z])")
_HAS_LETTER = re.compile(r"[A-Za-z]")


def value_words(value: str) -> list[str]:
    """'Past Due', 'past-due', 'PAST_DUE' -> ['past', 'due']."""
    return [w for w in _SEPARATORS.split(value.strip().lower()) if w]


def value_key(value: str) -> str:
    """'Past Due', 'past-due', 'PAST_DUE' -> 'past_due'."""
    return "_".join(value_words(value))


def value_forms(values: Sequence[str]) -> list[frozenset[str]]:
    """Per value, the keys under which it meets another set's values: its `value_key` and,
    when its set is decorated, its core's."""
    distinct = list(dict.fromkeys(v.strip() for v in values if v.strip()))
    splits = [(_leading_word(v), _leading_letters(v)) for v in distinct]
    decorations = [_shared([s[i] for s in splits], len(distinct)) for i in (0, 1)]
    forms = {}
    for value, parts in zip(distinct, splits, strict=True):
        keys = {value_key(value)}
        for split, decoration in zip(parts, decorations, strict=True):
            if decoration and split and split[0] == decoration and _HAS_LETTER.search(split[1]):
                keys.add(value_key(split[1]))
        forms[value] = frozenset(k for k in keys if k)
    return [forms.get(v.strip(), frozenset()) for v in values]


@functools.lru_cache(maxsize=65_536)  # sample values repeat across a tenant's tables
def keyed_forms(values: tuple[str, ...]) -> tuple[tuple[str, frozenset[str]], ...]:
    """The distinct values among ``values`` by `value_key`, each with its forms."""
    keyed = dict(zip(map(value_key, values), value_forms(values), strict=True))
    keyed.pop("", None)
    return tuple(keyed.items())


def _shared(splits: Sequence[tuple[str, str] | None], values: int) -> str:
    """The decoration most of a set's ``values`` wear, or ''."""
    leads = Counter(parts[0] for parts in splits if parts)
    if not leads:
        return ""
    lead, count = leads.most_common(1)[0]
    return lead if count >= max(MIN_DECORATED, DECORATED_SHARE * values) else ""


def _leading_word(value: str) -> tuple[str, str] | None:
    """'Stage IIA' -> ('stage', 'IIA')."""
    first, _, rest = value.partition(" ")
    return (first.lower(), rest.strip()) if rest.strip() else None


def _leading_letters(value: str) -> tuple[str, str] | None:
    """'pT3' -> ('p', 'T3')."""
    found = _LETTERS_BEFORE_CAPITAL.match(value)
    return (found.group(1), value[found.end() :]) if found else None
