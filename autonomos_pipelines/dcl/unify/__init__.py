"""Entity unification: the same company or person across a tenant's sources, linked into one
unified entity (Splink record linkage, reviewers' decisions, stable ids, survivorship)."""
