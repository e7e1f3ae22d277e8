"""Labelled evaluation cases for calibration, weight fitting and the business benchmark.

Features are computed once per `Batch`; re-scoring with other weights is then cheap, which is
what `fit_weights.py` relies on.
"""

from __future__ import annotations

from dataclasses import dataclass, replace

import business_set
import numpy as np
import public_sets
import unseen_set

from autonomos_pipelines.dcl.matching.embeddings import default_embedder
from autonomos_pipelines.dcl.matching.examples import Example, MemoryExampleIndex
from autonomos_pipelines.dcl.matching.matcher import Candidate, Matcher
from autonomos_pipelines.dcl.matching.nested_tables import is_dlt_column
from autonomos_pipelines.dcl.matching.scoring import ScoringModel, default_model
from autonomos_pipelines.dcl.matching.source_field import SourceField
from autonomos_pipelines.dcl.matching.targets import canonical_targets
from autonomos_pipelines.dcl.registry.baseline import baseline_mappings

DATASETS = ("business", "rematch", "gdc", "unseen", "unseen_loso")


@dataclass(frozen=True)
class Ranked:
    dataset: str
    group: str  # the held-out system (business) or the dataset name
    gold: frozenset[str]
    candidates: list[Candidate]
    table: str = ""  # the field's source table

    @property
    def correct(self) -> bool:
        return bool(self.candidates) and self.candidates[0].target in self.gold


@dataclass(frozen=True)
class Batch:
    """Fields matched together (one held-out system, or one public dataset), with gold."""

    dataset: str
    group: str
    matcher: Matcher
    fields: list[SourceField]
    gold: list[frozenset[str]]
    features: dict[str, np.ndarray]

    def own(self) -> Batch:
        """The batch without dlt's own columns, which the matcher ranks apart and never
        scores (nested_tables): what calibrate.py and fit_weights.py learn from. Type tags,
        which the matcher sets apart too (type_tags), stay: fields with no counterpart, as
        their labels say, that also weigh in their tables' context here (without them the
        trees moved borderline fields on every set: bench/results.md, stop 55)."""
        rows = [i for i, f in enumerate(self.fields) if not is_dlt_column(f.field)]
        if len(rows) == len(self.fields):
            return self
        features = {name: matrix[rows] for name, matrix in self.features.items()}
        fields, gold = [self.fields[i] for i in rows], [self.gold[i] for i in rows]
        return replace(self, fields=fields, gold=gold, features=features)

    def rank(self, model: ScoringModel, top_k: int = 5) -> list[Ranked]:
        ranked, _ = self.matcher.decide(dict(self.features), self.fields, top_k, model)
        return [
            Ranked(self.dataset, self.group, gold, candidates, field.source_entity)
            for field, gold, candidates in zip(self.fields, self.gold, ranked, strict=True)
        ]


def _batch(dataset: str, group: str, matcher: Matcher, fields, gold) -> Batch:
    return Batch(dataset, group, matcher, fields, gold, matcher.features(fields))


def business_batches() -> list[Batch]:
    """Leave one system out: each connector mapped with only the other systems' mappings."""
    rows = business_set.load()
    embedder = default_embedder()
    schema = canonical_targets()
    batches = []
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
        matcher = Matcher(schema, embedder, default_model(), index)
        held_out = [r for r in rows if r["source_system"] == system]
        fields = [
            SourceField(r["source_system"], r["source_entity"], r["field"], r["type"], None, None,
                        tuple(r["samples"]))
            for r in held_out
        ]  # fmt: skip
        gold = [frozenset({r["gold"]}) if r["gold"] else frozenset() for r in held_out]
        batches.append(_batch("business", system, matcher, fields, gold))
    return batches


def catalogue_examples() -> list[Example]:
    """Every approved baseline mapping of the connectors we ship."""
    return [
        Example(f"{m.entity}.{m.field}",
                SourceField(m.connector, m.source_table, m.source_field).example_text)
        for m in baseline_mappings()
    ]  # fmt: skip


def unseen_batches(leave_one_out: bool) -> list[Batch]:
    """Systems we ship no connector for, one batch each, with the catalogue's mappings as
    evidence (as shipped) and, leaving one system out, the other unseen systems' too."""
    rows = unseen_set.load()
    embedder, schema, catalogue = default_embedder(), canonical_targets(), catalogue_examples()
    batches = []
    for system in sorted({r["source_system"] for r in rows}):
        others = [
            Example(r["gold"], unseen_set.source_field(r).example_text)
            for r in rows
            if leave_one_out and r["gold"] and r["source_system"] != system
        ]
        examples = catalogue + others
        index = MemoryExampleIndex(examples, embedder.encode([e.text for e in examples]))
        held_out = [r for r in rows if r["source_system"] == system]
        fields = [unseen_set.source_field(r) for r in held_out]
        gold = [frozenset({r["gold"]}) if r["gold"] else frozenset() for r in held_out]
        matcher = Matcher(schema, embedder, default_model(), index)
        batches.append(
            _batch("unseen_loso" if leave_one_out else "unseen", system, matcher, fields, gold)
        )
    return batches


def public_batches(name: str) -> list[Batch]:
    schema, cases = getattr(public_sets, name)()
    matcher = Matcher(schema, default_embedder(), default_model())
    return [_batch(name, name, matcher, [c.field for c in cases], [c.gold for c in cases])]


def batches(dataset: str) -> list[Batch]:
    if dataset == "business":
        return business_batches()
    if dataset.startswith("unseen"):
        return unseen_batches(leave_one_out=dataset == "unseen_loso")
    return public_batches(dataset)


def rank(dataset: str, model: ScoringModel | None = None, top_k: int = 5) -> list[Ranked]:
    return [r for b in batches(dataset) for r in b.rank(model or default_model(), top_k)]


def business(model: ScoringModel | None = None, top_k: int = 5) -> list[Ranked]:
    return rank("business", model, top_k)


def public(name: str, model: ScoringModel | None = None, top_k: int = 5) -> list[Ranked]:
    return rank(name, model, top_k)
