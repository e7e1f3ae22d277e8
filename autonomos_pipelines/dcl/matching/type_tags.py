"""A field whose every value is its own table's name tags what each record is: Stripe's
``object`` ("customer" on every row of ``customers``), JSON:API's ``type`` ("profile" in
Klaviyo's ``profiles``). The same on every record, it is no property of any: its words and
values still fit a target (Stripe's "customer" reads as an account type), so its candidates
are capped below review, held (the LLM is not asked), and the first says why.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace

from autonomos_pipelines.dcl.matching.candidate import Candidate
from autonomos_pipelines.dcl.matching.field_text import split_words
from autonomos_pipelines.dcl.matching.source_field import SourceField
from autonomos_pipelines.dcl.matching.table_assignment import singular
from autonomos_pipelines.dcl.matching.thresholds import LLM_FLOOR


def tagged_as(source: SourceField) -> str | None:
    """The value ``source`` holds on every sampled record where that is its table's own name
    (singular, any case), else None."""
    words = split_words(source.source_entity)
    values = {singular(value.strip().lower()) for value in source.samples}
    if not words or len(values) != 1:
        return None
    value = values.pop()
    return value if value == singular(words[-1]) else None


def hold_type_tags(
    ranked: list[list[Candidate]], fields: Sequence[SourceField]
) -> list[list[Candidate]]:
    """The candidates, a type tag's (`tagged_as`) capped at LLM_FLOOR and held."""
    return [
        _capped(candidates, tag) if (tag := tagged_as(source)) and candidates else candidates
        for source, candidates in zip(fields, ranked, strict=True)
    ]


def _capped(candidates: list[Candidate], tag: str) -> list[Candidate]:
    capped = [replace(c, confidence=min(c.confidence, LLM_FLOOR), held=True) for c in candidates]
    note = f"every record says {tag!r}, the table's own name: a tag of what it is, no property"
    return [replace(capped[0], note=note), *capped[1:]]
