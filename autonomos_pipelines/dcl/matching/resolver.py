"""The resolution pipeline: registry hit -> RAG -> LLM (only just short of review) -> unmapped.

Confidence >= AUTO_APPROVE is approved automatically; >= REVIEW goes to a person; below stays
unmapped (its values remain in the canonical tables' `extras`). An LLM answer is never
auto-approved: its self-reported confidence is not calibrated, so it can only propose.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable, Sequence
from dataclasses import dataclass

from autonomos_pipelines.core.tenant_id import TenantId
from autonomos_pipelines.dcl.matching.advice import LlmAdvisor
from autonomos_pipelines.dcl.matching.matcher import Candidate, Matcher
from autonomos_pipelines.dcl.matching.nested_tables import is_dlt_column
from autonomos_pipelines.dcl.matching.source_field import SourceField
from autonomos_pipelines.dcl.matching.table_entity import TableEntity, Taken
from autonomos_pipelines.dcl.matching.thresholds import (
    AUTO_APPROVE,
    LLM_CEILING,
    LLM_FLOOR,
    REVIEW,
)
from autonomos_pipelines.dcl.matching.type_tags import why_never_mapped

__all__ = [
    "AUTO_APPROVE",
    "REVIEW",
    "RegistryHit",
    "Resolution",
    "Resolver",
    "asks_llm",
    "status_for",
]


@dataclass(frozen=True)
class RegistryHit:
    target: str | None  # None: a person decided this field has no canonical counterpart
    confidence: float
    transform: str


@dataclass
class Resolution:
    field: SourceField
    candidates: list[Candidate]
    mapping: str | None
    confidence: float
    method: str  # registry | rag | llm | none
    status: str  # auto_approved | pending_review | unmapped
    reason: str = ""
    llm_cost_usd: float = 0.0
    extras: dict = dataclasses.field(default_factory=dict)
    table: TableEntity | None = None  # what the field's table was decided to be


def status_for(confidence: float) -> str:
    if confidence >= AUTO_APPROVE:
        return "auto_approved"
    return "pending_review" if confidence >= REVIEW else "unmapped"


def asks_llm(candidates: Sequence[Candidate]) -> bool:
    """Whether the LLM is asked about a field with these candidates: only where its answer
    can change what happens to the field and is likely to, when retrieval leaves it just short
    of a person (LLM_FLOOR <= confidence < REVIEW), and only where the field's evidence alone
    decides it. From REVIEW up a person sees the field anyway, and the LLM, whose answers are
    capped below AUTO_APPROVE, could only reword the proposal or drop it; far below, the field
    is mostly one without a counterpart, where an answer would be a false proposal for a
    person to reject. A field whose first candidate a table-level rule holds
    (`Candidate.held`: an entity's identity field, a target of another entity, a target the
    table gave another field, a field of a nested table) is not asked: the LLM sees one field
    and its candidates, not the table the rule weighed. On the business systems held out,
    asking about every field below auto-approval and not held at 0.84 sent 58 % of fields to
    the LLM, this 3.9 % (bench/results.md, "Stop 45"): of the 22 fields with a counterpart
    among their candidates that retrieval left unmapped, it still asks about 6; the others
    stay unmapped (`autonomos mappings set`), as without a key."""
    best = candidates[0] if candidates else None
    return best is not None and not best.held and LLM_FLOOR <= best.confidence < REVIEW


class Resolver:
    def __init__(
        self,
        matcher: Matcher,
        registry_lookup: Callable[[SourceField], RegistryHit | None] | None = None,
        llm: LlmAdvisor | None = None,
    ) -> None:
        self.matcher = matcher
        self.registry_lookup = registry_lookup
        self.llm = llm

    def resolve(
        self,
        fields: Sequence[SourceField],
        top_k: int = 5,
        tenant_id: TenantId | None = None,
        progress: Callable[[int], None] | None = None,
        taken: Taken | None = None,
        observed: dict[tuple[str, str], list[SourceField]] | None = None,
    ) -> list[Resolution]:
        """One resolution per field, in input order; ``taken``: targets already approved for
        other fields of the fields' tables (registry hits add to it); ``observed``: the tables'
        other fields whatever their state, which the matcher weighs each new field against
        and among which each table's key is sought (registry hits add to it)."""
        results: list[Resolution | None] = [None] * len(fields)
        pending: list[int] = []
        taken = {table: set(targets) for table, targets in (taken or {}).items()}
        observed = {table: list(known) for table, known in (observed or {}).items()}
        for i, source in enumerate(fields):
            hit = self.registry_lookup(source) if self.registry_lookup else None
            if hit is None:
                pending.append(i)
                continue
            observed.setdefault((source.source_system, source.source_entity), []).append(source)
            if hit.target is not None:
                table = (source.source_system, source.source_entity)
                taken.setdefault(table, set()).add(hit.target)
            if hit.target is None:
                results[i] = Resolution(
                    source,
                    [],
                    None,
                    hit.confidence,
                    "registry",
                    "unmapped",
                    "decided: no canonical counterpart",
                )
                continue
            results[i] = Resolution(
                source,
                [Candidate(hit.target, hit.confidence, hit.confidence)],
                hit.target,
                hit.confidence,
                "registry",
                "auto_approved",
                "approved mapping in the registry",
            )
        if progress:
            progress(len(fields) - len(pending))
        ranked, tables = self.matcher.rank_tables(
            [fields[i] for i in pending], max(top_k, 5), tenant_id, taken, observed
        )
        for i, candidates in zip(pending, ranked, strict=True):
            decided = self._decide(fields[i], candidates, top_k, tenant_id)
            decided.table = tables.get((fields[i].source_system, fields[i].source_entity))
            results[i] = decided
            if progress:
                progress(1)
        return [result for result in results if result is not None]

    def _decide(
        self,
        source: SourceField,
        candidates: list[Candidate],
        top_k: int,
        tenant_id: TenantId | None,
    ) -> Resolution:
        best = candidates[0] if candidates else None
        confidence = best.confidence if best else 0.0
        if best and confidence >= AUTO_APPROVE:
            return Resolution(
                source,
                candidates[:top_k],
                best.target,
                confidence,
                "rag",
                "auto_approved",
                best.note or "retrieval evidence above the threshold",
            )
        if self.llm is not None and asks_llm(candidates):
            answer = self.llm.choose(source, candidates, tenant_id)
            if answer is not None:
                if answer.target is None:
                    return Resolution(
                        source,
                        candidates[:top_k],
                        None,
                        0.0,
                        "llm",
                        "unmapped",
                        answer.reason,
                        answer.cost_usd,
                    )
                llm_confidence = min(LLM_CEILING, answer.confidence)
                return Resolution(
                    source,
                    candidates[:top_k],
                    answer.target,
                    llm_confidence,
                    "llm",
                    status_for(llm_confidence),
                    answer.reason,
                    answer.cost_usd,
                )
        status = status_for(confidence)
        if best is None or status == "unmapped":
            why = "no candidate is convincing enough"
            if is_dlt_column(source.field):
                why = "dlt's own column, not the source's: never mapped"
            elif tag := why_never_mapped(source):
                why = tag
            return Resolution(
                source, candidates[:top_k], None, round(confidence, 4), "none", "unmapped", why
            )
        return Resolution(
            source,
            candidates[:top_k],
            best.target,
            confidence,
            "rag",
            status,
            best.note or "retrieval evidence needs a person to confirm",
        )
