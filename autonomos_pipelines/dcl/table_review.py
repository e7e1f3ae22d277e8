"""A source table's proposals decided together, as a reviewer reads them: the table's key first
(mapped to an entity's identity field, it decides which canonical table the table feeds:
canonical/sql_builder.SourceTable.feeds), then its other fields, most confident first. What a
person still has to weigh is left waiting, with why: a proposal below the floor, a target
another field of the table already feeds (Workflow.approve refuses it without force), and a
target of another entity than the one the table's fields map to (it would make the table feed
a second canonical table)."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field

from autonomos_pipelines.core.audit import Actor
from autonomos_pipelines.core.errors import NotFound
from autonomos_pipelines.core.tenant_id import TenantId
from autonomos_pipelines.dcl import review
from autonomos_pipelines.dcl.drift.events import WaitingEvents
from autonomos_pipelines.dcl.model.canonical_model import canonical_model
from autonomos_pipelines.dcl.registry.refs import MappingConflict, WorkflowError, row_value
from autonomos_pipelines.dcl.registry.workflow import Workflow


class NoProposals(WorkflowError, NotFound):
    """The table has no proposal waiting for review in that scope."""


@dataclass
class TableApproval:
    entity: str | None  # what the table feeds (_entity)
    approved: list[dict] = field(default_factory=list)
    left: list[tuple[dict, str]] = field(default_factory=list)  # a pending row and why


def _is_identity(target: str | None) -> bool:
    entity, _, field = (target or "").partition(".")
    return bool(entity) and field == canonical_model()[entity].identity_field


def _is_key(row: dict) -> bool:
    return _is_identity(row_value(row)["target"])


def _entity(mapped: dict[str, str], rows: list[dict]) -> str | None:
    """What the table feeds: the entity its key is mapped (or, most surely, proposed) to,
    else the one most of its fields map to."""
    keys = [t for t in mapped if _is_identity(t)] + [
        row_value(r)["target"] for r in rows if _is_key(r)
    ]
    if keys:
        return keys[0].split(".")[0]
    votes = Counter([t.split(".")[0] for t in mapped] + [r["canonical_entity"] for r in rows])
    votes.pop(None, None)
    return votes.most_common(1)[0][0] if votes else None


def table_proposals(
    workflow: Workflow, tenant_id: TenantId | None, connector: str, table: str
) -> list[dict]:
    """The table's pending proposals (the tenant's own, or the baseline's for None): the key's
    first, then the most confident."""
    newest: dict[str, dict] = {}  # a field's newest pending version is the one to decide
    for r in workflow.pending(tenant_id, evidence=False):
        if (
            r["tenant_id"] == tenant_id
            and r["connector"] == connector
            and r["source_table"].lower() == table.lower()
        ):
            if (
                r["source_field"] not in newest
                or r["version"] > newest[r["source_field"]]["version"]
            ):
                newest[r["source_field"]] = r
    rows = list(newest.values())
    return sorted(rows, key=lambda r: (not _is_key(r), -(r["confidence"] or 0.0), r["id"]))


def _mapped(workflow: Workflow, tenant_id: TenantId | None, row: dict) -> dict[str, str]:
    """The table's active mappings: target -> the source field feeding it."""
    table = (row["connector"], row["source_table"].lower())
    index = workflow.registry.mapping_index(tenant_id)
    return {
        f"{m.canonical_entity}.{m.canonical_field}": m.source_field
        for key, m in index.items()
        if key[:2] == table and m.canonical_entity and m.canonical_field
    }


def approve_table(  # noqa: PLR0913
    workflow: Workflow,
    tenant_id: TenantId | None,
    connector: str,
    table: str,
    actor: Actor | str,
    floor: float,
    *,
    drift: WaitingEvents,
    dry_run: bool = False,
) -> TableApproval:
    """Approve the table's proposals at or above ``floor`` that a person need not weigh apart
    (``dry_run``: say which, decide nothing). Each approval is its own decision, audited and
    settling its drift events as `review approve` does."""
    rows = table_proposals(workflow, tenant_id, connector, table)
    if not rows:
        scope = f"tenant {tenant_id}" if tenant_id else "the global baseline"
        raise NoProposals(f"{connector}.{table}: no proposals wait for review for {scope}")
    mapped = _mapped(workflow, tenant_id, rows[0])
    done = TableApproval(_entity(mapped, rows))
    claimed = dict(mapped)
    for row in rows:
        why = _left_because(row, done.entity, floor, claimed)
        if why is None and not dry_run:
            try:
                row = review.approve(workflow, row["id"], actor, False, tenant_id, drift=drift)
            except MappingConflict as conflict:  # another process approved one meanwhile
                why = str(conflict).split("; ")[0]
        if why is None:
            done.approved.append(row)
            claimed[row_value(row)["target"] or ""] = row["source_field"]
        else:
            done.left.append((row, why))
    return done


def _left_because(
    row: dict, entity: str | None, floor: float, claimed: dict[str, str]
) -> str | None:
    confidence = row["confidence"] or 0.0
    target = row_value(row)["target"]
    if confidence < floor:
        return f"confidence {confidence:.3f} is below {floor:.2f}"
    if target in claimed and claimed[target] != row["source_field"]:
        return f"{target} is already fed by {claimed[target]} of this table"
    other = row["canonical_entity"]
    if other and entity and other != entity:
        return f"the table feeds {entity}; this would make it feed canonical {other} too"
    return None
