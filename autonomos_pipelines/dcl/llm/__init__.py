"""The LLM of last resort (Gemini) and its per-tenant monthly ledger."""
