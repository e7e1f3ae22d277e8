"""One ranked target for a source field: its calibrated confidence, raw score and evidence."""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass(frozen=True)
class Candidate:
    target: str
    confidence: float
    score: float
    features: dict[str, float] = field(default_factory=dict, compare=False)
    note: str = field(default="", compare=False)  # why the table's other fields changed it
