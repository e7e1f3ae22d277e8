"""A source table's fields decided together: primary key first, one field per target, the
loser of a contest goes to a person (dcl/matching/table_assignment.py, Matcher.decide)."""

from __future__ import annotations

from dataclasses import replace

import numpy as np
import pytest

from autonomos_pipelines.dcl.matching.candidate import Candidate
from autonomos_pipelines.dcl.matching.contested_fields import (
    ContestedFields,
    close_rivals,
    rivalled,
)
from autonomos_pipelines.dcl.matching.embeddings import default_embedder
from autonomos_pipelines.dcl.matching.matcher import Matcher
from autonomos_pipelines.dcl.matching.resolver import RegistryHit, Resolver, asks_llm
from autonomos_pipelines.dcl.matching.scoring import FEATURES, default_model
from autonomos_pipelines.dcl.matching.source_field import SourceField
from autonomos_pipelines.dcl.matching.table_assignment import (
    Contest,
    assign,
    contests,
    key_rows,
    primary_key,
    singular,
    table_key,
)
from autonomos_pipelines.dcl.matching.table_decision import TableDecider
from autonomos_pipelines.dcl.matching.table_entity import ANCHOR_LEAD, entity_affinity
from autonomos_pipelines.dcl.matching.targets import canonical_targets
from autonomos_pipelines.dcl.matching.thresholds import AUTO_APPROVE, REVIEW, SETTLED


@pytest.mark.parametrize(
    ("names", "table", "expected"),
    [
        (["name", "id", "account_id"], "contacts", 1),
        (["ContactId", "AccountId"], "Contacts", 0),
        (["company_id", "name"], "companies", 0),
        (["address_id"], "addresses", 0),
        (["status_id", "name"], "ticket_statuses", 0),  # a Latin -us plural
        (["bonus_id"], "bonuses", 0),
        (["warehouse_id"], "warehouses", 0),  # -use, not -us
        (["uuid", "owner_id"], "tickets", 0),
        (["account_id", "owner_id"], "contacts", None),  # foreign keys only
        (["id", "contact_id"], "contacts", None),  # two candidates: no guess
        (["key", "id", "fields__summary"], "issues", 1),  # `id` beside a second identifier
        (["uuid", "id", "plan_code"], "subscriptions", 1),
        (["uuid", "key"], "records", None),  # two identifiers and no `id`: no guess
        (["status"], "", None),
        (["id", "amount"], "invoices__lines", None),  # a child table's own id is no invoice's
    ],
)
def test_primary_key_is_the_tables_own_id(names, table, expected):
    assert primary_key(names, table) == expected


@pytest.mark.parametrize(
    ("plural", "one"),
    [("companies", "company"), ("addresses", "address"), ("boxes", "box"),
     ("statuses", "status"), ("campuses", "campus"), ("houses", "house"),
     ("causes", "cause"), ("contacts", "contact"), ("invoices", "invoice")],
)  # fmt: skip
def test_a_plural_and_its_singular_compare_equal(plural, one):
    assert singular(plural) == one == singular(one)


@pytest.mark.parametrize(
    ("declared", "table", "expected"),
    [
        ({"HADM_ID": None}, "ADMISSIONS", 0),  # declared, whatever its name
        ({"HADM_ID": "ADMISSIONS"}, "ADMISSIONS_EXTRA", 0),  # one-to-one extension: its own
        ({"HADM_ID": None, "id": None}, "contacts", 1),  # composite: the one its name keys
        ({"ICUSTAY_ID": None, "ITEMID": None}, "CHARTEVENTS", None),  # no name keys it
        ({"HADM_ID": None}, "invoices__lines", None),  # a child table: no parent's key
        ({}, "contacts", 1),  # none declared: by name
    ],
)
def test_a_declared_primary_key_is_the_tables_key(declared, table, expected):
    names = ["HADM_ID", "id", "ICUSTAY_ID", "ITEMID"]
    fields = [
        SourceField("db", table, n, primary_key=n in declared, references=declared.get(n))
        for n in names
    ]
    assert table_key(fields, table) == expected


@pytest.mark.parametrize(
    ("fresh", "mapped", "expected"),
    [
        (["id", "email"], [], 0),  # nothing mapped yet: by name
        (["uuid", "email"], ["id"], None),  # a new `uuid` beside an `id` seen before: no key
        (["email", "name"], ["id"], None),  # the key was seen before: no new field is it
        (["uuid*", "email"], ["id"], 0),  # declared the key (`*`), though new
        (["email", "contact_id"], ["created_at"], 1),  # fields seen before that key nothing
        (["id", "email"], ["pk*"], None),  # a declared key seen before, not the new `id`
    ],
)
def test_a_tables_key_is_sought_among_its_fields_seen_before(fresh, mapped, expected):
    """On a later pass the key is the whole table's: key_rows reads the table's fields seen
    before (mapped or waiting for a person) too."""

    def source(name):
        return SourceField("crm", "contacts", name.rstrip("*"), primary_key=name.endswith("*"))

    fields, known = [source(n) for n in fresh], {("crm", "contacts"): [source(n) for n in mapped]}
    assert key_rows(fields, [list(range(len(fields)))], known) == [expected]


def test_each_tables_key_is_sought_among_its_own_fields_seen_before():
    """Two tables in one chunk, their rows interleaved: each reads its own fields seen before."""
    fields = [
        SourceField("crm", "contacts", "uuid"),
        SourceField("crm", "deals", "id"),
        SourceField("crm", "contacts", "email"),
        SourceField("crm", "deals", "uuid"),
    ]
    seen = {("crm", "contacts"): [SourceField("crm", "contacts", "id")]}
    # contacts: the `id` seen before is the key, not `uuid`; deals: `id` beside `uuid`
    assert key_rows(fields, [[0, 2], [1, 3]], seen) == [None, 1]
    assert key_rows(fields, [[0, 2], [1]], seen) == [None, 1]
    assert key_rows(fields, [[0, 2], [1]]) == [0, 1]


SCORES = np.array([[5.0, 4.0, 1.0], [5.5, 1.0, 0.5], [4.5, 4.4, 3.0]])
CHOICES = {row: [int(t) for t in np.argsort(-SCORES[row])] for row in range(3)}
TABLE = {("s", "t"): [0, 1, 2]}


def test_assignment_gives_each_target_to_the_best_scoring_claim():
    assert assign(SCORES, CHOICES, {}) == {0: 2, 1: 0, 2: 1}
    # a target an approved mapping holds (None) is nobody else's; a row may end with nothing
    assert assign(SCORES, CHOICES, {0: None}) == {0: 2, 1: None, 2: 1}


def test_contests_name_the_winner_the_key_and_approved_mappings():
    found = {
        (c.row, c.target, c.alternative, c.reason, c.winner)
        for c in contests(SCORES, CHOICES, TABLE, {}, {})
    }
    assert found == {(0, 0, 2, "field", 1), (2, 0, 1, "field", 1)}
    keyed = contests(SCORES, CHOICES, TABLE, {("s", "t"): (2, 1)}, {})
    assert {(c.row, c.alternative, c.reason) for c in keyed} == {
        (0, 2, "field"),
        (2, 1, "primary_key"),
    }
    approved = contests(SCORES, CHOICES, TABLE, {}, {("s", "t"): {0}})
    assert {(c.row, c.reason, c.winner) for c in approved} == {
        (0, "approved", None),
        (1, "approved", None),
        (2, "approved", None),
    }


@pytest.mark.parametrize(
    ("loser_confidence", "reason", "key_identities", "rivalled_rows"),
    [
        (0.81, "field", {}, {1: 0}),  # the beaten field could be offered it: a choice
        (0.59, "field", {}, {}),  # below review: no rival a person would accept
        (0.81, "field", {1: 0}, {}),  # the table's key keeps its identity over a foreign key
        (0.81, "field", {1: 5}, {1: 0}),  # ... but any other target is a choice like any
        (0.81, "approved", {}, {}),  # an approved mapping holds it: no winner to hold
    ],
)
def test_a_contests_winner_is_held_where_the_field_it_beat_was_sure_enough(
    loser_confidence, reason, key_identities, rivalled_rows
):
    """Facebook's `budget_remaining` beats `daily_budget` to a campaign's budget by score;
    `daily_budget` had it first at 0.81, so the winner is a person's choice too."""
    fields = _table("campaigns", ["daily_budget", "budget_remaining"])
    ranked = [[Candidate("campaign.budget", loser_confidence, 3.1)], []]
    winner = 1 if reason == "field" else None
    found = [Contest(0, 0, None, reason, winner)]
    rivals = close_rivals(found, ranked, fields, key_identities)
    assert {row: target for row, (target, _) in rivals.items()} == rivalled_rows
    if rivals:
        assert "'daily_budget'" in rivals[1][1] and "a person chooses" in rivals[1][1]
        won = [Candidate("campaign.budget", 0.92, 3.3), Candidate("campaign.spend", 0.2, 1.0)]
        first, second = rivalled(won, "campaign.budget", rivals[1][1])
        assert (first.confidence, first.held, first.note) == (0.84, True, rivals[1][1])
        assert second == won[1]
        # below review it is left as it was, not held: the LLM may still be asked about it
        unsure = [Candidate("campaign.budget", 0.55, 3.3)]
        assert rivalled(unsure, "campaign.budget", rivals[1][1]) == unsure
        # a note it had already is kept, the rival's after it
        noted = [replace(won[0], note="the score ranks campaign.spend first")]
        (kept,) = rivalled(noted, "campaign.budget", "rival")
        assert kept.note == "the score ranks campaign.spend first; rival" and kept.held


def test_two_fields_a_person_could_each_accept_for_one_target_go_to_a_person(matcher):
    """LinkedIn's campaigns have `type` and `objectiveType`: both rank the campaign's type
    first; the one the score prefers waits for a person too, the reason naming the other."""
    fields = _table("campaigns", ["id", "name", "status", "type", "objectiveType", "start_time"])
    resolved = Resolver(matcher).resolve(fields)
    kind, objective = resolved[3], resolved[4]
    assert {kind.mapping, objective.mapping} == {"campaign.campaign_type"}
    assert kind.status == objective.status == "pending_review"
    assert "'objectiveType' of this table too" in kind.reason
    assert "goes to 'type'" in objective.reason
    assert resolved[1].status == "auto_approved"  # the table's other fields are not held


@pytest.fixture(scope="module")
def matcher():
    return Matcher(canonical_targets(), default_embedder())


def _table(entity: str, names: list[str]) -> list[SourceField]:
    return [SourceField("unseen_crm", entity, name, "string") for name in names]


def test_a_tables_own_id_is_its_identity_and_goes_to_a_person(matcher):
    fields = _table("members", ["id", "account_id", "email", "first_name", "created_at"])
    ranked = matcher.rank(fields, top_k=3)
    first = ranked[0][0]
    assert first.target == "contact.contact_id"
    assert REVIEW <= first.confidence < AUTO_APPROVE and "own key" in first.note
    assert ranked[1][0].target == "contact.account_id" and not ranked[1][0].note


def test_a_tables_own_id_is_settled_where_the_source_names_the_table_for_its_entity(matcher):
    """The same fields in `contacts`: the source's own word for the table is a fourth signal
    (settled_keys), and the key no longer waits for a person however the trees doubt it."""
    fields = _table("contacts", ["id", "account_id", "email", "first_name", "created_at"])
    first = matcher.rank(fields, top_k=3)[0][0]
    assert (first.target, first.confidence, first.settled) == ("contact.contact_id", SETTLED, "key")
    assert "the source calls the table 'contacts'" in first.note


def test_an_identity_its_table_and_key_agree_on_auto_approves_and_says_why(matcher):
    """`invoice_id` is the invoices' key by its name, reads as an invoice's id, and the
    table's fields say invoice: two signals agree on what the table feeds."""
    fields = _table("invoices", ["invoice_id", "amount_due", "status"])
    key, amount, _ = Resolver(matcher).resolve(fields)
    assert (key.mapping, key.status) == ("invoice.invoice_id", "auto_approved")
    assert key.table is not None and key.table.key == "invoice_id"
    assert "own key" in key.reason and "say invoice" in key.reason
    assert amount.mapping == "invoice.amount_due" and amount.status == "auto_approved"


def test_an_agreed_key_below_the_threshold_is_held_and_the_llm_not_asked(matcher):
    """`deal_id` is the deals' key and reads as an opportunity's id, but not surely enough
    to approve, and two fields beside it do not settle it: the reviewer is told what
    approving it does, and the LLM, which sees the field without its table, is not asked
    about a table's key."""
    fields = _table("deals", ["deal_id", "title", "value"])
    (key, *_) = Resolver(matcher).resolve(fields)
    assert key.table is not None and key.table.agrees_on_key("deal_id", key.mapping or "")
    assert (key.mapping, key.status) == ("opportunity.opportunity_id", "pending_review")
    assert key.reason == (
        "mapping opportunity.opportunity_id would make this table feed canonical opportunity"
    )
    assert key.candidates[0].held and not asks_llm(key.candidates)


def test_an_agreed_key_its_tables_fields_settle_is_approved_and_says_why(matcher):
    """The same `deal_id`, the trees unsure of it, beside four fields that say opportunity
    clearly ahead of anything else: the table's structure settles its key (settled_keys)."""
    fields = _table("deals", ["deal_id", "title", "value", "stage", "close_date"])
    (key, *_) = Resolver(matcher).resolve(fields)
    assert (key.mapping, key.status) == ("opportunity.opportunity_id", "auto_approved")
    assert key.candidates[0].settled == "key" and key.candidates[0].confidence == SETTLED
    assert key.reason.startswith(
        "the table's own key, reading as the opportunity's id; 4 of its fields say opportunity"
    )


def test_an_agreed_key_the_trees_doubt_is_proposed_when_its_table_is_clear(matcher):
    """A `crm_deals` table's bare `id`, which the trees alone put below review, in a table whose
    fields say opportunity clearly: left unmapped, the table would feed nothing, so a person
    is asked, never the LLM. (Called `deals` alone, a word the model gives the opportunity,
    its name would settle it: test_settled_keys.)"""
    fields = _table("crm_deals", ["id", "name", "amount", "stage", "pipeline_id", "close_date"])
    (key, *_) = Resolver(matcher).resolve(fields)
    assert (key.mapping, key.status) == ("opportunity.opportunity_id", "pending_review")
    assert key.confidence == REVIEW and key.reason.endswith("a person confirms")
    assert key.candidates[0].held and not asks_llm(key.candidates)


def test_a_nested_lists_key_is_never_settled(matcher):
    """The same fields as a list dlt nested in another table's records: their rows have no
    key of their own, so nothing settles `deal_id` and it waits for a person as it was."""
    names = ["deal_id", "title", "value", "stage", "close_date"]
    dlt = ["_dlt_parent_id", "_dlt_list_idx", "_dlt_id"]
    (key, *_) = Resolver(matcher).resolve(_table("deals", names + dlt))
    assert key.table is not None and key.table.nested
    assert key.status == "pending_review" and not key.candidates[0].settled
    assert "nested" in key.reason and "of its fields say" not in key.reason


def test_an_identity_that_is_not_the_tables_key_never_auto_approves(matcher):
    """The same `invoice_id` in a table whose name does not make it the key: mapping it would
    make the table feed canonical invoice on the field's evidence alone, so a person
    confirms it however sure the match."""
    fields = _table("billing_docs", ["invoice_id", "amount_due", "status", "customer_id"])
    key, amount, *_ = Resolver(matcher).resolve(fields)
    assert key.table is not None and key.table.key is None
    assert key.mapping == "invoice.invoice_id" and key.status == "pending_review"
    assert "feed canonical invoice" in key.reason
    assert amount.mapping == "invoice.amount_due" and amount.status == "auto_approved"


def test_a_near_duplicate_never_auto_approves_onto_the_primary_field(matcher):
    """`email_address` alone ranks an e-mail field first; beside `email` it competes for the
    same target and is never mapped onto it automatically."""
    assert matcher.rank(_table("contacts", ["email_address"]))[0][0].target.endswith(".email")
    # with a name enough of it to found the table as contacts (unfounded_tables)
    fields = _table("contacts", ["email", "email_address", "last_name", "first_name"])
    (primary, duplicate, *_) = Resolver(matcher).resolve(fields)
    assert primary.mapping == "contact.email" and primary.status == "auto_approved"
    # it trails `email` on contact.email (column_margin): below review, the note says why
    assert duplicate.status != "auto_approved" and duplicate.mapping != "contact.email"
    assert duplicate.candidates[0].target == "contact.email"
    assert "'email'" in duplicate.candidates[0].note


def test_a_target_approved_for_another_field_is_taken(matcher):
    """The registry already maps `email` of this table: a new `email_address` field competing
    for contact.email goes to a person, naming the approved mapping."""

    def lookup(source: SourceField) -> RegistryHit | None:
        return RegistryHit("contact.email", 1.0, "none") if source.field == "email" else None

    fields = _table("contacts", ["email", "email_address", "first_name", "last_name"])
    alone = matcher.rank(fields[1:])[0][0]  # without the approved mapping it would take it
    assert alone.target == "contact.email" and alone.confidence >= AUTO_APPROVE
    new = Resolver(matcher, registry_lookup=lookup).resolve(fields)[1]
    assert new.status != "auto_approved" and "already mapped" in new.candidates[0].note


def test_a_new_field_is_weighed_against_the_tables_approved_fields(matcher):
    """A renamed `status` (`deal_status`) in a deals table whose `title` is approved as the
    deal's name: ranked beside the approved fields it is weighed as when the whole table is
    ranked at once (column_margin: `title` leads it on opportunity.name), not as a field
    alone in its table, so no person is asked to map it there."""
    approved = {"id": "opportunity.opportunity_id", "title": "opportunity.name",
                "value": "opportunity.amount", "stage_id": "opportunity.stage"}  # fmt: skip

    def lookup(source: SourceField) -> RegistryHit | None:
        target = approved.get(source.field)
        return RegistryHit(target, 1.0, "none") if target else None

    fields = _table("deals", [*approved, "deal_status"])
    new = fields[-1]
    table = ("unseen_crm", "deals")
    taken = {table: set(approved.values())}
    alone = {c.target: c.confidence for c in matcher.rank([new], 5, taken=taken)[0]}
    beside = {
        c.target: c.confidence
        for c in matcher.rank_tables([new], 5, taken=taken, observed={table: fields[:-1]})[0][0]
    }  # fmt: skip
    whole = {c.target: c.confidence for c in matcher.rank_tables(fields, 5)[0][-1]}
    assert beside == whole and beside != alone
    resolution = Resolver(matcher, registry_lookup=lookup).resolve(fields)[-1]
    assert resolution.status == "unmapped"


def test_a_new_field_is_weighed_against_the_fields_waiting_for_a_person_too(matcher):
    """A later pass ranks only a table's new `quantity`; its other fields wait for a person
    (observed, not approved). They are its rivals all the same (column_margin), so it is
    weighed as when the whole table is ranked at once, not as a field alone in its table,
    which the confidence trees hardly ever saw (it fell from 0.98 to 0.55)."""
    fields = [SourceField("billing", "subscriptions", name, "text")
              for name in ("id", "customer", "status", "quantity")]  # fmt: skip
    table = ("billing", "subscriptions")
    taken = {table: {"subscription.status"}}  # approved: the table is founded

    def confidences(ranked: list[Candidate]) -> dict[str, float]:
        return {c.target: c.confidence for c in ranked}

    whole = confidences(matcher.rank_tables(fields, 5, taken=taken)[0][-1])
    later = matcher.rank_tables(fields[-1:], 5, taken=taken, observed={table: fields[:-1]})
    assert confidences(later[0][0]) == whole
    assert next(iter(whole)) == "subscription.quantity"


def test_a_tables_approved_mappings_name_its_entity_for_a_new_field(matcher):
    """One new field of an opportunities table whose other fields are approved: alone it
    reads as a payment's description; the approved fields say the table is an opportunity."""
    approved = {"id": "opportunity.opportunity_id", "title": "opportunity.name",
                "value": "opportunity.amount", "stage_id": "opportunity.stage"}  # fmt: skip

    def lookup(source: SourceField) -> RegistryHit | None:
        target = approved.get(source.field)
        return RegistryHit(target, 1.0, "none") if target else None

    new = SourceField("unseen_crm", "deals", "deal_description", "text", samples=("Renewal",))
    alone = matcher.rank([new])[0][0]
    fields = [*_table("deals", list(approved)), new]
    resolution = Resolver(matcher, registry_lookup=lookup).resolve(fields)[-1]
    assert alone.target != "opportunity.description"
    assert resolution.candidates[0].target == "opportunity.description"
    assert resolution.table is not None and resolution.table.entity == "opportunity"
    assert "approved mappings are opportunity fields" in resolution.table.why


def test_entity_affinity_of_many_tables_is_each_tables_mean_best_score_per_entity():
    """All tables at once give what each table alone gives: the mean over its fields of their
    best score on each entity's targets; an entity with no target fits nothing (-inf), and an
    anchored table's entity leads the others by ANCHOR_LEAD."""
    rng = np.random.default_rng(3)
    scores = (rng.normal(size=(40, 6)) * 3).astype(np.float32)
    target_entity = np.array([0, 2, 0, 1, 2, 2])  # entity 3 has no target
    sizes = [3, 1, 5, 3, 17, 11]  # two tables of one size are averaged together
    tables = np.split(rng.permutation(40), np.cumsum(sizes))[: len(sizes)]
    tables = [[int(r) for r in rows] for rows in tables]
    anchors = [None] * 5 + [1]
    affinity = entity_affinity(scores, target_entity, 4, tables, anchors)
    for table, rows in enumerate(tables[:5]):
        best = np.stack(
            [scores[rows][:, target_entity == entity].max(axis=1) for entity in range(3)], axis=1
        )
        assert (affinity[table, :3] == best.mean(axis=0)).all()  # to the bit, as one by one
    assert np.isneginf(affinity[:, 3]).all()
    alone = entity_affinity(scores, target_entity, 4, tables)
    assert affinity[5, 1] == pytest.approx(alone[5].max() + ANCHOR_LEAD)
    assert (affinity[:5] == alone[:5]).all()
    assert entity_affinity(scores, target_entity, 4, []).shape == (0, 4)


def test_candidates_ordered_by_confidence_around_the_tables_assignment():
    """The trees order each field's first candidates, but not the table's key (primary key
    first); no other field has the key's identity or an approved mapping moved up; a
    contested field's first candidate, whichever it is, says why the field was contested."""
    schema = canonical_targets()
    keys = [t.key for t in schema.targets]
    decider = TableDecider(
        schema, np.zeros(len(keys), dtype=int), np.zeros((5, len(keys))), {}, default_model()
    )

    def row(*pairs: tuple[str, float]) -> list[Candidate]:
        return [Candidate(target, chance, 5.0 - i) for i, (target, chance) in enumerate(pairs)]

    ranked = [
        row(("contact.contact_id", 0.11), ("contact.account_id", 0.17)),  # the key, `id`
        row(("contact.account_id", 0.09), ("contact.contact_id", 0.12)),  # `Contact__Id`
        row(("contact.first_name", 0.3), ("contact.full_name", 0.6), ("contact.owner_id", 0.7)),
        # lost contact.email to `email`, given phone: the trees find the lost one likelier
        row(("contact.phone", 0.2), ("contact.department", 0.1), ("contact.email", 0.95)),
        row(("contact.mobile_phone", 0.5), ("contact.phone", 0.1)),  # lost phone: kept
    ]
    table = ("unseen_crm", "contacts")
    taken = {table: {"contact.owner_id"}}  # approved for another field of the table
    why = {3: "contact.email goes to 'email'", 4: "contact.phone goes to 'tel'"}
    identity = keys.index("contact.contact_id")
    found = decider._likeliest_first(
        ranked, {table: [0, 1, 2, 3, 4]}, {table: "contact"}, {table: (0, identity)}, why, taken, 5
    )
    assert [[c.target for c in candidates] for candidates in found] == [
        ["contact.contact_id", "contact.account_id"],  # the key: as the assignment gave it
        ["contact.account_id", "contact.contact_id"],  # the key's identity never moves up
        ["contact.full_name", "contact.first_name", "contact.owner_id"],  # approved: last
        ["contact.email", "contact.phone", "contact.department"],
        ["contact.mobile_phone", "contact.phone"],
    ]
    assert found[2][0].note == "" and all(why[row] in found[row][0].note for row in (3, 4))
    assert found[3][0].confidence == 0.84  # what it lost: a person decides


def test_the_tables_own_entity_goes_first():
    """A contact's account reads a little more as an opportunity's: in a table decided a
    contact, the table's own ``contact.account_id`` goes first, for a person to confirm,
    and its other targets before the opportunity's; in a table decided an opportunity, the
    candidates stay in order of confidence."""
    schema = canonical_targets()
    keys = [t.key for t in schema.targets]
    decider = TableDecider(
        schema, np.zeros(len(keys), dtype=int), np.zeros((1, len(keys))), {}, default_model()
    )
    ranked = [[Candidate("opportunity.account_id", 0.9, 5.0),
               Candidate("contact.email", 0.3, 4.0),
               Candidate("contact.account_id", 0.6, 3.0)]]  # fmt: skip
    table = ("unseen_crm", "contacts")

    def offered(entity: str) -> list[Candidate]:
        return decider._likeliest_first(ranked, {table: [0]}, {table: entity}, {}, {}, {}, 5)[0]

    contact = offered("contact")
    assert [c.target for c in contact] == [
        "contact.account_id", "contact.email", "opportunity.account_id"
    ]  # fmt: skip
    assert contact[0].confidence == 0.6 and contact[0].held
    assert [c.target for c in offered("opportunity")] == [
        "opportunity.account_id", "contact.account_id", "contact.email"
    ]  # fmt: skip


@pytest.mark.parametrize(
    ("first", "order"),
    [
        # another field proposes the contact's account: for this one it comes after the free
        (("contact.account_id", 0.7), ["owner_id", "email", "phone", "account_id"]),
        # not proposed (below REVIEW), or not a key (an e-mail a second field may also hold)
        (("contact.account_id", 0.5), ["owner_id", "account_id", "email", "phone"]),
        (("contact.email", 0.9), ["owner_id", "account_id", "email", "phone"]),
    ],
)  # fmt: skip
def test_a_key_another_field_proposes_goes_after_the_free_targets(first, order):
    """A chart's ``HADM_ID`` ranks the chart's ``person_id`` second, which its
    ``SUBJECT_ID`` proposes: a table has one of each key, so its visit comes first."""
    schema = canonical_targets()
    keys = [t.key for t in schema.targets]
    decider = TableDecider(
        schema, np.zeros(len(keys), dtype=int), np.zeros((2, len(keys))), {}, default_model()
    )
    ranked = [
        [Candidate(first[0], first[1], 6.0)],
        [Candidate(f"contact.{name}", chance, 5.0 - i) for i, (name, chance) in
         enumerate([("owner_id", 0.5), ("account_id", 0.45), ("email", 0.3), ("phone", 0.2)])],
    ]  # fmt: skip
    table = ("unseen_crm", "contacts")
    found = decider._likeliest_first(ranked, {table: [0, 1]}, {table: "contact"}, {}, {}, {}, 5)
    assert [c.target for c in found[1]] == [f"contact.{name}" for name in order]


def test_a_namesake_put_first_founds_nothing(matcher):
    """A table of payments decided on little: its ``paid_at`` reads as an invoice's, and
    its namesake ``payment.paid_at`` goes first for a person; that is the table's order,
    not a third field showing it is a payment, so its fields stay held for a person (the
    review found two auto-approved when it counted)."""
    fields = _table("visits", ["paid_at", "description", "email", "clicks", "account_id"])
    fields += [SourceField("unseen_crm", "visits", "due_date", "string")]
    fields = [replace(f, type=kind) for f, kind in zip(fields, TYPES, strict=True)]
    ranked, decided = matcher.rank_tables(fields, 5)
    first = ranked[0][0]
    assert first.target == "payment.paid_at" and first.ordered and first.held
    assert decided["unseen_crm", "visits"].unfounded
    assert all(c[0].confidence < AUTO_APPROVE for c in ranked)


TYPES = ["string", "integer", "integer", "string", "string", "string"]


def test_the_first_candidate_does_not_depend_on_how_many_are_asked_for(matcher):
    """Ordering by confidence and the table's assignment read the same candidates whatever
    top_k is, so the first of top_k=1 is the first of top_k=10: target, confidence, note."""
    typed = [("id", "integer"), ("name", "string"), ("email", "string"),
             ("other_emails", "array"), ("phone", "string"), ("mobile", "string"),
             ("job_title", "string"), ("company_id", "integer"), ("language", "string"),
             ("time_zone", "string"), ("active", "boolean"), ("created_at", "timestamp"),
    ]  # fmt: skip
    fields = [  # `person`: the score and the trees differ; `time_zone`: a contest past rank 3
        *_table("deals", ["value", "person"]),
        *(SourceField("unseen_crm", "contacts", name, kind) for name, kind in typed),
    ]
    firsts = {
        top_k: [(c[0].target, c[0].confidence, c[0].note) for c in matcher.rank(fields, top_k)]
        for top_k in (1, 3, 4, 5, 10)
    }
    assert all(len(c) == 1 for c in matcher.rank(fields, top_k=1))
    assert all(found == firsts[10] for found in firsts.values())


def test_the_first_candidates_do_not_depend_on_how_many_more_are_asked_for(matcher):
    """A field's first five are the same whether five or forty are asked for: where a
    table's own targets go before other entities' and other fields' keys after the free
    ones, the deeper own ones are built as if all forty were (own_deeper)."""
    fields = [
        *_table("tickets", ["created_at", "payer", "sla", "assignee", "subject", "plan"]),
        *_table("payments", ["service", "sla", "customer", "amount", "invoice_id", "owner_id"]),
        *_table("records", ["region", "page", "deal", "title", "channel", "budget"]),
    ]

    def shown(top_k: int) -> list[list[tuple[str, float, str]]]:
        ranked = matcher.rank(fields, top_k)
        return [[(c.target, c.confidence, c.note) for c in found[:5]] for found in ranked]

    five = shown(5)
    assert shown(8) == five and shown(40) == five
    # the deeper ones were needed: a field shows a target its scores rank below fifth
    deeper = [
        {c.target for c in found[:5]} - {c.target for c in sorted(found, key=_score)[:5]}
        for found in matcher.rank(fields, 40)
    ]
    assert any(deeper)


def _score(candidate: Candidate) -> float:
    return -candidate.score


@pytest.mark.parametrize(
    ("agreed", "chance", "confidence", "held"),
    [
        (True, 0.93, 0.93, False),  # fields, key and trees agree: as sure as the trees
        (True, 0.80, 0.84, True),  # the trees unsure: a person confirms
        (False, 0.93, 0.84, True),  # the key reads as another entity: a person confirms
    ],
)
def test_a_key_given_its_identity_is_held_unless_its_table_and_the_trees_agree(
    agreed, chance, confidence, held
):
    """The key ranked a foreign key first (QuickBooks' invoice `Id` read as the account's)
    and was given its table's identity instead."""
    schema = canonical_targets()
    keys = [t.key for t in schema.targets]
    features = {name: np.zeros((1, len(keys))) for name in FEATURES}
    scores = np.zeros((1, len(keys)))
    contested = ContestedFields(scores, features, default_model(), np.argsort(-scores), keys)
    identity, foreign = keys.index("invoice.invoice_id"), keys.index("invoice.account_id")
    contest = Contest(0, foreign, identity, "primary_key")
    ranked = [Candidate("invoice.account_id", 0.46, 2.0), Candidate("invoice.invoice_id", 0.9, 1.9)]
    fields = [SourceField("books", "invoices", "Id")]
    found = contested.offered(contest, ranked, fields, chance, agreed)
    first = found[0]
    assert (first.target, first.confidence, first.held) == ("invoice.invoice_id", confidence, held)
    given = "invoice.invoice_id rather than invoice.account_id"
    trusted = f"the table's own key, reading as the invoice's id: {given}; its fields say invoice"
    assert first.note == (f"the table's own key: {given}" if held else f"{trusted} too")
    assert found[1].target == "invoice.account_id" and found[1].held
