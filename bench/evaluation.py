"""Labelled evaluation cases for calibration and the business-domain benchmark."""

from __future__ import annotations

from dataclasses import dataclass

import business_set
import public_sets

from autonomos_pipelines.dcl.embeddings import default_embedder
from autonomos_pipelines.dcl.examples import Example, MemoryExampleIndex
from autonomos_pipelines.dcl.matcher import Candidate, Matcher
from autonomos_pipelines.dcl.scoring import ScoringModel, default_model
from autonomos_pipelines.dcl.source_field import SourceField
from autonomos_pipelines.dcl.targets import canonical_targets


@dataclass(frozen=True)
class Ranked:
    dataset: str
    group: str  # the held-out system (business) or the dataset name
    gold: frozenset[str]
    candidates: list[Candidate]

    @property
    def correct(self) -> bool:
        return bool(self.candidates) and self.candidates[0].target in self.gold


def business(model: ScoringModel | None = None, top_k: int = 5) -> list[Ranked]:
    """Leave one system out: each connector mapped with only the other systems' mappings."""
    rows = business_set.load()
    embedder = default_embedder()
    schema = canonical_targets()
    ranked = []
    for system in sorted({r["source_system"] for r in rows}):
        examples = [
            Example(
                r["gold"],
                SourceField(r["source_system"], r["source_entity"], r["field"]).example_text,
            )
            for r in rows
            if r["gold"] and r["source_system"] != system
        ]
        index = MemoryExampleIndex(examples, embedder.encode([e.text for e in examples]))
        matcher = Matcher(schema, embedder, model or default_model(), index)
        held_out = [r for r in rows if r["source_system"] == system]
        fields = [
            SourceField(r["source_system"], r["source_entity"], r["field"], r["type"], None, None,
                        tuple(r["samples"]))
            for r in held_out
        ]  # fmt: skip
        for r, candidates in zip(held_out, matcher.rank(fields, top_k), strict=True):
            gold = frozenset({r["gold"]}) if r["gold"] else frozenset()
            ranked.append(Ranked("business", system, gold, candidates))
    return ranked


def public(name: str, model: ScoringModel | None = None, top_k: int = 5) -> list[Ranked]:
    schema, cases = getattr(public_sets, name)()
    matcher = Matcher(schema, default_embedder(), model or default_model())
    ranked = matcher.rank([c.field for c in cases], top_k)
    return [Ranked(name, name, c.gold, r) for c, r in zip(cases, ranked, strict=True)]
