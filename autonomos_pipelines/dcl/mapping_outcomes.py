"""What a mapping pass did: each observed field's outcome, and the pass's counts (what the
mapping step reports in the Dagster UI: mapping_assets/mappings/metadata.py)."""

from __future__ import annotations

import threading
import time
from collections import Counter
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any

from autonomos_pipelines.core.tracing import span
from autonomos_pipelines.dcl.matching.embeddings import computed_so_far
from autonomos_pipelines.dcl.matching.source_field import SourceField

# a pass's stages, in order: the examples refreshed and the matcher built, the fields
# ranked and decided, the decisions written (MappingRun.stage); "encoding" counts what the
# encoder computed within them (the first two: writing encodes nothing), which includes the
# canonical model's own texts once per process; "pass" is the whole pass, reads included
STAGES = ("preparing", "matching", "writing")
_TIMING = threading.Lock()


def stages_said(seconds: dict[str, float]) -> str:
    """ "preparing 0.1 s, matching 2.5 s, writing 0.8 s (beside matching)": the run log's and
    bench's words; a pass writes each part's decisions while it matches the next
    (decision_parts), so the stages may add up to more than the pass."""
    said = ", ".join(f"{name} {seconds.get(name, 0.0):.1f} s" for name in STAGES)
    return f"{said} (beside matching)"


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
    # "connector.table" -> what it waits for: fields of it auto-approved this pass, but its
    # identity field is not, so it feeds nothing yet (identity_waits)
    tables_awaiting_identity: dict[str, str] = field(default_factory=dict)
    # of auto_approved: settled by their source's structure (settled_keys, settled_references)
    keys_settled: int = 0
    references_settled: int = 0
    # of proposed: held because their table, or the one they reference, is nothing canonical
    # as far as its fields show (unfounded_tables), though the trees would approve them
    held_unfounded: int = 0
    llm_calls: int = 0
    llm_cost_usd: float = 0.0
    seconds: dict[str, float] = field(default_factory=dict)  # STAGES, "encoding", "pass"
    texts_encoded: int = 0  # distinct texts the encoder computed (cached ones cost nothing)

    def counts(self, attribute: str) -> Counter[str]:
        return Counter(getattr(outcome, attribute) for outcome in self.outcomes)

    @contextmanager
    def stage(self, name: str, **attributes: Any) -> Iterator[None]:
        """Time one of the pass's STAGES, in a span of its own; what the encoder computed
        meanwhile adds to ``seconds["encoding"]`` and ``texts_encoded``."""
        texts, encoding = computed_so_far()
        started = time.perf_counter()
        try:
            with span(f"mapping.{name}", **attributes):
                yield
        finally:
            texts_now, encoding_now = computed_so_far()
            with _TIMING:  # writing runs on a thread of its own beside matching
                self.seconds[name] = self.seconds.get(name, 0.0) + time.perf_counter() - started
                self.texts_encoded += texts_now - texts
                self.seconds["encoding"] = (
                    self.seconds.get("encoding", 0.0) + encoding_now - encoding
                )
