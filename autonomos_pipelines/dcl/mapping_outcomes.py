"""What a mapping pass did: each observed field's outcome, and the pass's counts (what the
mapping step reports in the Dagster UI: mapping_assets/mappings/metadata.py)."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field

from autonomos_pipelines.dcl.matching.source_field import SourceField


@dataclass
class FieldOutcome:
    source: SourceField
    status: str  # mapped | pending_review | unmapped
    method: str  # registry | rag | llm | none | manual
    confidence: float | None
    target: str | None
    mapping_id: int | None = None


@dataclass
class MappingRun:
    outcomes: list[FieldOutcome] = field(default_factory=list)
    resolved_now: int = 0  # fields that went through RAG/LLM in this pass
    auto_approved: int = 0
    proposed: int = 0
    aggregates_proposed: int = 0  # of proposed: nested lists' fields, on their parent tables
    superseded: int = 0  # list columns' proposals an approved computed mapping reads, withdrawn
    # "connector.table" -> the canonical entity it feeds from this pass on: its identity field
    # was auto-approved (TableEntity.agrees_on_key)
    tables_now_feeding: dict[str, str] = field(default_factory=dict)
    llm_calls: int = 0
    llm_cost_usd: float = 0.0

    def counts(self, attribute: str) -> Counter[str]:
        return Counter(getattr(outcome, attribute) for outcome in self.outcomes)
