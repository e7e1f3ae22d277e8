"""What a value mapping must satisfy before it is written: a source value an enumeration can
have, a source field actively mapped onto a canonical enumeration, and a canonical value of
that enumeration's value set. Each refusal says what is allowed instead."""

from __future__ import annotations

from autonomos_pipelines.core.errors import InputRefused
from autonomos_pipelines.dcl.model.canonical_model import CanonicalField, canonical_model
from autonomos_pipelines.dcl.registry.refs import FieldRef, WorkflowError
from autonomos_pipelines.dcl.registry.store import Registry
from autonomos_pipelines.dcl.registry.value_refs import MAX_VALUE_CHARS


class NotAnEnumeration(WorkflowError):
    """The field named has no value map: it feeds no canonical enumeration (a request to
    fix, 422 over HTTP, not a conflict with a mapping's state)."""


def enumerations() -> list[str]:
    """Every canonical field with a value set, as entity.field."""
    return [
        f"{entity.name}.{field.name}"
        for entity in canonical_model().values()
        for field in entity.fields
        if field.values
    ]


def enumeration(entity: str, field: str) -> CanonicalField:
    """The canonical field, refused unless it has a value set."""
    model = canonical_model()
    if entity not in model or not any(f.name == field for f in model[entity].fields):
        raise NotAnEnumeration(f"{entity}.{field} is not a field of the canonical model")
    found = model[entity].field(field)
    if not found.values:
        raise NotAnEnumeration(
            f"{entity}.{field} has no value set, so its values are not mapped; "
            f"enumerations: {', '.join(enumerations())}"
        )
    return found


def check_source_value(value: str) -> None:
    """Refused as bad input (422 over HTTP), not as a conflict with the registry's state."""
    if "\x00" in value:
        raise InputRefused(f"source value {value!r} contains a NUL character")
    if len(value) > MAX_VALUE_CHARS:
        raise InputRefused(
            f"source value of {len(value):,} characters: an enumeration's values have at most "
            f"{MAX_VALUE_CHARS}"
        )


def check_canonical_value(field: CanonicalField, value: str) -> None:
    if value not in field.values:
        raise InputRefused(
            f"{value!r} is not a value of {field.entity}.{field.name}; "
            f"allowed: {', '.join(field.values)}"
        )


def mapped_enumeration(registry: Registry, ref: FieldRef) -> CanonicalField:
    """The enumeration the source field is actively mapped onto (the tenant's mapping, else
    the baseline's), refused with the reason when there is none."""
    mapping = registry.lookup(ref.tenant_id, ref.connector, ref.source_table, ref.source_field)
    scope = f"tenant {ref.tenant_id}" if ref.tenant_id else "the global baseline"
    if mapping is None:
        raise NotAnEnumeration(
            f"{ref.key} has no active field mapping for {scope}; map it onto an enumeration "
            "first (`autonomos mappings set`)"
        )
    if not mapping.canonical_entity or not mapping.canonical_field:
        raise NotAnEnumeration(f"{ref.key} is mapped to no canonical field for {scope}")
    if mapping.expression:  # the canonical SQL reads the expression, not the column's values
        raise NotAnEnumeration(
            f"{ref.key} is computed by an expression for {scope} ({mapping.expression}); a "
            "value map applies to a column mapped as it is: write the values into the "
            "expression, e.g. if(state = 'waiting', 'pending', state)"
        )
    return enumeration(mapping.canonical_entity, mapping.canonical_field)


def check_still_mapped(registry: Registry, ref: FieldRef, entity: str, field: str) -> None:
    """A value mapping decided now must be for the enumeration its field maps onto now."""
    try:
        current = mapped_enumeration(registry, ref)
    except NotAnEnumeration as error:  # the field changed under the proposal: a conflict
        raise WorkflowError(f"{error}; this value mapping no longer applies (reject it)") from None
    if (current.entity, current.name) != (entity, field):
        raise WorkflowError(
            f"{ref.key} now maps onto {current.entity}.{current.name}, not {entity}.{field}; "
            "this value mapping no longer applies (reject it)"
        )
