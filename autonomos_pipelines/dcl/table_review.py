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

from sqlalchemy.exc import SQLAlchemyError

from autonomos_pipelines.core.audit import Actor
from autonomos_pipelines.core.errors import AutonomosError, NotFound, ServiceUnavailable
from autonomos_pipelines.core.tenant_id import TenantId
from autonomos_pipelines.dcl import review
from autonomos_pipelines.dcl.drift.events import WaitingEvents
from autonomos_pipelines.dcl.model.canonical_model import is_identity
from autonomos_pipelines.dcl.registry.refs import PermissionDenied, WorkflowError, row_value
from autonomos_pipelines.dcl.registry.store import Mapping
from autonomos_pipelines.dcl.registry.workflow import Workflow


class NoProposals(WorkflowError, NotFound):
    """No such tenant, or the table has no proposal waiting for review in that scope."""


class Interrupted(AutonomosError):
    """The database failed midway: each approval before it is its own committed decision
    (audited), so the message names them; running approve-table again goes on from there."""

    def __init__(  # noqa: PLR0913
        self, table: str, row: dict, done: TableApproval, cause: Exception, dry_run: bool
    ) -> None:
        said = str(getattr(cause, "orig", None) or cause).strip().splitlines()
        at = f"{table}: stopped at {row['id']} ({row['source_field']}): "
        at += (said or [type(cause).__name__])[0][:200]
        if dry_run:
            super().__init__(f"{at}; a dry run: nothing was decided")
        else:
            kept = ", ".join(str(r["id"]) for r in done.approved) or "none"
            super().__init__(
                f"{at}; approved before it, and kept: {kept} ({row['id']} itself may be: "
                f"`autonomos review show {row['id']}`); approve-table again goes on from there"
            )
        self.approved = [] if dry_run else done.approved


@dataclass
class TableApproval:
    entity: str | None  # the table's: its key's entity, else most of its fields' (_entity)
    approved: list[dict] = field(default_factory=list)
    left: list[tuple[dict, str]] = field(default_factory=list)  # a pending row and why


@dataclass(frozen=True)
class PendingTable:
    tenant_id: TenantId | None
    connector: str
    table: str
    rows: list[dict]  # the newest pending version of each field: the key's first (ordered)
    older: list[dict]  # older pending versions of those fields
    active: dict[str, Mapping]  # the table's active mappings by source field
    entity: str | None  # what the table feeds or would (_entity)
    key: dict | None  # the proposal approve-table decides first, if it is the table's key


def pending_tables(
    workflow: Workflow, tenant_id: TenantId | None, only: tuple[str, str] | None = None
) -> list[PendingTable]:
    """The source tables with proposals waiting (one tenant's, or every tenant's and the
    baseline's for None), as approve-table reads them; ``only``: that connector and table of
    ``tenant_id`` itself (for None, the baseline's alone)."""
    grouped: dict[tuple[TenantId | None, str, str], list[dict]] = {}
    for r in workflow.pending(tenant_id, evidence=False):
        table = (r["tenant_id"], r["connector"], r["source_table"].lower())
        if only is None or table == (tenant_id, only[0], only[1].lower()):
            grouped.setdefault(table, []).append(r)
    indexes: dict[TenantId | None, dict] = {}
    found = []
    for (tenant, connector, _), rows in sorted(grouped.items(), key=lambda kv: str(kv[0])):
        if tenant not in indexes:
            indexes[tenant] = workflow.registry.mapping_index(tenant)
        found.append(_table(tenant, connector, rows, indexes[tenant]))
    return found


def _table(
    tenant: TenantId | None, connector: str, rows_of_table: list[dict], index: dict
) -> PendingTable:
    newest: dict[str, dict] = {}
    older: list[dict] = []
    for r in sorted(rows_of_table, key=lambda r: r["version"]):  # versions span name cases
        if r["source_field"] in newest:
            older.append(newest[r["source_field"]])
        newest[r["source_field"]] = r
    name = max(rows_of_table, key=lambda r: r["id"])["source_table"]  # the newest spelling
    active = {k[2]: m for k, m in index.items() if k[:2] == (connector, name.lower())}
    entity = _entity(list(active.values()), list(newest.values()))
    rows = sorted(
        newest.values(), key=lambda r: (not _key_of(r, entity), -(r["confidence"] or 0.0))
    )
    key = rows[0] if rows and _key_of(rows[0], entity) else None
    return PendingTable(tenant, connector, name, rows, older, active, entity, key)


def key_said(table: PendingTable) -> str:
    """The table's key as `review tables` shows it: mapped, proposed (decided first), or not."""
    mapped = [
        f"{field} -> {m.canonical_entity}.{m.canonical_field}"
        for field, m in table.active.items()
        if m.canonical_field and is_identity(f"{m.canonical_entity}.{m.canonical_field}")
    ]
    if mapped:
        return f"key mapped: {mapped[0]}"
    if table.key is None:
        return "no key proposed"
    key = table.key
    flagged = "; flagged, left for a person" if key["status"] != "proposed" else ""
    return f"key {key['source_field']} -> {row_value(key)['target']} ({key['id']}{flagged})"


def _key_of(row: dict, entity: str | None) -> bool:
    target = row_value(row)["target"]
    return is_identity(target) and (target or "").split(".")[0] == entity


def _entity(active: list[Mapping], rows: list[dict]) -> str | None:
    """What the table feeds: the entity its key is mapped to, else the one its key is most
    surely proposed to, else the one most of its fields map to."""
    mapped = [f"{m.canonical_entity}.{m.canonical_field}" for m in active if m.canonical_field]
    proposed = sorted(
        (r for r in rows if row_value(r)["target"]), key=lambda r: -(r["confidence"] or 0.0)
    )
    targets = mapped + [row_value(r)["target"] for r in proposed]
    keys = [t for t in targets if is_identity(t)]  # the mapped key's first
    if keys:
        return keys[0].split(".")[0]
    votes = Counter(t.split(".")[0] for t in targets)
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
    found = pending_tables(workflow, tenant_id, (connector, table))
    if not found:
        scope = f"tenant {tenant_id}" if tenant_id else "the global baseline"
        raise NoProposals(f"{connector}.{table}: no proposals wait for review for {scope}")
    (pending,) = found
    # refused up front, dry run or not, as each decision would be: nothing half done
    workflow.check_decider(actor, tenant_id, f"{connector}.{table}")
    done = TableApproval(pending.entity)
    claimed: dict[str, str] = {}  # targets approved in this run: field
    for row in pending.rows:
        try:
            why = _left_because(row, done.entity, floor, pending.active)
            why = why or _claimed(workflow, row, claimed)
            if why is None and not dry_run:
                try:
                    row = review.approve(workflow, row["id"], actor, False, tenant_id, drift=drift)
                except (WorkflowError, PermissionDenied) as refused:  # decided meanwhile
                    why = str(refused).split("; ")[0]
        except (SQLAlchemyError, ServiceUnavailable) as error:  # the database, gone midway
            raise Interrupted(f"{connector}.{table}", row, done, error, dry_run) from error
        if why is None:
            done.approved.append(row)
            claimed[row_value(row)["target"]] = row["source_field"]
        else:
            done.left.append((row, why))
    for row in pending.older:
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
        if now == target:
            return "already mapped so (the active mapping): reject this stale proposal"
        return f"would replace its active mapping to {now if current.canonical_field else 'none'}"
    other = target.split(".")[0]
    if entity and other != entity:
        return f"the table is taken for {entity}; this would make it feed canonical {other} too"
    return None


def _claimed(workflow: Workflow, row: dict, claimed: dict[str, str]) -> str | None:
    target = row_value(row)["target"]
    by = claimed.get(target) or workflow.claimed_elsewhere(row)
    return f"{target} is already fed by {by} of this table" if by else None
