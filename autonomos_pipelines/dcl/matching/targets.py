"""The target model a field is mapped onto: the canonical model, or any schema given as JSON.

A schema is `{"entities": [{"name", "description", "fields": [{"name", "type",
"description", "values"?}]}]}`; `values` (optional) lists permissible or example values.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field
from functools import cached_property
from typing import Any

from autonomos_pipelines.core.errors import SpecError
from autonomos_pipelines.core.limits import MAX_DESCRIPTION_CHARS, MAX_NAME_CHARS, check_length
from autonomos_pipelines.dcl.matching.entity_names import (
    also_called_from_json,
    bare,
    claimed_once,
    forms,
)
from autonomos_pipelines.dcl.matching.field_text import humanize, token_set, values_text
from autonomos_pipelines.dcl.model.canonical_model import canonical_model


@dataclass(frozen=True)
class Target:
    entity: str
    name: str
    type: str
    description: str
    entity_description: str = ""
    values: tuple[str, ...] = field(default=(), compare=False)

    @property
    def key(self) -> str:
        return f"{self.entity}.{self.name}"

    @property
    def name_text(self) -> str:
        return humanize(self.name)

    @property
    def full_text(self) -> str:
        text = f"{humanize(self.entity)} {self.name_text}"
        return f"{text}: {self.description}" if self.description else text

    @property
    def description_text(self) -> str:
        return self.description or self.name_text

    @property
    def values_text(self) -> str:
        return values_text(self.values)

    @property
    def tokens(self) -> frozenset[str]:
        return token_set(self.name)


@dataclass(frozen=True)
class TargetSchema:
    targets: tuple[Target, ...]
    entity_descriptions: dict[str, str]
    # Whether sample values may *resemble* a target's values (`pT2` ~ `T2`) or must equal
    # them. The canonical value sets name kinds of things ("email", "phone", "web"), which an
    # e-mail address or a phone number resembles: there only equal values count.
    fuzzy_values: bool = True
    # Each entity's identity target (entity -> key): mapping it makes a source table feed
    # that entity, a structural decision a person takes. Empty: guessed as `<entity>_id`.
    identities: dict[str, str] = field(default_factory=dict)
    # Other words a source may call each entity's tables by (`deals` for the opportunity):
    # as telling as the entity's own name (`entity_names.named_for`)
    also_called: dict[str, tuple[str, ...]] = field(default_factory=dict)

    def __post_init__(self) -> None:
        object.__setattr__(self, "_index", {t.key: i for i, t in enumerate(self.targets)})

    def index_of(self, key: str) -> int | None:
        return self._index.get(key)  # type: ignore[attr-defined]

    def __contains__(self, key: object) -> bool:
        return key in self._index  # type: ignore[attr-defined]

    def identity_of(self, entity: str) -> str | None:
        """``entity``'s identity target: the declared one, else `<entity>_id` or `id`."""
        if self.identities:
            found = self.identities.get(entity)
            return found if found in self else None
        for key in (f"{entity}.{entity}_id", f"{entity}.id"):
            if key in self:
                return key
        return None

    @cached_property
    def grains(self) -> dict[str, str]:
        """Per entity whose identity is a date (`web_traffic.date`), that identity: the grain
        of a time series, which no key identifies. Read once per schema."""
        found = {}
        for entity in self.entities:
            key = self.identity_of(entity)
            index = self.index_of(key) if key is not None else None
            if index is not None and self.targets[index].type in ("date", "timestamp"):
                found[entity] = self.targets[index].key
        return found

    def entity_called(self, word: str) -> str | None:
        """The entity ``word`` is a name of, singular or plural (``deals``: the opportunity):
        an entity's own name exactly, else the one entity whose names take that form (two
        entities named alike, which a given schema may have, say nothing)."""
        if word in self.entity_descriptions:
            return word
        return self._called.get(bare(word))

    @cached_property
    def _called(self) -> dict[str, str | None]:
        called: dict[str, str | None] = {}
        for entity in self.entities:
            for form in {f for name in self.names_of(entity) for f in forms(name)}:
                called[form] = entity if called.get(form, entity) == entity else None
        return called

    def names_of(self, entity: str) -> tuple[str, ...]:
        """``entity``'s own name, then the other words tables of it may be called by."""
        return (entity, *self.also_called.get(entity, ()))

    @property
    def entities(self) -> list[str]:
        return list(self.entity_descriptions)

    def entity_text(self, entity: str) -> str:
        description = self.entity_descriptions.get(entity, "")
        return f"{humanize(entity)}: {description}" if description else humanize(entity)


def canonical_targets() -> TargetSchema:
    entities, targets, identities, also_called = {}, [], {}, {}
    for entity in canonical_model().values():
        entities[entity.name] = entity.description
        identities[entity.name] = f"{entity.name}.{entity.identity_field}"
        also_called[entity.name] = entity.also_called
        for f in entity.fields:
            targets.append(
                Target(entity.name, f.name, f.type, f.description, entity.description, f.values)
            )
    return TargetSchema(
        tuple(targets), entities, fuzzy_values=False, identities=identities, also_called=also_called
    )


def _text(value: Any, where: str, source: str, required: bool = True) -> str:
    if value is None and not required:
        return ""
    if not isinstance(value, str) or (required and not value.strip()):
        raise SpecError(f"{source}: {where} must be a non-empty string")
    limit = MAX_NAME_CHARS if required else MAX_DESCRIPTION_CHARS
    check_length(source, where, value, limit)
    return value


def targets_from_json(data: Any, source: str = "target schema") -> TargetSchema:
    """Validate a user-given target schema, naming the exact place of any problem."""
    if not isinstance(data, dict) or not isinstance(data.get("entities"), list):
        raise SpecError(f"{source}: expected an object with an 'entities' list")
    entities: dict[str, str] = {}
    targets: list[Target] = []
    also_called: dict[str, tuple[str, ...]] = {}
    for i, entity in enumerate(data["entities"]):
        where = f"$.entities[{i}]"
        if not isinstance(entity, dict):
            raise SpecError(f"{source}: {where} must be an object")
        name = _text(entity.get("name"), f"{where}.name", source)
        description = _text(
            entity.get("description"), f"{where}.description", source, required=False
        )
        if name in entities:
            raise SpecError(f"{source}: {where}.name {name!r} appears twice")
        entities[name] = description
        also_called[name] = also_called_from_json(
            entity.get("also_called"), f"{where}.also_called", source
        )
        fields = entity.get("fields")
        if not isinstance(fields, list) or not fields:
            raise SpecError(f"{source}: {where}.fields must be a non-empty list")
        for j, item in enumerate(fields):
            targets.append(_target(item, f"{where}.fields[{j}]", name, description, source))
    twice = [key for key, n in Counter(t.key for t in targets).items() if n > 1]
    if twice:
        raise SpecError(f"{source}: field {twice[0]!r} appears twice")
    claimed_once(also_called, source)
    return TargetSchema(tuple(targets), entities, also_called=also_called)


def _target(item: Any, where: str, entity: str, entity_description: str, source: str) -> Target:
    if not isinstance(item, dict):
        raise SpecError(f"{source}: {where} must be an object")
    values = item.get("values") or ()
    if not isinstance(values, Sequence) or isinstance(values, str):
        raise SpecError(f"{source}: {where}.values must be a list")
    return Target(
        entity=entity,
        name=_text(item.get("name"), f"{where}.name", source),
        type=_text(item.get("type") or "string", f"{where}.type", source),
        description=_text(item.get("description"), f"{where}.description", source, False),
        entity_description=entity_description,
        values=tuple(str(v) for v in values if v is not None and str(v) != ""),
    )
