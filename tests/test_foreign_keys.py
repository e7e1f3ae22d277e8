"""Foreign keys by what they point at: a field that references another table of its source
(declared, or named for it) takes the key that points at what that table was decided to be,
not its own table's identity."""

from __future__ import annotations

import numpy as np
import pytest

from autonomos_pipelines.core.errors import InputRefused, SpecError
from autonomos_pipelines.dcl.matching.embeddings import default_embedder
from autonomos_pipelines.dcl.matching.foreign_keys import reference_fit
from autonomos_pipelines.dcl.matching.matcher import Matcher
from autonomos_pipelines.dcl.matching.source_field import SourceField
from autonomos_pipelines.dcl.matching.table_entity import tables_of
from autonomos_pipelines.dcl.matching.table_references import references
from autonomos_pipelines.dcl.matching.targets import canonical_targets


def _fields(system: str, table: str, names: list[str]) -> list[SourceField]:
    return [SourceField(system, table, name, "string") for name in names]


@pytest.fixture(scope="module")
def matcher():
    return Matcher(canonical_targets(), default_embedder())


def test_a_reference_raises_the_keys_to_its_tables_entity_and_lowers_identities():
    # targets: 0 identity of entity 0, 1 a key to entity 1, 2 a key to entity 2, 3 plain
    pointed = np.array([-1, 1, 2, -1])
    identity = np.array([True, False, False, False])
    # row 1 references table 5, decided entity 2; rows 0 and 2 reference nothing
    fit = reference_fit([(5, 1)], np.array([0, 0, 0, 0, 0, 2]), pointed, identity, 3)
    assert fit.tolist() == [[0, 0, 0, 0], [-1, 0, 1, 0], [0, 0, 0, 0]]


def test_a_declared_foreign_key_is_a_reference_whatever_its_name():
    fields = [
        *_fields("books", "organisations", ["id", "name"]),
        SourceField("books", "invoices", "payer_ref", references=" Organisations "),
        SourceField("books", "invoices", "contact_id", references="organisations"),
        SourceField("books", "invoices", "owner", references="users"),  # not among the tables
        SourceField("other", "payments", "payer", references="organisations"),  # another source
    ]
    # the declaration wins over the name: contact_id references organisations, not contacts
    assert references(fields, list(tables_of(fields).values())) == [(0, 2), (0, 3)]


def test_a_tables_own_key_and_a_blank_declaration_are_read_as_they_are():
    fields = [
        *_fields("db", "companies", ["id", "name"]),
        # a one-to-one extension's key, declared a key to companies: its own key all the same
        SourceField("db", "company_profiles", "id", references="companies"),
        SourceField("db", "company_profiles", "tagline"),
        SourceField("db", "people", "company_id", references="  "),  # blank: read by name
    ]
    assert references(fields, list(tables_of(fields).values())) == [(0, 4)]
    # as a database declares it: the primary key too (dlt reflects both constraints)
    fields[2] = SourceField(
        "db", "company_profiles", "id", references="companies", primary_key=True
    )
    assert references(fields, list(tables_of(fields).values())) == [(0, 4)]


def test_a_declared_name_matches_its_table_exactly_or_by_a_casing_only_one_table_has():
    fields = [
        *_fields("db", "Users", ["id"]),
        *_fields("db", "users", ["id"]),
        *_fields("db", "Teams", ["id"]),
        SourceField("db", "tickets", "assignee", references="users"),  # exact: the second
        SourceField("db", "tickets", "agent", references="USERS"),  # two casings: neither
        SourceField("db", "tickets", "team", references="teams"),  # one casing: Teams
    ]
    assert references(fields, list(tables_of(fields).values())) == [(1, 3), (2, 5)]


def test_a_declared_reference_votes_whatever_its_name_says(matcher):
    """`invoices.contact_id` declared a key to `organisations`: the name's entity (contact)
    has no key on an invoice, yet the declaration says what it points at."""
    organisations = _fields("books", "organisations", ["id", "name", "website"])
    invoices = [
        *_fields("books", "invoices", ["number", "amount", "due_date"]),
        SourceField("books", "invoices", "contact_id", "string", references="organisations"),
    ]
    _, decided = matcher.rank_tables(organisations + invoices)
    assert "invoices.contact_id as invoice.account_id" in decided["books", "organisations"].why


def test_a_field_named_for_another_table_takes_the_key_to_what_it_is(matcher):
    """`people.company_id`: the companies are accounts, so it is the contact's account, not
    the person's own id (ranked first before foreign keys followed their tables)."""
    companies = _fields("crm", "companies", ["id", "name", "domain", "industry"])
    people = _fields("crm", "people", ["id", "company_id", "first_name", "last_name", "email"])
    ranked, decided = matcher.rank_tables(companies + people)
    assert decided["crm", "companies"].entity == "account"
    first = ranked[len(companies) + 1][0]
    assert first.target == "contact.account_id"
    assert first.features["reference_fit"] == 1.0
    assert first.note == "references companies, decided account: contact.account_id points at it"
    assert "people.company_id as contact.account_id" in decided["crm", "companies"].why


def test_a_declared_reference_takes_the_key_to_what_its_table_is(matcher):
    organisations = _fields("books", "organisations", ["id", "name", "website"])
    invoices = [
        *_fields("books", "invoices", ["number", "amount", "due_date"]),
        SourceField("books", "invoices", "payer_ref", "string", references="organisations"),
    ]
    ranked, _ = matcher.rank_tables(organisations + invoices)
    assert ranked[-1][0].target == "invoice.account_id"
    undeclared = [*invoices[:-1], SourceField("books", "invoices", "payer_ref", "string")]
    ranked, _ = matcher.rank_tables(organisations + undeclared)
    assert ranked[-1][0].target != "invoice.account_id"  # nothing else says what it is


@pytest.mark.parametrize(
    "line, problem",
    [
        ({"references": 7}, "'references' must be a string"),
        ({"primary_key": "yes"}, "'primary_key' must be true or false"),
        ({"references": "x" * 10_000}, "'references' is 10,000 characters"),
    ],
)
def test_a_declared_reference_in_a_mapping_request_is_checked(line, problem):
    row = {"source_system": "db", "source_entity": "orders", "field": "customer", **line}
    with pytest.raises((SpecError, InputRefused), match=r"fields\[3\]: " + problem):
        SourceField.from_json(row, "fields[3]")


def test_a_declared_reference_is_read_from_a_mapping_request():
    row = {"source_system": "db", "source_entity": "orders", "field": "customer",
           "references": "customers"}  # fmt: skip
    assert SourceField.from_json(row, "fields[0]").references == "customers"
    blank = {**row, "references": "  "}
    assert SourceField.from_json(blank, "fields[0]").references is None  # read by name
    assert not SourceField.from_json(row, "fields[0]").primary_key
    assert SourceField.from_json({**row, "primary_key": True}, "fields[0]").primary_key
    assert not SourceField.from_json({**row, "primary_key": None}, "fields[0]").primary_key
