"""A source table's proposals decided together, as a reviewer reads them: the table's key first
(mapped to an entity's identity field, it decides which canonical table the table feeds:
canonical/sql_builder.SourceTable.feeds), then its other fields, most confident first. Only new
mappings of fields are decided in bulk; what a person must weigh apart is left waiting, with
why: a proposal below the floor, one flagged for review, one saying the field has no canonical
counterpart, one that would replace a field's active mapping, a target of another entity than
the table's (it would make the table feed a second canonical table), a target another field of
the table already feeds (Workflow.approve refuses it without force), and a field's older
pending versions."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field

from autonomos_pipelines.core.audit import Actor
from autonomos_pipelines.core.errors import NotFound
from autonomos_pipelines.core.tenant_id import TenantId
from autonomos_pipelines.dcl import review
from autonomos_pipelines.dcl.drift.events import WaitingEvents
from autonomos_pipelines.dcl.model.canonical_model import canonical_model
from autonomos_pipelines.dcl.registry.refs import WorkflowError, row_value
from autonomos_pipelines.dcl.registry.store import Mapping
from autonomos_pipelines.dcl.registry.workflow import Workflow


class NoProposals(WorkflowError, NotFound):
    """No such tenant, or the table has no proposal waiting for review in that scope."""


@dataclass
class TableApproval:
    entity: str | None  # the table's: its key's entity, else most of its fields' (_entity)
    approved: list[dict] = field(default_factory=list)
    left: list[tuple[dict, str]] = field(default_factory=list)  # a pending row and why


def _is_identity(target: str | None) -> bool:
    entity, _, name = (target or "").partition(".")
    return bool(entity) and name == canonical_model()[entity].identity_field


@dataclass(frozen=True)
class PendingTable:
    tenant_id: TenantId | None
    connector: str
    table: str
    pending: int  # fields waiting
    key: dict | None  # the most confident proposal of an identity field, if any


def pending_tables(workflow: Workflow, tenant_id: TenantId | None) -> list[PendingTable]:
    """The source tables with proposals waiting (one tenant's, or every tenant's and the
    baseline's for None), each with its key's proposal: what `approve-table` would decide."""
    grouped: dict[tuple[TenantId | None, str, str], dict[str, dict]] = {}
    for r in workflow.pending(tenant_id, evidence=False):
        table = (r["tenant_id"], r["connector"], r["source_table"].lower())
        grouped.setdefault(table, {})[r["source_field"]] = r  # the newest version last
    found = []
    for (tenant, connector, _), fields in sorted(grouped.items(), key=lambda kv: str(kv[0])):
        keys = [r for r in fields.values() if _is_identity(row_value(r)["target"])]
        key = max(keys, key=lambda r: r["confidence"] or 0.0, default=None)
        name = next(iter(fields.values()))["source_table"]
        found.append(PendingTable(tenant, connector, name, len(fields), key))
    return found


def table_proposals(
    workflow: Workflow, tenant_id: TenantId | None, connector: str, table: str
) -> tuple[list[dict], list[dict]]:
    """The table's pending proposals (the tenant's own, or the baseline's for None), the
    newest version of each field, the key's first, then the most confident; and the older
    pending versions they supersede."""
    newest: dict[str, dict] = {}
    older: list[dict] = []
    for r in workflow.pending(tenant_id, evidence=False):  # oldest version first
        if (r["tenant_id"], r["connector"]) != (tenant_id, connector):
            continue
        if r["source_table"].lower() == table.lower():
            if r["source_field"] in newest:
                older.append(newest[r["source_field"]])
            newest[r["source_field"]] = r
    rows = sorted(
        newest.values(),
        key=lambda r: (not _is_identity(row_value(r)["target"]), -(r["confidence"] or 0.0)),
    )
    return rows, older


def _entity(active: list[Mapping], rows: list[dict]) -> str | None:
    """What the table feeds: the entity its key is mapped (else most surely proposed) to,
    else the one most of its fields map to."""
    targets = [f"{m.canonical_entity}.{m.canonical_field}" for m in active if m.canonical_field]
    targets += [t for r in rows if (t := row_value(r)["target"])]
    keys = [t for t in targets if _is_identity(t)]
    votes = Counter(t.split(".")[0] for t in keys or targets)
    return votes.most_common(1)[0][0] if votes else None


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
    """Approve the table's new mappings at or above ``floor`` that a person need not weigh
    apart (``dry_run``: say which, decide nothing; refused as the decisions would be). Each
    approval is its own decision, audited and settling its drift events as `review approve`."""
    if tenant_id is not None and tenant_id not in workflow.registry.tenants():
        raise NoProposals(f"no tenant {tenant_id!r} (see `autonomos tenants list`)")
    rows, older = table_proposals(workflow, tenant_id, connector, table)
    if not rows:
        scope = f"tenant {tenant_id}" if tenant_id else "the global baseline"
        raise NoProposals(f"{connector}.{table}: no proposals wait for review for {scope}")
    if dry_run:
        workflow.check_decider(actor, tenant_id, f"{connector}.{table}")
    index = workflow.registry.mapping_index(tenant_id)
    active = {k[2]: m for k, m in index.items() if k[:2] == (connector, table.lower())}
    done = TableApproval(_entity(list(active.values()), rows))
    claimed: dict[str, str] = {}  # targets approved in this run: field
    for row in rows:
        why = _left_because(row, done.entity, floor, active) or _claimed(workflow, row, claimed)
        if why is None and not dry_run:
            try:
                row = review.approve(workflow, row["id"], actor, False, tenant_id, drift=drift)
            except WorkflowError as refused:  # decided by someone else meanwhile, or claimed
                why = str(refused).split("; ")[0]
        if why is None:
            done.approved.append(row)
            claimed[row_value(row)["target"]] = row["source_field"]
        else:
            done.left.append((row, why))
    for row in older:
        done.left.append((row, f"version {row['version']}: a newer version of the field waits too"))
    return done


def _left_because(
    row: dict, entity: str | None, floor: float, active: dict[str, Mapping]
) -> str | None:
    target, confidence = row_value(row)["target"], row["confidence"] or 0.0
    current = active.get(row["source_field"])
    if row["status"] != "proposed":
        return f"flagged for review: {row['reason'] or 'no reason recorded'}"
    if target is None:
        return "proposes that the field has no canonical counterpart: decide it alone"
    if confidence < floor:
        return f"confidence {confidence:.3f} is below {floor:.2f}"
    if current is not None:
        now = f"{current.canonical_entity}.{current.canonical_field}"
        return f"would replace its active mapping to {now if current.canonical_field else 'none'}"
    other = target.split(".")[0]
    if entity and other != entity:
        return f"the table is taken for {entity}; this would make it feed canonical {other} too"
    return None


def _claimed(workflow: Workflow, row: dict, claimed: dict[str, str]) -> str | None:
    target = row_value(row)["target"]
    by = claimed.get(target) or workflow.claimed_elsewhere(row)
    return f"{target} is already fed by {by} of this table" if by else None
