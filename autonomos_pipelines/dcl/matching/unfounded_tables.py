"""A table that is nothing canonical: its fields, and the references to it, held for a person
however sure the trees.

Every table is decided to be some entity, and a lookup table that is none leans to whichever
its few fields fit: ``taxes`` (id, name, rate) and a help desk's ``departments`` (id, name,
description) to the account, a CRM's ``deal_stages`` (id, name, probability) to the
opportunity. The trees, which see one field at a time, auto-approved their ``name`` onto
``account.name`` at 0.95 and ``invoices.tax_id`` beside ``taxes`` onto ``invoice.account_id``
at 0.91 (0.10 without the ``taxes`` table). Something in the table must found its decision:
its key approved as the entity's identity (or a time series' date taken for its grain at
review or above), WITNESSES of
its fields mapped to the entity, as for a settled key (a ``customers`` table's name, phone
and creation time, whose bare ``id`` the trees doubt), its approved mappings, or, for a
small table, its name where it is one of the entity's (its own, or another the schema gives
it: ``companies``) and most of its fields are the entity's (``accounts``: id, name, website;
not a ledger's chart of ``accounts``). A small table of a real entity under a word that is
none of its names (``vendors``: id, name, domain) is held: a person confirms.
"""

from __future__ import annotations

from collections.abc import Collection, Mapping, Sequence
from dataclasses import replace

from autonomos_pipelines.dcl.matching.candidate import Candidate, held
from autonomos_pipelines.dcl.matching.settled_keys import WITNESSES, witnesses
from autonomos_pipelines.dcl.matching.source_field import SourceField
from autonomos_pipelines.dcl.matching.table_entity import Table, TableEntity
from autonomos_pipelines.dcl.matching.thresholds import AUTO_APPROVE, REVIEW


def unfounded(
    ranked: Sequence[Sequence[Candidate]],
    fields: Sequence[SourceField],
    tables: Mapping[Table, Sequence[int]],
    decided: Mapping[Table, TableEntity],
    key_rows: Sequence[int | None],
    identities: Mapping[str, str],
    grains: Collection[str] = (),
) -> dict[Table, str]:
    """The tables nothing founds as what they were decided to be, each with why (``key_rows``:
    each table's key row in ``tables`` order; ``identities``: each entity's identity field;
    ``grains``: those that are a date, a time series' grain). A table whose approved mappings
    name its entity is founded by them; fields of it waiting for a person or left unmapped
    found nothing. A schema of one entity decides nothing wrongly: its tables are founded."""
    found = {}
    for (table, rows), key_row in zip(tables.items(), key_rows, strict=True):
        decision = decided[table]
        identity = identities.get(decision.entity)
        if identity is None or decision.anchored or decision.runner_up is None:
            continue
        floor = REVIEW if identity in grains else AUTO_APPROVE
        if any(_identifies(ranked[r], identity, floor) for r in rows):
            continue
        count = witnesses(identity, [ranked[r] for r in rows if r != key_row])
        if count >= WITNESSES or _named_whole(decision, count, rows, key_row):
            continue
        found[table] = (
            f"decided {decision.entity} on little ({_key_said(ranked, fields, key_row, identity)}; "
            f"{count} of its fields map to {decision.entity}, fewer than {WITNESSES})"
        )
    return found


def _named_whole(
    decision: TableEntity, count: int, rows: Sequence[int], key_row: int | None
) -> bool:
    """Whether a small table is its entity by its name and its fields both: the source calls
    it by one of the entity's names (`TableEntity.called`), its key (if any) reads as the
    entity's id, and most of its other fields, two at least, map onto the entity (``count``:
    witnesses). A ledger's chart of accounts (id, code, name, type, tax_type, currency_code)
    is named ``accounts`` too, but three of its five fields are no account's."""
    others = len(rows) - (key_row in rows)
    agrees = decision.key is None or decision.key_agrees
    return bool(decision.called) and agrees and count >= 2 and 2 * count >= others


def _identifies(candidates: Sequence[Candidate], identity: str, floor: float) -> bool:
    """Whether a field founds its table: taken for the entity's identity at ``floor`` or
    above (approval; review for a time series' date, an identity held for a person like
    any), and not put first by its table's order (`Candidate.ordered`)."""
    first = candidates[0] if candidates else None
    if first is None or first.ordered:
        return False
    return first.target == identity and first.confidence >= floor


def _key_said(
    ranked: Sequence[Sequence[Candidate]],
    fields: Sequence[SourceField],
    key_row: int | None,
    identity: str,
) -> str:
    if key_row is None:
        return "no key among the fields weighed"
    key = ranked[key_row][0] if ranked[key_row] else None
    name = fields[key_row].field
    if key is None or key.target != identity:
        return f"its key {name!r} is not {identity}"
    return f"its key {name!r} is {identity} at only {key.confidence:.2f}"


def hold_unfounded(
    ranked: list[list[Candidate]],
    found: Sequence[tuple[int, int]],
    tables: Mapping[Table, Sequence[int]],
    decided: Mapping[Table, TableEntity],
    pointed: Mapping[str, str | None],
    why: Mapping[Table, str],
) -> list[list[Candidate]]:
    """The candidates, held at the ceiling where they would be approved: an unfounded table's
    fields (``why``: `unfounded`), and a reference's key to what such a table was decided
    to be, which says why where a person would see it anyway (``found``: (referenced table,
    row), tables numbered in ``tables`` order; ``pointed``: per target, the entity it is a
    key to)."""
    listed = list(tables)
    for table, rows in tables.items():
        if table in why:
            for row in rows:
                ranked[row] = _held(ranked[row], f"the table is {why[table]}")
    for index, row in found:
        referenced = listed[index]
        first = ranked[row][0] if ranked[row] else None
        if referenced not in why or first is None:
            continue
        if pointed.get(first.target) == decided[referenced].entity:
            said = f"references {referenced[1]}, {why[referenced]}: what {first.target} points at"
            if first.confidence < AUTO_APPROVE:  # a person sees it anyway: the note says why
                ranked[row] = [replace(first, note=f"{said}, a person confirms"), *ranked[row][1:]]
            else:
                ranked[row] = _held(ranked[row], said, replaces=True)
    return ranked


def _held(candidates: list[Candidate], why: str, replaces: bool = False) -> list[Candidate]:
    """The first candidate held for a person where it would be approved, saying why."""
    first = candidates[0] if candidates else None
    if first is None or first.confidence < AUTO_APPROVE:
        return candidates
    note = f"{why}; a person confirms"
    if first.note and not replaces:
        note = f"{first.note}; {note}"
    return [replace(held(first), note=note, settled="", unfounded=True), *candidates[1:]]
