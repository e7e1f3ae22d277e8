"""LLM last: Gemini picks among the RAG candidates of a field retrieval leaves just short of
review (resolver.asks_llm).

We use `google-genai`, Google's current SDK (google-generativeai is deprecated and receives no
new models). The answer must be strict JSON naming one of the offered candidates or null;
anything else (malformed JSON, a target outside the model, extra prose) is rejected and the
field keeps retrieval's decision (unmapped, its candidates kept). Calls are bounded by a
timeout, retried on transient errors, counted against a per-tenant monthly quota and priced.
"""

from __future__ import annotations

import json
import logging
import random
import time
from typing import Any, Protocol

from autonomos_pipelines.core.metrics.definitions import LLM_CALLS, LLM_COST
from autonomos_pipelines.core.tenant_id import TenantId
from autonomos_pipelines.core.tracing import annotate, traced
from autonomos_pipelines.dcl.matching.advice import LlmAnswer
from autonomos_pipelines.dcl.matching.source_field import SourceField

log = logging.getLogger(__name__)

DEFAULT_MODEL = "gemini-2.5-flash"
PRICE_PER_MILLION = {"input": 0.30, "output": 2.50}  # USD, gemini-2.5-flash list price


class UsageLedger(Protocol):
    """Counts LLM calls per key: a tenant id, or "_global" for a run without a tenant."""

    def reserve(self, tenant_id: str) -> bool: ...
    def record(self, tenant_id: str, tokens_in: int, tokens_out: int, cost: float) -> None: ...


class MemoryLedger:
    """Per-process quota and cost counter (used by the read-only `autonomos map`)."""

    def __init__(self, monthly_quota: int) -> None:
        self.monthly_quota = monthly_quota
        self.calls: dict[str, int] = {}
        self.cost_usd: dict[str, float] = {}

    def reserve(self, tenant_id: str) -> bool:
        if self.calls.get(tenant_id, 0) >= self.monthly_quota:
            return False
        self.calls[tenant_id] = self.calls.get(tenant_id, 0) + 1
        return True

    def record(self, tenant_id: str, input_tokens: int, output_tokens: int, cost: float) -> None:
        self.cost_usd[tenant_id] = self.cost_usd.get(tenant_id, 0.0) + cost


def build_prompt(source: SourceField, candidates: list[Any], descriptions: dict[str, str]) -> str:
    lines = [
        "You map a source field of a business system onto a canonical data model.",
        "Pick the one candidate that holds the same information, or null if none does.",
        'Answer only with JSON: {"target": "<candidate or null>", "confidence": <0..1>, '
        '"reason": "<one short sentence>"}',
        "",
        f"Source system: {source.source_system}",
        f"Source table: {source.source_entity}",
        f"Field: {source.field}",
    ]
    for label, value in (
        ("Type", source.type),
        ("Description", source.description),
        ("Sample values", ", ".join(source.samples[:8]) if source.samples else None),
    ):
        if value:
            lines.append(f"{label}: {value}")
    lines.append("Candidates:")
    lines.extend(f"- {c.target}: {descriptions.get(c.target, '')}" for c in candidates)
    return "\n".join(lines)


def parse_answer(text: str, allowed: set[str]) -> tuple[str | None, float, str]:
    """Strictly validate the model's JSON; raises ValueError naming what is wrong."""
    try:
        data = json.loads(text)
    except json.JSONDecodeError as error:
        raise ValueError(f"answer is not JSON ({error.msg})") from None
    if not isinstance(data, dict) or set(data) - {"target", "confidence", "reason"}:
        raise ValueError("answer must be an object with target, confidence, reason only")
    target, confidence = data.get("target"), data.get("confidence")
    if target is not None and (not isinstance(target, str) or target not in allowed):
        raise ValueError(f"target {str(target)[:80]!r} is not one of the offered candidates")
    if not isinstance(confidence, int | float) or not 0 <= confidence <= 1:
        raise ValueError("confidence must be a number between 0 and 1")
    reason = str(data.get("reason") or "")[:300]
    return target, float(confidence), reason


class GeminiAdvisor:
    def __init__(
        self,
        api_key: str,
        descriptions: dict[str, str],
        ledger: UsageLedger,
        model: str = DEFAULT_MODEL,
        timeout_seconds: float = 20.0,
        retries: int = 3,
        http_client: Any = None,
    ) -> None:
        from google import genai
        from google.genai import types

        options: dict[str, Any] = {"timeout": int(timeout_seconds * 1000)}
        if http_client is not None:
            options["httpx_client"] = http_client
        self._client = genai.Client(api_key=api_key, http_options=types.HttpOptions(**options))
        self._types = types
        self.descriptions = descriptions
        self.ledger = ledger
        self.model = model
        self.retries = retries
        self.calls = 0
        self.refused_by_quota = 0

    @traced("llm.call", attributes=lambda given: {"llm.model": given["self"].model})
    def choose(
        self, source: SourceField, candidates: list[Any], tenant_id: TenantId | None
    ) -> LlmAnswer | None:
        tenant = tenant_id or "_global"
        if not self.ledger.reserve(tenant):
            self.refused_by_quota += 1
            LLM_CALLS.labels(tenant, "refused_quota").inc()
            return None
        prompt = build_prompt(source, candidates, self.descriptions)
        response = self._call(prompt)
        LLM_CALLS.labels(tenant, "failed" if response is None else "answered").inc()
        if response is None:
            return None
        usage = getattr(response, "usage_metadata", None)
        tokens_in = int(getattr(usage, "prompt_token_count", 0) or 0)
        tokens_out = int(getattr(usage, "candidates_token_count", 0) or 0)
        cost = (
            tokens_in * PRICE_PER_MILLION["input"] + tokens_out * PRICE_PER_MILLION["output"]
        ) / 1e6
        self.ledger.record(tenant, tokens_in, tokens_out, cost)
        LLM_COST.labels(tenant).inc(cost)
        annotate(
            prompt_chars=len(prompt), tokens_in=tokens_in, tokens_out=tokens_out, cost_usd=cost
        )
        try:
            target, confidence, reason = parse_answer(
                response.text or "", {c.target for c in candidates}
            )
        except ValueError as error:
            log.warning("LLM answer for %s rejected: %s", source.field, error)
            return None
        return LlmAnswer(target, confidence, f"LLM: {reason}", cost)

    def _call(self, prompt: str) -> Any:
        from google.genai import errors

        config = self._types.GenerateContentConfig(
            response_mime_type="application/json", temperature=0.0
        )
        for attempt in range(self.retries + 1):
            try:
                self.calls += 1
                return self._client.models.generate_content(
                    model=self.model, contents=prompt, config=config
                )
            except errors.APIError as error:
                transient = error.code in (408, 429) or (error.code or 0) >= 500
                if not transient or attempt == self.retries:
                    log.warning(
                        "LLM call failed (%s): the field keeps retrieval's decision", error.code
                    )
                    return None
            except Exception as error:  # timeouts and transport errors from httpx
                if attempt == self.retries:
                    log.warning(
                        "LLM call failed (%s): the field keeps retrieval's decision",
                        type(error).__name__,
                    )
                    return None
            time.sleep(min(8.0, 0.25 * 2**attempt) * (0.5 + random.random()))  # noqa: S311
        return None
