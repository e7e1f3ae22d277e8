"""A panel of the status view: what it found, line by line, with a verdict; each problem line
names the command that deals with it."""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from datetime import datetime
from typing import Any

from autonomos_pipelines.core.tenant_id import TenantId

# verdicts, mildest first: `worst` of a panel's lines is the panel's verdict. SKIPPED ranks
# below OK, so a panel not read by design (the API never opens Dagster) leaves the overall
# verdict alone; UNKNOWN (a read that failed) still counts.
OK, WARN, FAIL, UNKNOWN, SKIPPED = "ok", "warn", "fail", "unknown", "skipped"
_RANK = {SKIPPED: -1, OK: 0, UNKNOWN: 1, WARN: 2, FAIL: 3}


def worst(verdicts: list[str]) -> str:
    return max(verdicts, key=_RANK.__getitem__, default=OK)


@dataclass(frozen=True)
class Line:
    text: str
    level: str = OK  # ok (information), warn, fail, unknown (a service could not be read),
    # skipped (not read here by design)
    command: str | None = None  # what to run about it (problems), or where to look (skipped)

    @property
    def is_problem(self) -> bool:
        return self.level not in (OK, SKIPPED)


@dataclass
class Panel:
    name: str  # connectors | freshness | mapping | drift | quotas | llm | failures
    title: str
    lines: list[Line] = field(default_factory=list)
    figures: dict[str, float] = field(default_factory=dict)  # key numbers, plotted over time
    summary: str = ""  # the verdict's one-line reason

    @property
    def verdict(self) -> str:
        return worst([line.level for line in self.lines])

    def add(self, text: str, level: str = OK, command: str | None = None) -> None:
        self.lines.append(Line(text, level, command))

    def as_dict(self) -> dict[str, Any]:
        return {
            "name": self.name,
            "title": self.title,
            "verdict": self.verdict,
            "summary": self.summary,
            "figures": self.figures,
            "lines": [asdict(line) for line in self.lines],
            "problems": [asdict(line) for line in self.lines if line.is_problem],
        }


@dataclass
class TenantStatus:
    tenant_id: TenantId
    generated_at: datetime
    panels: list[Panel]

    @property
    def verdict(self) -> str:
        return worst([panel.verdict for panel in self.panels])

    def panel(self, name: str) -> Panel:
        return next(panel for panel in self.panels if panel.name == name)

    def as_dict(self) -> dict[str, Any]:
        return {
            "tenant": self.tenant_id,
            "generated_at": self.generated_at.isoformat(),
            "verdict": self.verdict,
            "panels": [panel.as_dict() for panel in self.panels],
        }


def ago(moment: datetime | None, now: datetime) -> str:
    """How long before `now`, in the largest whole unit ("3 h ago"; "never" for None)."""
    if moment is None:
        return "never"
    seconds = max((now - moment).total_seconds(), 0.0)
    for unit, size in (("d", 86400), ("h", 3600), ("min", 60)):
        if seconds >= size:
            return f"{seconds / size:.0f} {unit} ago"
    return f"{seconds:.0f} s ago"
