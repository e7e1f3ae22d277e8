"""How `autonomos status` prints the status view: one block per panel, its verdict first;
problems marked and coloured (rich, when the terminal supports it: plain text otherwise), each
followed by the command to run."""

from __future__ import annotations

from rich.console import Console
from rich.text import Text

from autonomos_pipelines.status.panel import FAIL, OK, SKIPPED, UNKNOWN, WARN, TenantStatus

STYLES = {OK: "green", WARN: "yellow", FAIL: "bold red", UNKNOWN: "magenta", SKIPPED: "dim"}
MARKS = {OK: "  ", WARN: "! ", FAIL: "✗ ", UNKNOWN: "? ", SKIPPED: "- "}
LABELS = {OK: "OK", WARN: "WARNING", FAIL: "PROBLEM", UNKNOWN: "UNKNOWN", SKIPPED: "SKIPPED"}


def print_status(console: Console, status: TenantStatus) -> None:
    console.print(
        Text.assemble(
            (f"tenant {status.tenant_id}: ", "bold"),
            (LABELS[status.verdict], STYLES[status.verdict]),
            f"  ({status.generated_at:%Y-%m-%d %H:%M:%S %Z})",
        )
    )
    for number, panel in enumerate(status.panels, 1):
        console.print()
        console.print(
            Text.assemble(
                (f"{number}. {panel.title}", "bold"),
                " — ",
                (LABELS[panel.verdict], STYLES[panel.verdict]),
                f": {panel.summary}" if panel.summary else "",
            )
        )
        for line in panel.lines:
            style = STYLES[line.level] if line.is_problem else ""
            console.print(Text(f"  {MARKS[line.level]}{line.text}", style=style))
            if line.command:
                console.print(Text(f"      → {line.command}", style="cyan"))


def print_overview(console: Console, statuses: list[TenantStatus]) -> None:
    """One line per tenant: its verdict and each panel's."""
    for status in statuses:
        panels = "  ".join(
            f"{panel.name}:{LABELS[panel.verdict].lower()}" for panel in status.panels
        )
        console.print(
            Text.assemble(
                (f"{status.tenant_id:16}", "bold"),
                (f"{LABELS[status.verdict]:8}", STYLES[status.verdict]),
                f"  {panels}",
            )
        )
    if any(status.verdict != OK for status in statuses):
        console.print(Text("details: autonomos status --tenant TENANT", style="cyan"))
