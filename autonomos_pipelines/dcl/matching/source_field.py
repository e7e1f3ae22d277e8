"""A source field as the mapper sees it: where it lives, its name, and what it can tell."""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from functools import cached_property
from typing import Any

from autonomos_pipelines.core.errors import SpecError
from autonomos_pipelines.core.limits import (
    MAX_DESCRIPTION_CHARS,
    MAX_NAME_CHARS,
    MAX_SAMPLE_CHARS,
    MAX_SAMPLES,
    MAX_TYPE_CHARS,
    check_length,
    refuse,
)
from autonomos_pipelines.dcl.expressions.lists import SCALAR_COLUMN, SEPARATOR
from autonomos_pipelines.dcl.matching.field_text import (
    dominant_pattern,
    humanize,
    token_set,
    unwrapped,
    values_text,
)

_STRING_LIMITS = {
    "source_system": MAX_NAME_CHARS,
    "source_entity": MAX_NAME_CHARS,
    "field": MAX_NAME_CHARS,
    "type": MAX_TYPE_CHARS,
    "description": MAX_DESCRIPTION_CHARS,
    "entity_description": MAX_DESCRIPTION_CHARS,
    "references": MAX_NAME_CHARS,
}


@dataclass(frozen=True)
class SourceField:
    source_system: str
    source_entity: str
    field: str
    type: str | None = None
    description: str | None = None
    entity_description: str | None = None
    samples: tuple[str, ...] = dataclasses.field(default=(), compare=False)
    # the table of the same source this field is a declared foreign key to (a database's
    # constraint, as dlt's sql_database reflects it into a `references` hint)
    references: str | None = None
    # declared part of the table's primary key (a database's constraint, dlt's `primary_key`
    # column hint, a REST resource's declared key)
    primary_key: bool = False

    @classmethod
    def from_json(cls, data: Any, where: str) -> SourceField:
        """One input line of `autonomos map`; names the line and key of any problem."""
        if not isinstance(data, dict):
            raise SpecError(f"{where}: expected a JSON object")
        for key in ("source_system", "source_entity", "field"):
            if not isinstance(data.get(key), str) or not data[key].strip():
                raise SpecError(f"{where}: '{key}' must be a non-empty string")
        for key in ("type", "description", "entity_description", "references"):
            if data.get(key) is not None and not isinstance(data[key], str):
                raise SpecError(f"{where}: '{key}' must be a string")
        if data.get("primary_key") is not None and not isinstance(data["primary_key"], bool):
            raise SpecError(f"{where}: 'primary_key' must be true or false")
        for key, limit in _STRING_LIMITS.items():
            if data.get(key) is not None:
                check_length(where, key, data[key], limit)
        samples = _samples([] if data.get("samples") is None else data["samples"], where)
        return cls(
            data["source_system"],
            data["source_entity"],
            data["field"],
            data.get("type"),
            data.get("description"),
            data.get("entity_description"),
            samples,
            (data.get("references") or "").strip() or None,  # blank: none declared
            bool(data.get("primary_key")),  # null: not declared
        )

    @property
    def declared_table(self) -> str | None:
        """The table this field is declared a foreign key to, None when none (or blank)."""
        return (self.references or "").strip() or None

    @cached_property
    def read_name(self) -> str:
        """The field's name as read for matching: its path without wrapper objects, and for
        dlt's `value`, the column of a list of scalars (`tickets__tags`), the list's name."""
        if self.field == SCALAR_COLUMN and SEPARATOR in self.source_entity.strip(SEPARATOR):
            return self.source_entity.rstrip("_").rsplit(SEPARATOR, 1)[1]
        return unwrapped(self.field)

    @cached_property
    def name_text(self) -> str:
        return humanize(self.read_name)

    @cached_property
    def entity_text(self) -> str:
        words = humanize(self.source_entity)
        return f"{words}: {self.entity_description}" if self.entity_description else words

    @cached_property
    def example_text(self) -> str:
        """What an approved mapping stores for retrieval: entity and field words only."""
        return f"{humanize(self.source_entity)} {self.name_text}"

    @cached_property
    def full_text(self) -> str:
        text = self.example_text
        return f"{text}: {self.description}" if self.description else text

    @cached_property
    def description_text(self) -> str:
        return self.description or self.name_text

    @cached_property
    def samples_text(self) -> str:
        """The sample values as one text, or "" when they carry no words (numbers, ids)."""
        return values_text(self.samples)

    @cached_property
    def tokens(self) -> frozenset[str]:
        return token_set(self.read_name)

    @cached_property
    def pattern(self) -> str | None:
        return dominant_pattern(self.samples)


def _samples(samples: Any, where: str) -> tuple[str, ...]:
    if not isinstance(samples, list):
        raise SpecError(f"{where}: 'samples' must be a list")
    if len(samples) > MAX_SAMPLES:
        refuse(where, f"'samples' has {len(samples):,} values; the limit is {MAX_SAMPLES}")
    texts = []
    for index, sample in enumerate(samples):
        if sample is None:
            continue
        text = sample if isinstance(sample, str) else str(sample)
        check_length(where, f"samples[{index}]", text, MAX_SAMPLE_CHARS)
        texts.append(text)
    return tuple(texts)
