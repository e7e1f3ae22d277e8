"""How a source field finds its target: field text, type and value evidence, embeddings,
approved examples (in memory or pgvector), scoring, calibrated confidence and the resolver's
registry -> RAG -> LLM -> unmapped decision."""
