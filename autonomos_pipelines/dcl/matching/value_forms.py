"""The forms in which a field's values meet a target's known values.

Case and separators never matter: 'Past Due', 'PAST_DUE' and 'past-due' are one value. And
where most of a value set carries one decoration, a leading word ('Stage IIA', 'stage_iv') or
one or two lower-case letters before a capital ('pT3', 'pT1b'), its values also stand for
what follows it ('IIA', 'T3'): vendors and dictionaries write the same code with and without
the label, so a source writing 'IIA' shares that value with a target listing 'Stage IIA'. A
decoration worn by only some values ('Partially Paid' among 'Paid', 'Open') is part of those
values' meaning and is kept, and so is a negation however many wear it ('Not Paid' is no
'Paid'). A core without a letter is no evidence ('Grade 2' is not any field's 2). Values that
meet only once a label is set aside are weaker evidence than equal values (`CORE_WEIGHT`):
'Stage III' is ISS stage III only if nothing lists 'Stage III' itself. The spellings of one
value ('Stage I', 'STAGE I') count once and share their forms, whatever their order.
"""

from __future__ import annotations

import functools
import re
from collections import Counter
from collections.abc import Callable, Mapping, Sequence

DECORATED_SHARE = 0.6  # of a set's distinct values, at least this many wear the decoration
MIN_DECORATED = 2
CORE_WEIGHT = 0.5  # a value met only by its core counts half
NEGATIONS = frozenset({"not", "non", "no", "never", "without"})
_SEPARATORS = re.compile(r"[\s_\-/.]+")
_LETTERS_BEFORE_CAPITAL = re.compile(r"^([a-z]{1,2})(?=[A-Z])")
_HAS_LETTER = re.compile(r"[^\W\d_]")


def value_words(value: str) -> list[str]:
    """'Past Due', 'past-due', 'PAST_DUE' -> ['past', 'due']."""
    return [w for w in _SEPARATORS.split(value.strip().lower()) if w]


def value_key(value: str) -> str:
    """'Past Due', 'past-due', 'PAST_DUE' -> 'past_due'."""
    return "_".join(value_words(value))


def value_forms(values: Sequence[str]) -> list[frozenset[str]]:
    """Per value, the keys under which it meets another set's values: its `value_key` and,
    when its set is decorated, its core's (none for a blank value)."""
    keyed = _keyed(values)
    return [keyed.get(value_key(value), frozenset()) for value in values]


@functools.lru_cache(maxsize=65_536)  # sample values repeat across a tenant's tables
def keyed_forms(values: tuple[str, ...]) -> tuple[tuple[str, frozenset[str]], ...]:
    """The distinct values among ``values`` by `value_key`, each with its forms."""
    return tuple(_keyed(values).items())


def _keyed(values: Sequence[str]) -> dict[str, frozenset[str]]:
    """Each distinct value's key -> its forms, in the order the values first come."""
    spellings: dict[str, set[str]] = {}
    for value in values:
        if key := value_key(value):
            spellings.setdefault(key, set()).add(value.strip())
    decorations = [(split, _shared(spellings, split)) for split in _DECORATIONS]
    return {key: _forms(key, spelled, decorations) for key, spelled in spellings.items()}


Split = Callable[[str], "tuple[str, str] | None"]


def _shared(spellings: Mapping[str, set[str]], split: Split) -> str:
    """The decoration most of a set's distinct values (``spellings``: key -> how it is
    written) wear, or ''."""
    leads = Counter(
        lead for spelled in spellings.values() for lead in {p[0] for p in map(split, spelled) if p}
    )
    if not leads:
        return ""
    lead, count = leads.most_common(1)[0]
    return lead if count >= max(MIN_DECORATED, DECORATED_SHARE * len(spellings)) else ""


def _forms(key: str, spelled: set[str], decorations: list[tuple[Split, str]]) -> frozenset[str]:
    keys = {key}
    for split, decoration in decorations:
        for parts in filter(None, map(split, spelled)):
            if decoration and parts[0] == decoration and _HAS_LETTER.search(parts[1]):
                keys.add(value_key(parts[1]))
    return frozenset(k for k in keys if k)


def _leading_word(value: str) -> tuple[str, str] | None:
    """'Stage IIA', 'stage_iia' -> ('stage', 'iia'); a negation is never a label."""
    words = value_words(value)
    if len(words) < 2 or words[0] in NEGATIONS:
        return None
    return words[0], "_".join(words[1:])


def _leading_letters(value: str) -> tuple[str, str] | None:
    """'pT3' -> ('p', 'T3')."""
    found = _LETTERS_BEFORE_CAPITAL.match(value)
    return (found.group(1), value[found.end() :]) if found else None


_DECORATIONS: tuple[Split, ...] = (_leading_word, _leading_letters)
