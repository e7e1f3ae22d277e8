"""Which canonical value a source field's value means: the matching half of value mappings.

A value equal to a canonical value once case and separators are set aside ('Past Due',
'past-due', 'PASTDUE' -> past_due) is that value (method `rule`). Any other value is compared
with the canonical values by sentence embedding (method `rag`), and its confidence rises with
both the similarity and the margin over the runner-up, because a value that resembles two
canonical values equally (P1 ~ urgent ~ high) is a guess. The formula is set by hand and
checked on labelled enumerations of several vendors (tests/test_value_mappings.py), not
fitted: embeddings put a word near its negation ('not_paid' ~ paid), so a value carrying a
negation the canonical value lacks never exceeds the review band.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import numpy as np

from autonomos_pipelines.dcl.matching.embeddings import Embedder
from autonomos_pipelines.dcl.matching.thresholds import CONTESTED_CEILING
from autonomos_pipelines.dcl.matching.value_forms import NEGATIONS, value_key, value_words
from autonomos_pipelines.dcl.model.canonical_model import CanonicalField

RULE_CONFIDENCE = 0.99
# confidence = BASE + SIMILARITY_WEIGHT * cosine + MARGIN_WEIGHT * (cosine - runner-up's):
# 'cancelled' ~ canceled (0.95, margin 0.54) auto-approves, 'hold' ~ on_hold (0.70, 0.17)
# goes to review, 'P1' ~ urgent (0.31, 0.01) stays unmapped
BASE, SIMILARITY_WEIGHT, MARGIN_WEIGHT = 0.3, 0.5, 0.5
EMBEDDING_CEILING = 0.98  # never as sure as an equal value


@dataclass(frozen=True)
class ValueSuggestion:
    source_value: str
    canonical_value: str | None  # None: nothing to propose
    confidence: float
    method: str  # rule | rag | none
    candidates: tuple[tuple[str, float], ...] = ()  # best canonical values by similarity
    reason: str = ""


def _equal_value(value: str, canonical: Sequence[str], excluded: set[str]) -> str | None:
    """The canonical value equal to ``value`` up to case and separators (also run together:
    'closedwon', 'marketingqualifiedlead'), when exactly one is."""
    compact = value_key(value).replace("_", "")
    equal = [c for c in canonical if c not in excluded and c.replace("_", "") == compact]
    return equal[0] if len(equal) == 1 else None


def embedding_confidence(similarity: float, margin: float, negated: bool) -> float:
    confidence = BASE + SIMILARITY_WEIGHT * similarity + MARGIN_WEIGHT * margin
    confidence = min(max(confidence, 0.0), EMBEDDING_CEILING)
    return min(confidence, CONTESTED_CEILING) if negated else confidence


def suggest_values(
    values: Sequence[str],
    field: CanonicalField,
    embedder: Embedder,
    rejected: Mapping[str, set[str]] | None = None,
) -> list[ValueSuggestion]:
    """A suggestion per value, in order; ``rejected``: value -> canonical values a person
    refused for it, never suggested again."""
    rejected = rejected or {}
    canonical = list(field.values)
    found: dict[str, ValueSuggestion] = {}
    to_embed = []
    for value in values:
        equal = _equal_value(value, canonical, rejected.get(value, set()))
        if equal is not None:
            found[value] = ValueSuggestion(
                value, equal, RULE_CONFIDENCE, "rule", ((equal, 1.0),),
                f"{value!r} is {equal!r} written differently",
            )  # fmt: skip
        elif value_words(value):
            to_embed.append(value)
        else:
            found[value] = ValueSuggestion(value, None, 0.0, "none", reason="an empty value")
    if to_embed:
        found.update(_by_embedding(to_embed, field, embedder, rejected))
    return [found[value] for value in values]


def _by_embedding(
    values: list[str], field: CanonicalField, embedder: Embedder, rejected: Mapping[str, set[str]]
) -> dict[str, ValueSuggestion]:
    canonical = list(field.values)
    # bare words: a shared "ticket status:" prefix lifts every pair and hides the margin
    source_vectors = embedder.encode([" ".join(value_words(v)) for v in values])
    canonical_vectors = embedder.encode([" ".join(value_words(c)) for c in canonical])
    similarities = np.asarray(source_vectors @ canonical_vectors.T, dtype=float)
    found = {}
    for value, row in zip(values, similarities, strict=True):
        allowed = [i for i in np.argsort(-row) if canonical[i] not in rejected.get(value, set())]
        if not allowed:
            found[value] = ValueSuggestion(value, None, 0.0, "none", reason="every value rejected")
            continue
        best = allowed[0]
        runner_up = float(row[allowed[1]]) if len(allowed) > 1 else 0.0
        margin = float(row[best]) - runner_up
        negated = bool(NEGATIONS & set(value_words(value))) and not (
            NEGATIONS & set(value_words(canonical[best]))
        )
        confidence = embedding_confidence(float(row[best]), margin, negated)
        candidates = tuple((canonical[i], round(float(row[i]), 4)) for i in allowed[:3])
        why = f"nearest by meaning (similarity {row[best]:.2f}, margin {margin:.2f})"
        if negated:
            why += "; the value is negated, so a person decides"
        found[value] = ValueSuggestion(
            value, canonical[best], round(confidence, 4), "rag", candidates, why
        )
    return found
