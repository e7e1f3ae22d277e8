"""Whether the DCL may ask an LLM, and with which key: from the settings (CLI) or from the LLM
resource (Dagster), never from the environment directly."""

from __future__ import annotations

from dataclasses import dataclass, field

from autonomos_pipelines.core.quotas import QUOTAS
from autonomos_pipelines.core.settings import Settings

LLM_QUOTA = "llm_calls_per_month"


@dataclass(frozen=True)
class LlmConfig:
    """Gemini's API key (never shown) and the monthly call limit of a run that has no
    registry ledger (the read-only ``autonomos map``); pipeline runs count each tenant's calls
    against its own quota in the registry."""

    api_key: str = field(repr=False)
    monthly_calls: int = QUOTAS[LLM_QUOTA].default


def llm_config(settings: Settings) -> LlmConfig | None:
    """None when no key is configured or the LLM is switched off (AUTONOMOS_NO_LLM)."""
    if settings.llm_disabled or not settings.gemini_api_key:
        return None
    limit = settings.quota_defaults.get(LLM_QUOTA, QUOTAS[LLM_QUOTA].default)
    return LlmConfig(settings.gemini_api_key, limit)
