"""Panel 3: mapping coverage (share of source fields mapped, auto-approved, in review,
unmapped), the review queue (depth, oldest item) and whether the review gate holds the
canonical tables."""

from __future__ import annotations

from datetime import datetime

from autonomos_pipelines.core.tenant_id import TenantId
from autonomos_pipelines.dcl.registry.coverage import FieldCoverage
from autonomos_pipelines.status.gate import GateBlockers
from autonomos_pipelines.status.panel import FAIL, WARN, Panel, ago


def mapping_panel(
    tenant_id: TenantId, coverage: FieldCoverage, gate: GateBlockers, now: datetime
) -> Panel:
    panel = Panel("mapping", "Mapping coverage and review queue")
    c = coverage
    if c.total:
        panel.add(
            f"{c.total} source fields: {c.share(c.mapped):.0%} mapped "
            f"({c.share(c.auto):.0%} auto-approved), {c.share(c.review):.0%} in review, "
            f"{c.share(c.unmapped):.0%} unmapped (kept in extras)"
        )
    else:
        panel.add("no source field mapped yet")
    review = f"autonomos review list --tenant {tenant_id}"
    if gate.pending:
        oldest = min(row["created_at"] for row in gate.pending)
        panel.add(
            f"review queue: {len(gate.pending)} waiting, oldest since {ago(oldest, now)}",
            WARN,
            review,
        )
    if gate.blocked:
        held_by = [f"{len(gate.pending)} review(s)"] if gate.pending else []
        held_by += [f"{len(gate.unrepaired)} unrepaired drift event(s)"] if gate.unrepaired else []
        panel.add(
            f"review gate blocked by {' and '.join(held_by)}: canonical tables are not rebuilt",
            FAIL,
            review if gate.pending else f"autonomos drift show {gate.unrepaired[0].id}",
        )
    oldest_age = (now - min(r["created_at"] for r in gate.pending)) if gate.pending else None
    panel.figures = {
        "fields_total": c.total,
        "coverage": round(c.share(c.mapped), 4),
        "auto_approved_share": round(c.share(c.auto), 4),
        "review_queue_depth": len(gate.pending),
        "review_oldest_age_s": round(oldest_age.total_seconds()) if oldest_age else 0,
        "gate_blocked": int(gate.blocked),
    }
    panel.summary = (
        f"{c.share(c.mapped):.0%} mapped; "
        + (f"{len(gate.pending)} await review" if gate.pending else "review queue empty")
        + ("; gate blocked" if gate.blocked else "")
    )
    return panel
