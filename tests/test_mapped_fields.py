"""registry.mapped_fields.other_fields: all a new field's table's fields seen before, whatever
their state, the context it is ranked in (column_margin) and among which its table's key is
sought (table_assignment.key_rows)."""

from autonomos_pipelines.dcl.matching.source_field import SourceField
from autonomos_pipelines.dcl.registry.mapped_fields import other_fields
from autonomos_pipelines.dcl.registry.store import Mapping


def _mapping(table: str, field: str, target: str | None) -> Mapping:
    entity, name = target.split(".") if target else (None, None)
    return Mapping(1, None, "crm", table, field, entity, name, "none", 1.0, "rag", "active", 1)


def test_the_new_fields_tables_other_fields_whatever_their_state():
    observed = [
        SourceField("crm", "Deals", "id"),  # waiting for a person: seen all the same
        SourceField("crm", "deals", "title"),  # the table under another casing
        SourceField("crm", "Deals", "deal_status"),  # the new field itself
        SourceField("crm", "Persons", "email"),  # another table
    ]
    found = other_fields(observed, [observed[2]])
    assert found == {("crm", "Deals"): [observed[0], observed[1]]}
    assert other_fields(observed, []) == {}
