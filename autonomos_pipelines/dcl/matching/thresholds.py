"""Where a confidence sends a mapping: >= AUTO_APPROVE approved automatically, >= REVIEW to a
person, below left unmapped (its values stay in the canonical tables' `extras`)."""

AUTO_APPROVE = 0.85
REVIEW = 0.60
# an answer that must always reach a person: just below AUTO_APPROVE
LLM_CEILING = 0.84  # the LLM's self-reported confidence is not calibrated
CONTESTED_CEILING = 0.84  # a field whose first choice its table gave to another field
# what a field its source's structure settles claims (settled_references, settled_keys)
SETTLED = 0.9
# below half of what review asks, a field's evidence is far from any counterpart and the LLM is
# not asked (resolver.asks_llm)
LLM_FLOOR = REVIEW / 2
