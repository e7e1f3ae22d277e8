"""DCL (Data Connection Layer), the smart brain: canonical model (``model``), how a field finds
its target (``matching``), the versioned registry and its review workflow (``registry``),
drift repair (``drift``) and the LLM of last resort (``llm``). ``service`` assembles a
resolver; ``mapping_run`` is one tenant's mapping pass.

RACI: the DCL never fetches from source APIs, never imports AAM, Dagster or the asset layer.
"""
