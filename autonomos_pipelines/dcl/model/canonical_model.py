"""The canonical model (a contract: add to it, never rename or remove)."""

from __future__ import annotations

import json
from dataclasses import dataclass
from functools import cache, cached_property
from pathlib import Path

MODEL_FILE = Path(__file__).parent / "data" / "canonical_model.json"
TYPES = ("string", "integer", "decimal", "boolean", "date", "timestamp", "json")


@dataclass(frozen=True)
class CanonicalField:
    entity: str
    name: str
    type: str
    description: str
    values: tuple[str, ...] = ()  # the canonical value set of an enumeration, when it has one


@dataclass(frozen=True)
class CanonicalEntity:
    name: str
    description: str
    fields: tuple[CanonicalField, ...]
    # other words sources call the entity's tables by, each the entity's alone (`deals`,
    # `companies`; not `customers`: an account or a contact), most of them its description's
    also_called: tuple[str, ...] = ()

    @property
    def identity_field(self) -> str:
        """The field that identifies a record; a source table feeds this entity only if it
        maps this field (e.g. account_id, or usage_date for cloud_cost)."""
        return self.fields[0].name

    @cached_property
    def field_names(self) -> frozenset[str]:
        return frozenset(f.name for f in self.fields)

    def field(self, name: str) -> CanonicalField:
        for candidate in self.fields:
            if candidate.name == name:
                return candidate
        raise KeyError(f"{self.name}.{name} is not in the canonical model")


@cache
def canonical_model() -> dict[str, CanonicalEntity]:
    data = json.loads(MODEL_FILE.read_text(encoding="utf-8"))
    model = {}
    for entity in data["entities"]:
        fields = tuple(
            CanonicalField(
                entity["name"], f["name"], f["type"], f["description"], tuple(f.get("values", ()))
            )
            for f in entity["fields"]
        )
        also_called = tuple(entity.get("also_called", ()))
        model[entity["name"]] = CanonicalEntity(
            entity["name"], entity["description"], fields, also_called
        )
    return model


def has_field(entity: str, field: str) -> bool:
    model = canonical_model()
    return entity in model and field in model[entity].field_names


def is_canonical(target: str) -> bool:
    """Whether ``target`` ("entity.field") is a field of the canonical model."""
    entity, _, name = target.partition(".")
    return has_field(entity, name)


def target_type(target: str) -> str:
    """The type of ``target`` ("entity.field", a field of the model)."""
    entity, _, name = target.partition(".")
    return canonical_model()[entity].field(name).type


def is_identity(target: str | None) -> bool:
    """Whether ``target`` ("entity.field") is its entity's identity field: a table mapping its
    key there feeds that entity (canonical/sql_builder.SourceTable.feeds)."""
    entity, _, name = (target or "").partition(".")
    model = canonical_model()
    return entity in model and name == model[entity].identity_field
