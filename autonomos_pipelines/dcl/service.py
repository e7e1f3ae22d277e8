"""Assemble a resolver: target model, embedder, example corpus, registry lookup, LLM.

This is the DCL's front door. AAM code (assets, CLI) asks it for resolutions and for workflow
writes; it never imports the embedding, vector or LLM modules itself.
"""

from __future__ import annotations

import os

from autonomos_pipelines.core.quotas import default_limit
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


def memory_examples(registry: Registry, tenant_id: str | None) -> MemoryExampleIndex:
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


def registry_lookup(registry: Registry, tenant_id: str | None):
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
    schema: TargetSchema, ledger: UsageLedger | None, use_llm: bool
) -> GeminiAdvisor | None:
    """Gemini only when a key is configured and the caller allows it."""
    key = os.environ.get("GEMINI_API_KEY")
    if not use_llm or not key:
        return None
    quota = default_limit("llm_calls_per_month")
    descriptions = {t.key: t.description for t in schema.targets}
    return GeminiAdvisor(key, descriptions, ledger or MemoryLedger(quota))


def build_resolver(
    registry: Registry | None,
    tenant_id: str | None,
    schema: TargetSchema | None = None,
    use_llm: bool = True,
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
            examples = PgVectorExampleIndex(registry.engine)
            ledger = PgUsageLedger(registry.engine)  # each tenant's own quota
        else:
            examples = memory_examples(registry, tenant_id)
        lookup = registry_lookup(registry, tenant_id)
    matcher = Matcher(schema, embedder, examples=examples)
    return Resolver(matcher, lookup, llm_advisor(schema, ledger, use_llm))
