"""The shapes every part of entity unification agrees on: a source record's key, a scored
pair with its evidence, a reviewer's decision, a member of the crosswalk and the
survivorship rules of a golden record."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Literal

UNIFIED_ENTITIES = ("account", "contact")
Verdict = Literal["same", "different"]
FieldRule = Literal["most_recent", "most_trusted", "most_complete"]


@dataclass(frozen=True, order=True)
class RecordKey:
    """One row of a canonical table: the connector it came from and its record id there."""

    connector: str
    record_id: str

    def __str__(self) -> str:
        return f"{self.connector}:{self.record_id}"

    @classmethod
    def parse(cls, text: str) -> RecordKey:
        connector, sep, record_id = text.partition(":")
        if not sep or not connector or not record_id:
            raise ValueError(f"record key {text!r} is not CONNECTOR:RECORD_ID")
        return cls(connector, record_id)


@dataclass(frozen=True)
class ScoredPair:
    """Two records the linker compared, the match probability and, per compared field, what
    the comparison found ("exact", "close", "differs", "missing"; for e-mail also "work vs
    personal")."""

    left: RecordKey
    right: RecordKey
    probability: float
    evidence: dict[str, str] = field(default_factory=dict)


@dataclass(frozen=True)
class Decision:
    """A reviewer's verdict on two records; the newest version of a pair wins and is kept
    across runs (a "same" joins their clusters, a "different" keeps them apart)."""

    left: RecordKey
    right: RecordKey
    verdict: Verdict
    version: int
    decided_by: str


@dataclass(frozen=True)
class Member:
    """One crosswalk row: a source record and the unified entity it belongs to."""

    key: RecordKey
    source_system: str
    unified_id: str
    match_probability: float


@dataclass(frozen=True)
class Thresholds:
    """At or above ``upper`` two records are linked; between the two a person decides."""

    lower: float = 0.50
    upper: float = 0.95


@dataclass(frozen=True)
class Survivorship:
    """How a golden record's field is chosen among its members: ``default`` for every field
    unless ``per_field`` says otherwise; ``source_priority`` (source systems, most trusted
    first) ranks members for "most_trusted" and breaks ties of the other rules."""

    default: FieldRule = "most_recent"
    per_field: dict[str, FieldRule] = field(default_factory=dict)
    source_priority: tuple[str, ...] = ()
