"""`mappings import`: a file's field rows and value rows applied together, or not at all.

Every row is checked first (the value rows against the targets the field rows will leave,
the actor's role for both); then both kinds are written in one transaction, so a database
failure half-way through leaves the registry as it was, not half a file applied."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlalchemy.exc import DBAPIError

from autonomos_pipelines.core.database import session
from autonomos_pipelines.core.tenant_id import TenantId
from autonomos_pipelines.dcl.registry.mapping_file import (
    ImportResult,
    plan_import,
    planned_targets,
)
from autonomos_pipelines.dcl.registry.refs import WorkflowError
from autonomos_pipelines.dcl.registry.value_file import ValuePlan, parse_values, plan_values
from autonomos_pipelines.dcl.registry.value_workflow import ValueWorkflow
from autonomos_pipelines.dcl.registry.workflow import Workflow


@dataclass(frozen=True)
class FileImport:
    fields: ImportResult
    values: ValuePlan
    value_rows: int


def import_file(  # noqa: PLR0913
    flow: Workflow,
    tenant_id: TenantId | None,
    document: dict[str, Any],
    actor: str,
    pin_inherited: bool = False,
    source: str = "file",
) -> FileImport:
    """Apply `document` (`mappings export`'s shape: `mappings`, optional `values`) to the
    tenant (None: the baseline); raises SpecError or WorkflowError before any write."""
    rows = document["mappings"]
    targets = planned_targets(flow.registry, tenant_id, rows, pin_inherited, source)
    values = parse_values(document.get("values", []), tenant_id, targets, source)
    value_flow = ValueWorkflow(flow)
    fields, field_versions = plan_import(flow, tenant_id, rows, actor, pin_inherited, source)
    plan = plan_values(value_flow, values, actor, pin_inherited)
    try:
        with session(flow.engine, tenant_id) as connection:
            flow.write(connection, field_versions, actor)
            value_flow.write(connection, plan.proposals, actor)
    except DBAPIError as error:  # rolled back whole: say so, not with a driver traceback
        reason = str(error.orig or error).strip().splitlines()[0][:300]
        raise WorkflowError(
            f"{source}: the database refused the import ({reason}); nothing of the file was applied"
        ) from error
    flow.registry.invalidate(tenant_id)
    return FileImport(fields, plan, len(values))
