"""The mappings that apply to a tenant as a file (`mappings export`), and such a file applied
back (`mappings import`).

A tenant's file holds what applies to it, as the API's listing shows it: its own rows
(`scope: tenant`) and the global baseline's it inherits (`scope: global`). On import the
inherited rows are left to the baseline, so a later baseline change still reaches the tenant;
`pin_inherited` makes them the tenant's own versions instead. A file for the baseline itself
(`tenant: null`) holds and applies global rows only."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from autonomos_pipelines.core.errors import SpecError
from autonomos_pipelines.core.tenant_id import TenantId
from autonomos_pipelines.dcl.registry.listing import applying, mapping_entry
from autonomos_pipelines.dcl.registry.proposals import Proposal
from autonomos_pipelines.dcl.registry.refs import FieldRef
from autonomos_pipelines.dcl.registry.store import Registry
from autonomos_pipelines.dcl.registry.workflow import Workflow

SCOPES = ("tenant", "global")


def export_document(registry: Registry, tenant_id: TenantId | None) -> dict[str, Any]:
    """Every active mapping that applies to the tenant (None: the baseline), ordered by field."""
    rows = []
    for entry in map(mapping_entry, applying(registry, tenant_id)):
        field = f"{entry['connector']}.{entry['source_table']}.{entry['source_field']}"
        rows.append(
            {
                "field": field,
                "target": entry["target"],
                "transform": entry["transform"],
                **({"expression": entry["expression"]} if entry.get("expression") else {}),
                "version": entry["version"],
                "scope": entry["scope"],
            }
        )
    return {"tenant": None if tenant_id is None else str(tenant_id), "mappings": rows}


@dataclass(frozen=True)
class ImportResult:
    total: int
    changed: int
    unchanged: int
    inherited: int  # the baseline's rows left to it (not pinned)


def import_document(  # noqa: PLR0913
    workflow: Workflow,
    tenant_id: TenantId | None,
    items: list[Any],
    actor: str,
    pin_inherited: bool = False,
    source: str = "file",
) -> ImportResult:
    """Apply a file's rows to `tenant_id` (None: the baseline) in one transaction: each field
    whose target, transform or expression differs from the destination's own active row gets
    a new active version."""
    result, proposals = plan_import(workflow, tenant_id, items, actor, pin_inherited, source)
    workflow.propose_many(proposals, actor)  # every row checked first: a bad one changes nothing
    return result


def plan_import(  # noqa: PLR0913
    workflow: Workflow,
    tenant_id: TenantId | None,
    items: list[Any],
    actor: str,
    pin_inherited: bool = False,
    source: str = "file",
) -> tuple[ImportResult, list[Proposal]]:
    """What `import_document` would write, nothing written: the counts and the versions."""
    own = {
        _field_of(m.connector, m.source_table, m.source_field): (m, mapping_entry(m)["target"])
        for m in workflow.registry.active_mappings(tenant_id)
        if m.tenant_id == tenant_id
    }
    edits: list[tuple[FieldRef, str | None, str]] = []
    expressions: list[str | None] = []
    unchanged = inherited = 0
    for i, item in enumerate(items):
        ref, wanted, scope = _parse(item, tenant_id, f"{source}: mappings[{i}]")
        if scope == "global" and tenant_id is not None and not pin_inherited:
            inherited += 1
            continue
        current = own.get(_field_of(ref.connector, ref.source_table, ref.source_field))
        if current and (current[1], current[0].transform, current[0].expression) == wanted:
            unchanged += 1
            continue
        edits.append((ref, wanted[0], wanted[1]))
        expressions.append(wanted[2])
    proposals = workflow.edit_proposals(edits, actor, expressions)
    return ImportResult(len(items), len(edits), unchanged, inherited), proposals


def planned_targets(
    registry: Registry,
    tenant_id: TenantId | None,
    items: list[Any],
    pin_inherited: bool = False,
    source: str = "file",
) -> dict[tuple[str, str, str], str | None]:
    """(connector, lower(table), field) -> entity.field once the file's rows are applied:
    what the file's value rows are checked against before anything is written."""
    targets = {
        key: mapping_entry(m)["target"] for key, m in registry.mapping_index(tenant_id).items()
    }
    for i, item in enumerate(items):
        ref, wanted, scope = _parse(item, tenant_id, f"{source}: mappings[{i}]")
        if scope == "tenant" or tenant_id is None or pin_inherited:
            targets[_field_of(ref.connector, ref.source_table, ref.source_field)] = wanted[0]
    return targets


def _field_of(connector: str, table: str, field: str) -> tuple[str, str, str]:
    return (connector, table.lower(), field)


def _parse(
    item: Any, tenant_id: TenantId | None, where: str
) -> tuple[FieldRef, tuple[str | None, str, str | None], str]:
    """(the field, (target, transform, expression), scope) of one row; a row without `scope`
    (files from before it existed) is the destination's own."""
    if not isinstance(item, dict) or not isinstance(item.get("field"), str):
        raise SpecError(f"{where} needs a 'field' CONNECTOR.TABLE.FIELD")
    connector, table, name = (item["field"].split(".", 2) + ["", ""])[:3]
    if not (connector and table and name):
        raise SpecError(f"{where}: {item['field']!r}: expected CONNECTOR.TABLE.FIELD")
    scope = item.get("scope") or ("tenant" if tenant_id else "global")
    if scope not in SCOPES:
        raise SpecError(f"{where}: scope {scope!r}: one of {', '.join(SCOPES)}")
    if scope == "tenant" and tenant_id is None:
        raise SpecError(f"{where}: a tenant's own row cannot go into the global baseline")
    expression = item.get("expression")
    if expression is not None and not isinstance(expression, str):
        raise SpecError(f"{where}: expression must be text")
    wanted = (item.get("target"), item.get("transform") or "none", expression or None)
    return FieldRef(tenant_id, connector, table, name), wanted, scope
