"""What the resolver asks of an LLM about a field retrieval leaves just short of review
(resolver.asks_llm): pick one of the candidates, or none. The LLM room (dcl/llm) answers it;
matching never imports an LLM."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Protocol

from autonomos_pipelines.core.tenant_id import TenantId
from autonomos_pipelines.dcl.matching.source_field import SourceField


@dataclass(frozen=True)
class LlmAnswer:
    target: str | None
    confidence: float
    reason: str
    cost_usd: float


class LlmAdvisor(Protocol):
    def choose(
        self, source: SourceField, candidates: list[Any], tenant_id: TenantId | None
    ) -> LlmAnswer | None: ...
