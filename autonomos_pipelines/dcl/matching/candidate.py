"""One ranked target for a source field: its calibrated confidence, raw score and evidence."""

from __future__ import annotations

from collections.abc import Collection, ItemsView, Iterator, Mapping
from dataclasses import dataclass, field, replace

import numpy as np

from autonomos_pipelines.dcl.matching.feature_names import FEATURES
from autonomos_pipelines.dcl.matching.thresholds import CONTESTED_CEILING, REVIEW

_POSITION = {name: i for i, name in enumerate(FEATURES)}


@dataclass(frozen=True)
class Candidate:
    target: str
    confidence: float
    score: float
    features: Mapping[str, float] = field(default_factory=dict, compare=False)
    note: str = field(default="", compare=False)  # why the table's other fields changed it
    # set for a person by a rule rather than by its evidence: capped (an entity's identity
    # field, another entity's target, a target its table gave another field: table_decision;
    # a field of a nested table: nested_tables; a field of a table, or a reference to one,
    # nothing founds as its entity: unfounded_tables) or raised to review (a key its table
    # settles that the trees doubt: settled_keys); the LLM is not asked (resolver.asks_llm)
    held: bool = field(default=False, compare=False)
    # approved by its source's structure rather than its own evidence: "key" (settled_keys)
    # or "reference" (settled_references); "" for any other
    settled: str = field(default="", compare=False)
    # held because its table, or the table it references, is nothing canonical as far as its
    # fields show (unfounded_tables)
    unfounded: bool = field(default=False, compare=False)
    # put first by its table's order rather than its own evidence (own_entity_first's
    # namesake): it says nothing of what the table is (unfounded_tables counts no such first)
    ordered: bool = field(default=False, compare=False)


def held(candidate: Candidate) -> Candidate:
    """``candidate`` capped for a person by a rule (thresholds.CONTESTED_CEILING)."""
    return replace(candidate, confidence=min(CONTESTED_CEILING, candidate.confidence), held=True)


class FeatureRow(Mapping[str, float]):
    """One candidate's features, read from its batch's (fields x candidates x FEATURES)
    block when asked: most candidates of a large onboarding are never shown or stored, and
    a dict each cost more than scoring them."""

    __slots__ = ("_block", "_row", "_rank")

    def __init__(self, block: np.ndarray, row: int, rank: int) -> None:
        self._block, self._row, self._rank = block, row, rank

    def __getitem__(self, name: str) -> float:
        return float(self._block[self._row, self._rank, _POSITION[name]])

    def __iter__(self) -> Iterator[str]:
        return iter(FEATURES)

    def __len__(self) -> int:
        return len(FEATURES)

    def items(self) -> ItemsView[str, float]:
        """The whole row converted at once (the default reads name by name)."""
        return dict(zip(FEATURES, self._values(), strict=True)).items()

    def said(self) -> dict[str, float]:
        """The features that are not 0, read in one pass (what an onboarding stores)."""
        return {name: value for name, value in zip(FEATURES, self._values(), strict=True) if value}

    def _values(self) -> list[float]:
        return self._block[self._row, self._rank].tolist()

    def __repr__(self) -> str:
        return repr(dict(self.items()))

    # copied or pickled, a row is the plain dict it stands for, never its whole block
    def __deepcopy__(self, memo: dict) -> dict[str, float]:
        return dict(self.items())

    def __reduce__(self) -> tuple:
        return (dict, (dict(self.items()),))


def most_likely_first(
    candidates: list[Candidate], ceiling: float, depth: int, held: Collection[str] = ()
) -> list[Candidate]:
    """The first ``depth`` candidates by calibrated confidence, the likeliest first (ties:
    input order); the rest as they were.

    The score ranks targets by a weighted sum of their evidence; the confidence trees also
    weigh each candidate against its rival, so where the two disagree the confidence is the
    better guess (bench/unseen_benchmark.py, on systems held out of the trees). Only as deep
    as the trees were fitted (confidence.TRAINED_RANKS): further down they extrapolate, and
    reordering there lost ranking on the public sets. Confidences above ``ceiling`` tie, so
    a candidate capped there for a structural reason (an identity, another table's target)
    keeps its place ahead of a less likely rival. ``held``: targets another field of the
    table surely holds (the key's identity, an approved mapping), after the others however
    likely. Notes stay with their candidates: each
    names its own target. A candidate moved ahead of the score's first is never above
    ``ceiling``: where the two rankings disagree, a person confirms."""
    ordered = sorted(
        candidates[:depth], key=lambda c: (c.target in held, -min(c.confidence, ceiling))
    )
    first = ordered[0] if ordered else None
    if first is not None and first is not candidates[0] and first.confidence > ceiling:
        note = f"the score ranks {candidates[0].target} first; the trees prefer this one"
        ordered[0] = replace(first, confidence=ceiling, note=first.note or note)
    return ordered + candidates[depth:]


def held_back_last(
    candidates: list[Candidate], depth: int, held_back: Collection[str]
) -> list[Candidate]:
    """After the first, the first ``depth`` ``candidates`` with those whose target another
    field of the table holds (``held_back``) after the others, each in their order."""
    rest = candidates[1:depth]
    if not any(c.target in held_back for c in rest):
        return candidates
    free = [c for c in rest if c.target not in held_back]
    taken = [c for c in rest if c.target in held_back]
    return [*candidates[:1], *free, *taken, *candidates[depth:]]


def own_entity_first(
    candidates: list[Candidate], entity: str, depth: int, held_back: Collection[str] = ()
) -> list[Candidate]:
    """The first ``depth`` ``candidates`` of a field whose table was decided ``entity``
    (the rest as they were): the first stays first, unless it is another entity's and its
    namesake in ``entity`` is among them (``observation.person_id`` in a table of
    measurements, ``measurement.person_id`` further down), not ``held_back`` (another field
    of the table holds it) and on the same side of REVIEW, where the namesake goes first,
    capped for a person (`held`), its note saying why; after it, ``entity``'s own targets,
    then the others, each in their order. Another entity's target would make the table feed
    a second canonical table: a person looks at the table's own first."""
    own_prefix = f"{entity}."
    head = candidates[:depth]
    if all(c.target.startswith(own_prefix) for c in head):
        return candidates
    first, rest = head[0], head[1:]
    other, _, name = first.target.partition(".")
    namesake = f"{entity}.{name}"
    at = next((i for i, c in enumerate(rest) if c.target == namesake), None)
    if other != entity and at is not None and namesake not in held_back:
        found = rest[at]
        if (found.confidence >= REVIEW) == (first.confidence >= REVIEW):
            moved = held(found)
            note = moved.note or f"the table is {entity}: its own {name}, before {other}'s"
            moved = replace(moved, note=note, ordered=True)
            first, rest = moved, [first, *rest[:at], *rest[at + 1 :]]
    ahead = [c for c in rest if c.target.startswith(own_prefix)]
    behind = [c for c in rest if not c.target.startswith(own_prefix)]
    return [first, *ahead, *behind, *candidates[depth:]]
