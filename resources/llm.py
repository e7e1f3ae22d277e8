"""The DCL's LLM of last resort as a Dagster resource."""

from __future__ import annotations

from dagster import ConfigurableResource

from autonomos_pipelines.core.settings import Settings
from autonomos_pipelines.dcl.llm.config import LlmConfig, llm_config


class LlmResource(ConfigurableResource):
    """Gemini, asked only for fields retrieval leaves just short of review (confidence
    0.30-0.60, resolver.asks_llm): GEMINI_API_KEY (empty: no LLM, such fields stay unmapped);
    AUTONOMOS_NO_LLM=1 switches it off. Each tenant's calls count against its
    llm_calls_per_month quota."""

    gemini_api_key: str = ""
    no_llm: str = ""

    def config(self) -> LlmConfig | None:
        values = {"GEMINI_API_KEY": self.gemini_api_key, "AUTONOMOS_NO_LLM": self.no_llm}
        return llm_config(Settings.from_values(values))
