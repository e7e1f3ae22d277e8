"""A tenant's value mappings in the mappings file (`mappings export` writes a `values` list
beside `mappings`; `mappings import` applies it), with the same scopes as field rows: the
tenant's own (`scope: tenant`) and the baseline's it inherits (`scope: global`, left to the
baseline on import unless pinned).

Every value row is checked before anything is written - field rows included: its field must
map onto an enumeration once the file's field rows are applied, the row's `target` must be
that enumeration, and its canonical value one of the set."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from autonomos_pipelines.core.errors import AutonomosError, SpecError
from autonomos_pipelines.core.tenant_id import TenantId
from autonomos_pipelines.dcl.registry.mapping_file import SCOPES
from autonomos_pipelines.dcl.registry.refs import FieldRef
from autonomos_pipelines.dcl.registry.store import Registry
from autonomos_pipelines.dcl.registry.value_checks import check_source_value, enumeration
from autonomos_pipelines.dcl.registry.value_refs import ValueRef
from autonomos_pipelines.dcl.registry.value_store import ValueStore
from autonomos_pipelines.dcl.registry.value_workflow import ValueWorkflow
from autonomos_pipelines.dcl.registry.value_writes import ValueProposal

FieldKey = tuple[str, str, str]


def export_values(registry: Registry, tenant_id: TenantId | None) -> list[dict[str, Any]]:
    """Every value mapping that applies to the tenant now, ordered by field and value."""
    rows = []
    for _, maps in sorted(ValueStore(registry).applying(tenant_id).items()):
        for value, mapped in sorted(maps.items()):
            rows.append({
                "field": f"{mapped.connector}.{mapped.source_table}.{mapped.source_field}",
                "value": value,
                "target": mapped.target,
                "canonical": mapped.canonical_value,
                "version": mapped.version,
                "scope": "global" if mapped.tenant_id is None else "tenant",
            })  # fmt: skip
    return rows


@dataclass(frozen=True)
class ValueRow:
    ref: ValueRef
    target: str
    canonical: str
    scope: str


def parse_values(
    items: Any, tenant_id: TenantId | None, targets: dict[FieldKey, str | None], source: str
) -> list[ValueRow]:
    """The file's value rows, each checked against ``targets`` (field -> entity.field once
    the file's field rows apply); raises SpecError naming the row and what is wrong."""
    if not isinstance(items, list):
        raise SpecError(f"{source}: 'values' must be a list")
    rows = []
    for i, item in enumerate(items):
        where = f"{source}: values[{i}]"
        if not isinstance(item, dict) or not all(
            isinstance(item.get(key), str) for key in ("field", "value", "target", "canonical")
        ):
            raise SpecError(f"{where} needs text 'field', 'value', 'target' and 'canonical'")
        connector, table, name = (item["field"].split(".", 2) + ["", ""])[:3]
        if not (connector and table and name):
            raise SpecError(f"{where}: {item['field']!r}: expected CONNECTOR.TABLE.FIELD")
        mapped = item["target"]
        if targets.get((connector, table.lower(), name)) != mapped:
            now = targets.get((connector, table.lower(), name)) or "nothing"
            raise SpecError(f"{where}: {item['field']} maps onto {now}, not {mapped}")
        entity, _, field = mapped.partition(".")
        try:
            check_source_value(item["value"])
            allowed = enumeration(entity, field).values
        except AutonomosError as error:
            raise SpecError(f"{where}: {error}") from None
        if item["canonical"] not in allowed:
            raise SpecError(
                f"{where}: {item['canonical']!r} is not a value of {mapped}; "
                f"allowed: {', '.join(allowed)}"
            )
        scope = item.get("scope") or ("tenant" if tenant_id else "global")
        if scope not in SCOPES:
            raise SpecError(f"{where}: scope {scope!r}: one of {', '.join(SCOPES)}")
        if scope == "tenant" and tenant_id is None:
            raise SpecError(f"{where}: a tenant's own row cannot go into the global baseline")
        ref = ValueRef(FieldRef(tenant_id, connector, table, name), item["value"])
        rows.append(ValueRow(ref, mapped, item["canonical"], scope))
    return rows


@dataclass(frozen=True)
class ValuePlan:
    proposals: list[ValueProposal]  # rows that differ from the destination's own
    unchanged: int
    inherited: int  # the baseline's rows left to it (not pinned)


def plan_values(
    flow: ValueWorkflow, rows: list[ValueRow], actor: str, pin_inherited: bool
) -> ValuePlan:
    """The new versions the rows need, checked (the actor a decider, every value in its
    set); nothing written."""
    tenant_id = rows[0].ref.tenant_id if rows else None
    own = {
        (m.field_key, m.source_value): (m.target, m.canonical_value)
        for m in flow.store.active(tenant_id)
        if m.tenant_id == tenant_id
    }
    proposals, unchanged, inherited = [], 0, 0
    for row in rows:
        if row.scope == "global" and tenant_id is not None and not pin_inherited:
            inherited += 1
            continue
        key = ((row.ref.field.connector, row.ref.field.source_table.lower(),
                row.ref.field.source_field), row.ref.source_value)  # fmt: skip
        if own.get(key) == (row.target, row.canonical):
            unchanged += 1
            continue
        entity, _, field = row.target.partition(".")
        proposals.append(ValueProposal(row.ref, entity, field, row.canonical, 1.0, "manual",
                                       True, f"imported by {actor}"))  # fmt: skip
    if rows:
        flow.require_decider(rows[0].ref, "value_mapping.import", actor)
    flow.check(proposals)
    return ValuePlan(proposals, unchanged, inherited)
