"""A field that tags what each record is: named as a tag (``object``, ``type``, ``kind``,
``resource_type``) and holding its own table's name on every sampled record (Stripe's
``object``: "customer" in ``customers``, "payment_intent" in ``payment_intents``; JSON:API's
``type``: "profile" in Klaviyo's ``profiles``). The same on every record, it is no property
of any, yet its words and values fit a target (Stripe's "customer" reads as
`account.account_type`). The matcher sets it aside like dlt's own columns (no candidates, no
say in what its table is, no target taken from its table's other fields), and the resolver
says why it is never mapped.
"""

from __future__ import annotations

from autonomos_pipelines.dcl.matching.field_text import split_words
from autonomos_pipelines.dcl.matching.source_field import SourceField
from autonomos_pipelines.dcl.matching.table_assignment import singular

# a tag's whole name: a `role`, `customer_type` or `fiscal_year` that happens to repeat its
# table's name on every sampled record is a property (`account.account_type`)
TAG_NAMES = frozenset({("object",), ("type",), ("kind",), ("object", "type"), ("resource", "type")})


def tagged_as(source: SourceField) -> str | None:
    """The value ``source``, named as a tag, holds on every sampled record where that value
    is its table's own name (its last words, singular, any case), else None."""
    if tuple(split_words(source.read_name)) not in TAG_NAMES:
        return None
    values: dict[str, str] = {}  # however cased, as first written
    for value in source.samples:
        values.setdefault(value.strip().lower(), value.strip())
    values.pop("", None)
    if len(values) != 1:
        return None
    value = values.popitem()[1]
    words, table = _singular(split_words(value)), _singular(split_words(source.source_entity))
    named = bool(words) and all(words) and table[-len(words) :] == words
    return value if named and not any(word.isdigit() for word in words) else None


def why_never_mapped(source: SourceField) -> str | None:
    """The reason a type tag (`tagged_as`) is never mapped, None for any other field."""
    tag = tagged_as(source)
    if tag is None:
        return None
    return f"every record says {tag!r}, the table's own name: a tag of what it is, never mapped"


def _singular(words: list[str]) -> list[str]:
    return [*words[:-1], singular(words[-1])] if words else []
