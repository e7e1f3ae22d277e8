"""How drift reaches the DCL, and what goes back. AAM detects drift and keeps the events; the
caller (the mapping asset) hands the open ones in as :class:`DriftInput` and records each
:class:`EventOutcome` on AAM's event. This is the one module of the DCL that knows drift
events exist; the DCL never reads AAM's tables."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Protocol

from sqlalchemy.engine import Connection

from autonomos_pipelines.core.tenant_id import TenantId

Table = tuple[str, str]  # (connector, source table)


@dataclass(frozen=True)
class DriftInput:
    """One drift event AAM detected in a tenant's source table."""

    id: int
    connector: str
    source_table: str
    changes: list[dict[str, Any]]  # {"kind", "column", "renamed_to"?, "evidence"?, types?}


@dataclass
class Repair:
    event_id: int
    action: str  # moved | deprecated | flagged | proposed | none
    field: str
    target: str | None  # the mapping's target (for "deprecated": the one that lost its source)
    confidence: float
    applied: bool
    detail: str
    expression: str | None = None  # a computed mapping's expression after the repair


@dataclass(frozen=True)
class EventOutcome:
    """The DCL's decision on one event: repaired (all applied), needs_review (a proposal
    waits), or failed (the reason kept; the review gate holds canonical)."""

    event_id: int
    connector: str
    status: str
    repairs: list[Repair] = field(default_factory=list)
    failure: str = ""

    def detail(self) -> list[dict[str, Any]]:
        """What is kept on the event: each repair, and the failure if there was one."""
        failure = [{"failure": self.failure[:500]}] if self.failure else []
        return [vars(repair) for repair in self.repairs] + failure


@dataclass(frozen=True)
class SettledRepair:
    """A repair recorded on an event earlier (for the lost-field check)."""

    event_id: int
    connector: str
    source_table: str
    detected_at: datetime
    repair: dict[str, Any]


class WaitingEvents(Protocol):
    """AAM's events that wait for a reviewer (status needs_review), reached through the
    transaction the DCL holds, so an event follows the decision that settles it atomically.
    The DCL decides when a table is settled; AAM only records it (aam/drift/store.py)."""

    def waiting_tables(self, db: Connection, tenant_id: TenantId) -> set[Table]:
        """(connector, lower-cased table) of every event of the tenant waiting for review."""
        ...

    def settle_table(
        self, db: Connection, tenant_id: TenantId, connector: str, source_table: str
    ) -> list[int]:
        """Mark the table's waiting events repaired now; returns their ids."""
        ...
