"""Assemble a resolver: target model, embedder, example corpus, registry lookup, LLM.

This is the DCL's front door. AAM code (assets, CLI) asks it for resolutions and for workflow
writes; it never imports the embedding, vector or LLM modules itself.
"""

from __future__ import annotations

from autonomos_pipelines.core.tenant_id import TenantId
from autonomos_pipelines.dcl.llm.config import LlmConfig
from autonomos_pipelines.dcl.llm.gemini import GeminiAdvisor, MemoryLedger, UsageLedger
from autonomos_pipelines.dcl.llm.ledger import PgUsageLedger
from autonomos_pipelines.dcl.matching.embeddings import default_embedder
from autonomos_pipelines.dcl.matching.examples import Example, ExampleIndex, MemoryExampleIndex
from autonomos_pipelines.dcl.matching.matcher import Matcher
from autonomos_pipelines.dcl.matching.resolver import RegistryHit, Resolver
from autonomos_pipelines.dcl.matching.source_field import SourceField
from autonomos_pipelines.dcl.matching.targets import TargetSchema, canonical_targets
from autonomos_pipelines.dcl.matching.vector_store import PgVectorExampleIndex, refresh_examples
from autonomos_pipelines.dcl.registry.store import Registry


def memory_examples(registry: Registry, tenant_id: TenantId | None) -> MemoryExampleIndex:
    """The approved mappings a tenant may learn from, read into memory (no writes)."""
    examples = [
        Example(
            f"{m.canonical_entity}.{m.canonical_field}",
            SourceField(m.connector, m.source_table, m.source_field).example_text,
            m.tenant_id,
        )
        for m in registry.active_mappings(tenant_id)
        if m.canonical_field
    ]
    vectors = default_embedder().encode([e.text for e in examples])
    return MemoryExampleIndex(examples, vectors)


def registry_lookup(registry: Registry, tenant_id: TenantId | None):
    def lookup(source: SourceField) -> RegistryHit | None:
        found = registry.lookup(tenant_id, source.source_system, source.source_entity, source.field)
        if found is None:
            return None
        target = (
            f"{found.canonical_entity}.{found.canonical_field}" if found.canonical_field else None
        )
        return RegistryHit(target, float(found.confidence or 1.0), found.transform)

    return lookup


def llm_advisor(
    schema: TargetSchema, ledger: UsageLedger | None, llm: LlmConfig | None
) -> GeminiAdvisor | None:
    """Gemini only when the caller configured it (a key, and the LLM not switched off)."""
    if llm is None:
        return None
    descriptions = {t.key: t.description for t in schema.targets}
    return GeminiAdvisor(llm.api_key, descriptions, ledger or MemoryLedger(llm.monthly_calls))


def build_resolver(
    registry: Registry | None,
    tenant_id: TenantId | None,
    schema: TargetSchema | None = None,
    llm: LlmConfig | None = None,
    persistent: bool = False,
) -> Resolver:
    """`persistent` (the pipeline) searches the pgvector corpus, refreshed from the registry;
    otherwise (the read-only `autonomos map`) the same corpus is read into memory."""
    embedder = default_embedder()
    canonical = schema is None
    schema = schema or canonical_targets()
    examples: ExampleIndex | None = None
    lookup = None
    ledger: UsageLedger | None = None
    if registry is not None and canonical:
        if persistent:
            refresh_examples(registry.engine, embedder, None)  # the global baseline's namespace
            if tenant_id:
                refresh_examples(registry.engine, embedder, tenant_id)
            examples = PgVectorExampleIndex(registry.engine, embedder.name)
            ledger = PgUsageLedger(registry.engine, quotas=registry.quotas)  # each tenant's own
        else:
            examples = memory_examples(registry, tenant_id)
        lookup = registry_lookup(registry, tenant_id)
    matcher = Matcher(schema, embedder, examples=examples)
    return Resolver(matcher, lookup, llm_advisor(schema, ledger, llm))
