"""What a field its table's assignment contested is offered instead, and why.

A contest (table_assignment.contests) takes a field's first target away: the table's key
ranked a foreign key first and is given its table's identity, another field fits the target
better, or the target is already mapped from another field of the table. The field is then
offered what the assignment gave it, never above CONTESTED_CEILING, with a note saying why;
but the key's identity goes through as sure as the trees are of it where its table agrees on
it (TableEntity.agrees_on_key). A contest's winner is held for a person too where the field
it beat was sure enough of the target to be offered it (`close_rivals`): two fields of a
table a person could each accept for one target are a choice, not a match.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace

import numpy as np

from autonomos_pipelines.dcl.matching.candidate import Candidate, held
from autonomos_pipelines.dcl.matching.confidence import evidence
from autonomos_pipelines.dcl.matching.scoring import FEATURES, ScoringModel
from autonomos_pipelines.dcl.matching.source_field import SourceField
from autonomos_pipelines.dcl.matching.table_assignment import Contest
from autonomos_pipelines.dcl.matching.table_entity import own_key_said
from autonomos_pipelines.dcl.matching.thresholds import AUTO_APPROVE, CONTESTED_CEILING, REVIEW


@dataclass
class ContestedFields:
    """A chunk's scores and features (fields x targets), its confidence model and each row's
    targets best first, read for the fields its tables contested."""

    scores: np.ndarray
    features: dict[str, np.ndarray]
    model: ScoringModel
    ranking: np.ndarray
    keys: list[str]  # the targets' keys, in the scores' column order

    def chances(self, found: Sequence[Contest]) -> dict[int, float]:
        """The trees' confidence in what each contest gave its field (by the contest's id),
        one evaluation of the trees for every contested field, not one per field."""
        alternatives = [c for c in found if c.alternative is not None]
        pairs = evidence(
            self.scores,
            self.features,
            np.array([c.row for c in alternatives], dtype=np.int64),
            np.array([c.alternative for c in alternatives], dtype=np.int64),
            self.ranking,
        )
        chances = self.model.confidence(pairs).tolist()
        return dict(zip(map(id, alternatives), chances, strict=True))

    def offered(
        self,
        contest: Contest,
        candidates: list[Candidate],
        fields: Sequence[SourceField],
        chance: float,
        agreed: bool = False,
    ) -> list[Candidate]:
        """What the field was given first (when a person could accept it; ``chance``: the
        trees' confidence in it), none above CONTESTED_CEILING, the first saying why; but the
        key's identity where its table agrees on it (``agreed``: TableEntity.agrees_on_key)
        and the trees are sure of it too, which `table_decision` may then let through."""
        row, alternative, capped = contest.row, contest.alternative, []
        # the key's identity is a structural guess a person confirms, unless the table's
        # fields, what its key reads as and the trees all agree on it
        key = contest.reason == "primary_key"
        trusted = key and alternative is not None and agreed and chance >= AUTO_APPROVE
        if alternative is not None:
            score = float(self.scores[row, alternative])
            confidence = min(CONTESTED_CEILING, chance)
            if key:
                confidence = chance if trusted else CONTESTED_CEILING
            if confidence >= REVIEW:
                shown = {n: round(float(self.features[n][row, alternative]), 4) for n in FEATURES}
                given = Candidate(self.keys[alternative], round(confidence, 4), round(score, 4))
                capped.append(replace(given, features=shown, held=not trusted))
            else:  # a person sees the contested first choice instead
                alternative = None
        for candidate in candidates:
            if alternative is None or candidate.target != self.keys[alternative]:
                capped.append(held(candidate))
        note = self.why(contest, fields)
        if trusted:
            entity, lost = capped[0].target.partition(".")[0], self.keys[contest.target]
            note = f"{own_key_said(entity)}: {capped[0].target} "
            note += f"rather than {lost}; its fields say {entity} too"
        capped[0] = replace(capped[0], note=note)
        return capped[: len(candidates)]

    def why(self, contest: Contest, fields: Sequence[SourceField]) -> str:
        """Why the field lost its first target."""
        target = self.keys[contest.target]
        if contest.reason == "primary_key":
            assert contest.alternative is not None
            return f"the table's own key: {self.keys[contest.alternative]} rather than {target}"
        if contest.reason == "approved":
            return f"{target} is already mapped from another field of this table"
        assert contest.winner is not None
        winner = fields[contest.winner].field
        return f"{target} goes to {winner!r} of this table, which fits it better"


def close_rivals(
    found: Sequence[Contest],
    ranked: Sequence[list[Candidate]],
    fields: Sequence[SourceField],
    key_identities: Mapping[int, int],
) -> dict[int, tuple[int, str]]:
    """Per row that won a contest for another field of its table: (the target, why), where
    the field it beat had that target first at REVIEW or above: Facebook's
    ``budget_remaining`` beat ``daily_budget`` to a campaign's budget by score, LinkedIn's
    ``type`` beat ``objectiveType`` to its type; a person chooses (read before the contests
    change the losers' candidates). A table's key keeps its identity (``key_identities``:
    key row -> its table's identity target): a foreign key that ranks the table's identity
    first is what the key is given it over."""
    rivals: dict[int, tuple[int, str]] = {}
    for contest in found:
        if contest.reason != "field" or contest.winner is None:
            continue
        if key_identities.get(contest.winner) == contest.target:
            continue
        lost = ranked[contest.row][0] if ranked[contest.row] else None
        if lost is None or lost.confidence < REVIEW or contest.winner in rivals:
            continue
        why = (
            f"{lost.target} fits {fields[contest.row].field!r} of this table too "
            f"({lost.confidence:.2f}): a person chooses"
        )
        rivals[contest.winner] = (contest.target, why)
    return rivals


def rivalled(candidates: list[Candidate], target: str, why: str) -> list[Candidate]:
    """``candidates`` with ``target`` held for a person (`close_rivals`), saying ``why``,
    where it would be offered to one: below REVIEW it is left as it was (the LLM may still be
    asked about it)."""
    return [
        replace(held(c), note=f"{c.note}; {why}" if c.note else why)
        if c.target == target and c.confidence >= REVIEW
        else c
        for c in candidates
    ]
