"""What the other tables of a source say a table is (dcl/matching/table_references.py): a
table named for what its source calls it is decided by what references it."""

from __future__ import annotations

import pytest

from autonomos_pipelines.dcl.matching import table_references as table_references_module
from autonomos_pipelines.dcl.matching.candidate import Candidate
from autonomos_pipelines.dcl.matching.embeddings import default_embedder
from autonomos_pipelines.dcl.matching.foreign_keys import pointed_at
from autonomos_pipelines.dcl.matching.matcher import Matcher
from autonomos_pipelines.dcl.matching.source_field import SourceField
from autonomos_pipelines.dcl.matching.table_decision import TableDecider
from autonomos_pipelines.dcl.matching.table_entity import tables_of
from autonomos_pipelines.dcl.matching.table_references import references
from autonomos_pipelines.dcl.matching.targets import Target, TargetSchema, canonical_targets
from autonomos_pipelines.dcl.matching.thresholds import AUTO_APPROVE


def test_foreign_keys_point_at_the_entity_their_name_or_description_names():
    schema = canonical_targets()
    pointed = dict(zip([t.key for t in schema.targets], pointed_at(schema).tolist(), strict=True))
    entity = {key: schema.entities[i] if i >= 0 else None for key, i in pointed.items()}
    assert entity["invoice.account_id"] == "account"
    assert entity["opportunity.primary_contact_id"] == "contact"  # named before "id"
    assert entity["opportunity.owner_id"] == "user"  # "the internal user who owns the deal"
    assert entity["account.parent_account_id"] == "account"
    assert entity["account.account_id"] is None  # an identity is no foreign key
    assert entity["invoice.total_amount"] is None


def test_a_foreign_key_names_an_entity_of_several_words():
    schema = TargetSchema(
        (
            Target("visit_occurrence", "visit_occurrence_id", "integer", "The visit."),
            Target("visit_detail", "visit_detail_id", "integer", "A part of a visit."),
            Target("visit_detail", "visit_occurrence_id", "integer", "Its parent."),
            Target("visit_detail", "preceding_visit_detail_id", "integer", "The one before."),
            Target("visit_detail", "occurrence_id", "integer", "Unrelated."),
        ),
        {"visit_occurrence": "A visit: a stay.", "visit_detail": "A part of a visit."},
    )
    pointed = [schema.entities[i] if i >= 0 else None for i in pointed_at(schema).tolist()]
    assert pointed == [None, None, "visit_occurrence", "visit_detail", None]


def _fields(system: str, table: str, names: list[str]) -> list[SourceField]:
    return [SourceField(system, table, name, "string") for name in names]


def test_references_are_other_tables_fields_named_for_the_table():
    fields = [
        *_fields("books", "contacts", ["ContactID", "Name"]),
        *_fields("books", "invoices", ["InvoiceID", "Contact__ContactID", "customer_id"]),
        *_fields("books", "invoices__lines", ["contact_id"]),  # nested: references, never one
        *_fields("other", "payments", ["contact_id"]),  # another source's
    ]
    rows = list(tables_of(fields).values())
    assert references(fields, rows) == [(0, 3), (0, 5)]
    twice = [*fields, *_fields("books", "Contact", ["id"])]  # two tables, one name: neither
    assert references(twice, list(tables_of(twice).values())) == []


@pytest.fixture(scope="module")
def matcher():
    return Matcher(canonical_targets(), default_embedder())


CUSTOMERS = ["id", "name", "email", "marketing_consent", "status", "locale", "created_at"]


def test_a_table_its_subscriptions_bill_is_an_account_whatever_its_name(matcher):
    """A billing system's `customers` hold a name and one e-mail, which read as a person as
    well as a company; its subscriptions and invoices reference them as their account."""
    customers = _fields("billing", "customers", CUSTOMERS)
    subscriptions = _fields("billing", "subscriptions", ["id", "customer_id", "status"])
    invoices = _fields("billing", "invoices", ["id", "customer_id", "total", "due_date"])
    assert matcher.rank_tables(customers)[1]["billing", "customers"].entity == "contact"
    _, decided = matcher.rank_tables(customers + subscriptions + invoices)
    table = decided["billing", "customers"]
    assert table.entity == "account"
    assert "subscriptions.customer_id as subscription.account_id" in table.why
    assert "invoices.customer_id as invoice.account_id" in table.why


def test_a_target_of_another_entity_than_the_tables_is_never_automatic():
    """It would make the table feed a second canonical table: a person decides."""
    found = [Candidate("contact.email", 0.97, 5.0, {}), Candidate("account.name", 0.9, 4.0, {})]
    first, second = TableDecider._off_entity(found, "account")
    assert first.confidence < AUTO_APPROVE and "the table is account" in first.note
    assert second.confidence == 0.9 and not second.note


def test_a_reference_named_for_an_entity_takes_that_entitys_key(matcher):
    """A deal's `user_id` is its owner, a user: the users table stays users, though the deal's
    first foreign key by score is its account."""
    users = _fields("crm", "users", ["id", "first_name", "email", "date_created"])
    deals = _fields("crm", "opportunities", ["id", "user_id", "lead_id", "value", "status"])
    _, decided = matcher.rank_tables(users + deals)
    assert decided["crm", "users"].entity == "user"
    assert "opportunities.user_id as opportunity.owner_id" in decided["crm", "users"].why


def test_a_reference_named_by_another_word_for_an_entity_takes_that_entitys_key(matcher):
    """Pipedrive's `deals.person_id`: `person` is a word the canonical model gives the contact
    (`also_called`), so the reference is the deal's primary contact, and its `persons` a
    contact's, not the users its fields alone lean to."""
    persons = _fields("crm", "persons", ["id", "name", "email", "org_id"])
    deals = _fields("crm", "deals", ["id", "title", "value", "org_id", "person_id", "stage_id"])
    _, decided = matcher.rank_tables(persons + deals)
    assert decided["crm", "persons"].entity == "contact"
    assert "deals.person_id as opportunity.primary_contact_id" in decided["crm", "persons"].why


def test_a_helpdesk_contact_a_ticket_references_stays_a_person(matcher):
    """A ticket's `contact_id` is its requester (a person), not its account: a ticket keys no
    contact by name, and a reference named for an entity its table has no key for says
    nothing, so the people stay people."""
    contacts = _fields("desk", "contacts", ["id", "name", "email", "phone"])
    tickets = _fields("desk", "tickets", ["id", "contact_id", "subject", "status", "priority"])
    _, decided = matcher.rank_tables(contacts + tickets)
    assert decided["desk", "contacts"].entity == "contact"
    assert "ticket.requester_id" in decided["desk", "contacts"].why


def test_a_sources_tables_are_read_together_in_any_order(matcher, monkeypatch):
    """References are read per chunk of fields: a source's tables share one, whatever order
    its tables come in among other sources' (here one table per chunk at most)."""
    from autonomos_pipelines.dcl.matching import matcher as matcher_module

    monkeypatch.setattr(matcher_module, "CHUNK", 8)
    users = _fields("crm", "users", ["id", "first_name", "email", "date_created"])
    others = _fields("erp", "ledger", ["id", "amount", "posted_at", "memo"])
    deals = _fields("crm", "opportunities", ["user_id", "value", "status", "close_date"])
    _, decided = matcher.rank_tables(users + others + deals)
    assert "opportunities.user_id" in decided["crm", "users"].why


def test_a_sources_tables_are_read_together_whatever_other_source_is_ranked_first(
    matcher, monkeypatch
):
    """A source whose tables fit a chunk never straddles two because another source filled
    part of one first: a field is decided alike in any mapping pass (decision_parts)."""
    from autonomos_pipelines.dcl.matching import matcher as matcher_module

    monkeypatch.setattr(matcher_module, "CHUNK", 8)
    before = _fields("billing", "plans", ["id", "name", "price"])  # 'billing' < 'crm'
    users = _fields("crm", "users", ["id", "first_name", "email", "date_created"])
    deals = _fields("crm", "opportunities", ["user_id", "value", "status", "close_date"])
    alone = matcher.rank_tables(users + deals)
    beside = matcher.rank_tables(before + users + deals)
    assert "opportunities.user_id" in beside[1]["crm", "users"].why
    assert [[c.target for c in cs] for cs in beside[0][3:]] == [
        [c.target for c in cs] for cs in alone[0]
    ]


DOCUMENT_FIELDS = [
    ("number", "string", "Document number shown to the customer"),
    ("status", "string", "Status of the document"),
    ("currency", "string", "Three-letter currency code"),
    ("total", "decimal", "Total amount"),
    ("created", "timestamp", "When it was created"),
    ("customer", "string", "Customer the document belongs to"),
]
PAYMENT_KEY = "Unique identifier of the payment received from the customer"


def _documents(key: str, declared: bool = False) -> list[SourceField]:
    own = SourceField("shop", "documents", key, "string", PAYMENT_KEY, primary_key=declared)
    return [own] + [SourceField("shop", "documents", n, t, d) for n, t, d in DOCUMENT_FIELDS]


def test_the_tables_own_key_says_what_the_table_is(matcher, monkeypatch):
    """A table of numbered documents with a status, currency and total reads as invoices;
    its own key's description says each row is a payment (key_leads), and its fields follow."""
    ranked, decided = matcher.rank_tables(_documents("id"))
    assert decided["shop", "documents"].entity == "payment"
    assert decided["shop", "documents"].why.endswith(
        "its key 'id' is the payment's id and reads as one"
    )
    assert [r[0].target for r in ranked][:4:2] == ["payment.payment_id", "payment.status"]
    monkeypatch.setattr(table_references_module, "KEY_LEAD", 0.0)
    unled = matcher.rank_tables(_documents("id"))[1]["shop", "documents"]
    assert unled.entity == "invoice"
    assert "though it reads most as the payment's" in unled.why  # what a person sees


def test_a_declared_primary_key_is_the_tables_key_whatever_its_name(matcher):
    """``ref`` is no key by its name; declared the table's primary key (a database's
    constraint, a connector spec's key), it is, and says what the table is."""
    undeclared = matcher.rank_tables(_documents("ref"))[1]["shop", "documents"]
    assert undeclared.key is None and undeclared.entity == "invoice"
    declared = matcher.rank_tables(_documents("ref", declared=True))[1]["shop", "documents"]
    assert declared.key == "ref" and declared.entity == "payment"
