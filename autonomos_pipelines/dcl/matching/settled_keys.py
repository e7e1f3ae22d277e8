"""A table's key its structure settles: approved without a person where the trees find it
plausible (0.60-0.85), proposed to one where they put it lower, unless the source also calls
the table by its entity's own name (then approved however the trees doubt it).

A table's own key (declared, or named ``id``) takes the identity field of the entity the
table was decided to be. Where the table's fields lead any other entity clearly
(`TableEntity.leads_clearly`), the key reads most as that entity's id
(`TableEntity.key_agrees`) and its other fields map onto at least WITNESSES of that entity's
fields at review confidence or better, three signals agree on what the key is, and the
trees' doubt (a bare ``id`` has few words to go on: Zoho's ``Contacts.id`` 0.61, Copper's
``companies.id`` 0.70 on systems held out of them) is about the words, not the table.
Measured in bench/results.md (stop 52). Where the source also calls the table by its
entity's own name (``subscriptions``, ``Invoices``: `entity_names.named_for`), four signals
agree and the key is settled however the trees doubt it, even where its words put a foreign
key first (Paddle's ``subscriptions.id``, 0.28 on ``subscription.subscription_id``, its
first ``subscription.account_id``) (stop 54), and however close another entity runs
(HubSpot's ``contacts``, contact 0.7 ahead of account: a person's fields fit a company's
too) (stop 55). Another word the schema gives the entity names the table as well
(``deals``, ``companies``: the canonical model's ``also_called``) (stop 56).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace

from autonomos_pipelines.dcl.matching.candidate import Candidate
from autonomos_pipelines.dcl.matching.table_entity import TableEntity, own_key_said
from autonomos_pipelines.dcl.matching.thresholds import AUTO_APPROVE, REVIEW, SETTLED

# a table's fields must show what it is, not a bare name beside its key: a CRM's two-field
# `sources` table (id, name), decided an account by what a leads table calls it, is none.
# Counted as distinct targets of the entity (`witnesses`)
WITNESSES = 3


def witnesses(identity: str, others: Sequence[Sequence[Candidate]]) -> int:
    """How many distinct targets of ``identity``'s entity, other than ``identity`` itself,
    ``others`` (the table's other fields' candidates) map first onto at review confidence or
    better: three e-mail columns on `contact.email` are one witness, and a field that lost
    the identity to the key says nothing for it, nor does a first its table's order put
    there (`Candidate.ordered`)."""
    entity = identity.partition(".")[0]
    return len(
        {
            candidates[0].target
            for candidates in others
            if candidates
            and candidates[0].confidence >= REVIEW
            and not candidates[0].ordered
            and candidates[0].target != identity
            and candidates[0].target.partition(".")[0] == entity
        }
    )


def settle_key(
    candidates: list[Candidate],
    field: str,
    identity: str,
    table: TableEntity,
    others: Sequence[Sequence[Candidate]],
    given: float | None = None,
) -> list[Candidate]:
    """``field``'s candidates, the first raised to SETTLED where the structure settles it as
    ``identity``, an entity's identity field, or to REVIEW for a person where the trees put it
    below (left unmapped, the table would feed no canonical table); ``others``: the table's
    other fields' candidates. Where the source calls the table by one of its entity's names
    (`TableEntity.called`), the structure settles the key however the trees doubt it and
    however close the table's runner-up; ``given``: the trees' confidence in the identity
    where the table's assignment gave it to the key over a foreign key the key ranked first
    (contested_fields), which only a named table settles."""
    original, first, named = candidates, candidates[0] if candidates else None, table.called
    if first is not None and first.held and given is not None and named:
        first = replace(first, confidence=given, held=False)
        candidates = [first, *candidates[1:]]
    if (
        first is None
        or first.held  # given over a foreign key it ranked first: settled only if named
        or first.target != identity
        or not first.confidence < AUTO_APPROVE  # sure already (a NaN is never settled)
        or not table.agrees_on_key(field, identity)
        or not (table.leads_clearly or named)  # the source's name outweighs a close runner-up
    ):
        return original
    seen = witnesses(identity, others)
    if seen < WITNESSES:
        return original
    note = f"{own_key_said(table.entity)}; {seen} of its fields say {table.entity} too"
    if table.runner_up is not None and not table.anchored:
        note += f", {table.fit - table.runner_up_fit:.1f} ahead of {table.runner_up}"
    if named:
        note += f", and the source calls the table {named!r}"
    note += f" (its own evidence alone: {first.confidence:.2f})"  # what an auditor weighs
    # the trees doubt it more than the structure can outweigh, unless the source names it too
    if first.confidence < REVIEW and not named:
        held = replace(first, confidence=REVIEW, note=f"{note}; a person confirms", held=True)
        return [held, *candidates[1:]]
    return [replace(first, confidence=SETTLED, note=note, settled="key"), *candidates[1:]]
