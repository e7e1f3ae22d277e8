"""Panel 7: the tenant's recent failed runs and steps, each with its error class and the line
that says what went wrong and what to do. The runs live in the Dagster instance, which this
package never imports: the caller passes a `FailureSource` (operations/failed_runs.py reads
the instance's run storage); without one the panel says where to look instead."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Protocol

from autonomos_pipelines.core.tenant_id import TenantId
from autonomos_pipelines.status.panel import FAIL, SKIPPED, Panel, ago

SHOWN = 8


@dataclass(frozen=True)
class RunFailure:
    run_id: str
    job: str
    failed_at: datetime
    step: str | None  # None: the run failed outside any step
    error_class: str  # source | registry | warehouse | local | config | unknown (core.faults)
    message: str  # one line: the cause, then what to do
    recovered: bool  # a later run of the same job succeeded


class FailureSource(Protocol):
    def __call__(self, tenant_id: TenantId) -> list[RunFailure]:
        """The tenant's failed steps of its recent runs, newest first."""


def failures_panel(tenant_id: TenantId, failures: list[RunFailure] | None, now: datetime) -> Panel:
    panel = Panel("failures", "Recent failures")
    if failures is None:
        panel.add(
            "failed runs are read from the Dagster instance: not available here",
            SKIPPED,
            f"autonomos status --tenant {tenant_id}",
        )
        panel.summary = "not read here"
        return panel
    current = [f for f in failures if not f.recovered]
    for failure in current[:SHOWN]:
        where = failure.step or "run"
        panel.add(
            f"{failure.job} run {failure.run_id[:8]} {ago(failure.failed_at, now)}: {where} "
            f"[{failure.error_class}] {failure.message}",
            FAIL,
            f"autonomos materialize {tenant_id}",
        )
    recovered = len(failures) - len(current)
    if recovered:
        panel.add(f"{recovered} earlier failure(s) since recovered by a later run")
    panel.figures = {"failed_steps": len(current)}
    panel.summary = f"{len(current)} failed step(s) not recovered" if current else "no failure"
    return panel
