"""What the other tables of a source say a table is (dcl/matching/table_references.py): a
table named for what its source calls it is decided by what references it."""

from __future__ import annotations

import pytest

from autonomos_pipelines.dcl.matching.candidate import Candidate
from autonomos_pipelines.dcl.matching.embeddings import default_embedder
from autonomos_pipelines.dcl.matching.matcher import Matcher
from autonomos_pipelines.dcl.matching.source_field import SourceField
from autonomos_pipelines.dcl.matching.table_decision import TableDecider
from autonomos_pipelines.dcl.matching.table_entity import tables_of
from autonomos_pipelines.dcl.matching.table_references import pointed_at, references
from autonomos_pipelines.dcl.matching.targets import canonical_targets
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


XERO_CONTACTS = ["ContactID", "Name", "FirstName", "EmailAddress", "Website", "TaxNumber"]


def test_a_table_its_invoices_bill_is_an_account_whatever_its_name(matcher):
    """Xero's `contacts` are the companies it bills: their fields alone read as people; the
    invoices' reference to them is the invoice's account."""
    contacts = _fields("books", "contacts", XERO_CONTACTS)
    invoices = _fields("books", "invoices", ["InvoiceID", "Contact__ContactID", "Total", "Status"])
    _, alone = matcher.rank_tables(contacts)
    assert alone["books", "contacts"].entity == "contact"
    ranked, decided = matcher.rank_tables(contacts + invoices)
    table = decided["books", "contacts"]
    assert table.entity == "account"
    assert "referenced by invoices.Contact__ContactID as invoice.account_id" in table.why
    assert ranked[XERO_CONTACTS.index("Website")][0].target == "account.website"


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
