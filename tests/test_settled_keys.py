"""A table's key its structure settles is approved without a person (proposed to one where
the trees put it below review); one that any part of the structure leaves open is not
(dcl/matching/settled_keys.py)."""

from __future__ import annotations

from dataclasses import replace

import pytest

from autonomos_pipelines.dcl.matching.candidate import Candidate, held
from autonomos_pipelines.dcl.matching.embeddings import default_embedder
from autonomos_pipelines.dcl.matching.matcher import Matcher
from autonomos_pipelines.dcl.matching.resolver import Resolver
from autonomos_pipelines.dcl.matching.settled_keys import WITNESSES, settle_key, witnesses
from autonomos_pipelines.dcl.matching.source_field import SourceField
from autonomos_pipelines.dcl.matching.table_entity import CLEAR_LEAD, TableEntity
from autonomos_pipelines.dcl.matching.targets import canonical_targets
from autonomos_pipelines.dcl.matching.thresholds import AUTO_APPROVE, REVIEW, SETTLED

IDENTITY = "contact.contact_id"
# a contacts table 2.5 ahead of account, its key `id` reading as a contact's id
CONTACTS = TableEntity("contact", 5.0, "account", 2.5, 6, "id", key_reads="contact")
NAMED = replace(CONTACTS, called="contacts")  # ... which the source calls `contacts`
KEY = Candidate(IDENTITY, 0.7, 1.2)


def _others(count: int, entity: str = "contact", confidence: float = 0.9) -> list:
    return [[Candidate(f"{entity}.field_{i}", confidence, 1.0)] for i in range(count)]


ECHOES = [[Candidate("contact.email", 0.9, 1.0)]] * 4  # four e-mail columns: one witness


def test_a_key_its_table_settles_is_approved_and_says_why():
    settled = settle_key(
        [KEY, Candidate("contact.account_id", 0.2, 0.8)], "id", IDENTITY, CONTACTS, _others(4)
    )
    first = settled[0]
    assert (first.target, first.confidence, first.settled) == (IDENTITY, SETTLED, "key")
    assert SETTLED >= AUTO_APPROVE and not KEY.settled
    assert first.note == (
        "the table's own key, reading as the contact's id; 4 of its fields say contact too, "
        "2.5 ahead of account (its own evidence alone: 0.70)"
    )
    assert settled[1] == Candidate("contact.account_id", 0.2, 0.8)  # the rest as it was


@pytest.mark.parametrize(
    ("why", "candidates", "table", "others"),
    [
        ("too few witnesses", [KEY], CONTACTS, _others(WITNESSES - 1)),
        ("witnesses of another entity", [KEY], CONTACTS, _others(5, "account")),
        ("one target, many fields", [KEY], CONTACTS, ECHOES + _others(WITNESSES - 2)),
        ("fields that lost the key", [KEY], CONTACTS, [[held(KEY)]] * 3 + _others(WITNESSES - 1)),
        ("witnesses below review", [KEY], CONTACTS, _others(5, confidence=REVIEW - 0.01)),
        (
            "a runner-up close behind",
            [KEY],
            replace(CONTACTS, runner_up_fit=5.0 - CLEAR_LEAD + 0.1),
            _others(4),
        ),
        ("the key reads as another entity", [KEY], replace(CONTACTS, key_reads="user"), _others(4)),
        ("a nested list's key", [KEY], replace(CONTACTS, nested=True), _others(4)),
        ("not the table's key", [KEY], replace(CONTACTS, key="email"), _others(4)),
        ("given over a foreign key", [held(KEY)], CONTACTS, _others(4)),
        ("another first", [Candidate("contact.account_id", 0.7, 1.2)], CONTACTS, _others(4)),
        ("nothing ranked", [], CONTACTS, _others(4)),
        ("no confidence to read", [replace(KEY, confidence=float("nan"))], CONTACTS, _others(4)),
    ],
)
def test_a_key_the_structure_leaves_open_is_left_as_it_was(why, candidates, table, others):
    assert settle_key(candidates, "id", IDENTITY, table, others) == candidates, why
    assert not any(c.settled for c in settle_key(candidates, "id", IDENTITY, table, others)), why


def test_a_key_the_trees_doubt_more_is_proposed_to_a_person_not_approved():
    """Left unmapped, the table would feed no canonical table; approved, the structure would
    overrule evidence the trees find unlikely: a person confirms."""
    doubted = replace(KEY, confidence=0.21)
    proposed = settle_key([doubted], "id", IDENTITY, CONTACTS, _others(4))[0]
    assert (proposed.target, proposed.confidence) == (IDENTITY, REVIEW)
    assert proposed.held and not proposed.settled
    assert proposed.note.endswith("(its own evidence alone: 0.21); a person confirms")
    few = settle_key([doubted], "id", IDENTITY, CONTACTS, _others(WITNESSES - 1))
    assert few == [doubted]  # the structure's conditions hold for a proposal too


def test_an_anchored_table_needs_no_lead_and_a_sure_key_is_not_touched():
    anchored = replace(CONTACTS, runner_up_fit=4.9, anchored=True)
    settled = settle_key([KEY], "id", IDENTITY, anchored, _others(3))[0]
    assert settled.settled == "key" and "ahead of" not in settled.note
    sure = replace(KEY, confidence=0.93)
    assert settle_key([sure], "id", IDENTITY, CONTACTS, _others(4)) == [sure]


def test_witnesses_count_distinct_targets_of_the_entity_at_review_or_better():
    others = [*_others(2), *_others(1, "account"), [], _others(1, confidence=0.3)[0]]
    assert witnesses(IDENTITY, others) == 2
    assert witnesses(IDENTITY, [*ECHOES, [KEY], *_others(1)]) == 2  # e-mail once, never the key


def test_a_key_of_a_table_the_source_names_for_its_entity_is_settled_however_doubted():
    """`contacts.id` at 0.21: its table's fields, its key's reading and the source's own name
    for the table agree, four signals against the words of a bare `id`."""
    doubted = replace(KEY, confidence=0.21)
    settled = settle_key([doubted], "id", IDENTITY, NAMED, _others(4))[0]
    assert (settled.confidence, settled.settled, settled.held) == (SETTLED, "key", False)
    assert settled.note.endswith(
        "2.5 ahead of account, and the source calls the table 'contacts' "
        "(its own evidence alone: 0.21)"
    )


def test_a_key_given_over_a_foreign_key_is_settled_only_in_a_table_named_for_its_entity():
    """The trees put `contact.account_id` first for the key (contested_fields gave it the
    identity at 0.84, held); ``given``: their own 0.28 on the identity."""
    given = held(replace(KEY, confidence=0.95))
    named = settle_key([given], "id", IDENTITY, NAMED, _others(4), 0.28)[0]
    assert (named.confidence, named.settled, named.held) == (SETTLED, "key", False)
    assert "(its own evidence alone: 0.28)" in named.note
    unnamed = settle_key([given], "id", IDENTITY, CONTACTS, _others(4), 0.28)
    assert unnamed == [given]
    few = settle_key([given], "id", IDENTITY, NAMED, _others(WITNESSES - 1), 0.28)
    assert few == [given]  # the other conditions hold as ever: held as it was given


@pytest.mark.parametrize(
    ("why", "table", "others"),
    [
        ("the key reads as another entity", replace(NAMED, key_reads="user"), _others(4)),
        ("too few witnesses", NAMED, _others(WITNESSES - 1)),
        ("a nested list's key", replace(NAMED, nested=True), _others(4)),
    ],
)
def test_a_name_is_a_fourth_signal_not_a_substitute_for_the_others(why, table, others):
    doubted = replace(KEY, confidence=0.21)
    assert settle_key([doubted], "id", IDENTITY, table, others) == [doubted], why


def test_a_name_settles_what_a_close_runner_up_leaves_open():
    """HubSpot's `contacts`: a person's fields fit a company's too (contact 0.7 ahead of
    account), and the source's own name for the table says which."""
    close = replace(CONTACTS, runner_up_fit=5.0 - CLEAR_LEAD + 0.3)
    assert settle_key([KEY], "id", IDENTITY, close, _others(4)) == [KEY]
    settled = settle_key([KEY], "id", IDENTITY, replace(close, called="contacts"), _others(4))[0]
    assert (settled.confidence, settled.settled) == (SETTLED, "key")
    assert "0.7 ahead of account, and the source calls the table 'contacts'" in settled.note


@pytest.mark.parametrize(
    ("table", "fields", "status"),
    [
        ("invoices", "id number total status customer_id due_date", "auto_approved"),
        # the same table under another word: the trees' 0.38 for its bare `id` stands
        ("bills", "id number total status customer_id due_date", "pending_review"),
    ],
)
def test_the_real_matcher_settles_a_named_tables_key_it_ranked_a_foreign_key_first(
    table, fields, status
):
    resolver = Resolver(Matcher(canonical_targets(), default_embedder()))
    found = resolver.resolve([SourceField("app", table, name) for name in fields.split()])
    key = found[0]
    assert (key.mapping, key.status) == ("invoice.invoice_id", status)


DEAL = "id title value currency status stage_id org_id person_id expected_close_date"
CASE = "Id Subject Status Priority AccountId ContactId CreatedDate Origin"


@pytest.mark.parametrize(
    ("table", "fields", "status"),
    [
        ("deals", DEAL, "auto_approved"),  # the canonical model's other name for the entity
        ("cases", CASE, "auto_approved"),
        # another word: the trees' doubt of its bare `id` (0.16) stands, a person confirms
        ("pipeline_items", DEAL, "pending_review"),
    ],
)
def test_a_table_called_by_another_name_the_model_gives_its_entity_settles_its_key(
    table, fields, status
):
    """Pipedrive's `deals`, Salesforce's `Case` table: the source's word for the table is
    one the canonical model gives the opportunity and the ticket (`also_called`)."""
    resolver = Resolver(Matcher(canonical_targets(), default_embedder()))
    key = resolver.resolve([SourceField("app", table, name) for name in fields.split()])[0]
    assert key.status == status
    if status == "auto_approved":
        assert key.mapping.endswith("_id") and f"the source calls the table {table!r}" in key.reason
    assert key.table is not None
    assert (f"the source calls it {table!r}" in key.table.why) is (status == "auto_approved")
