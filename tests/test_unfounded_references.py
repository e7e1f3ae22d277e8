"""A reference to a table whose own key is no entity's id a person would be shown is held for
a person, however sure the trees (dcl/matching/unfounded_references.py)."""

from __future__ import annotations

from dataclasses import replace

import pytest

from autonomos_pipelines.dcl.matching.candidate import Candidate
from autonomos_pipelines.dcl.matching.embeddings import default_embedder
from autonomos_pipelines.dcl.matching.matcher import Matcher
from autonomos_pipelines.dcl.matching.resolver import Resolver
from autonomos_pipelines.dcl.matching.settled_keys import WITNESSES
from autonomos_pipelines.dcl.matching.source_field import SourceField
from autonomos_pipelines.dcl.matching.table_entity import TableEntity
from autonomos_pipelines.dcl.matching.targets import canonical_targets
from autonomos_pipelines.dcl.matching.thresholds import AUTO_APPROVE, CONTESTED_CEILING, REVIEW
from autonomos_pipelines.dcl.matching.unfounded_references import hold_unfounded

TAXES, INVOICES = ("bill", "taxes"), ("bill", "invoices")
DECIDED = {
    TAXES: TableEntity("account", 4.8, "contact", 3.5, 3, "id"),
    INVOICES: TableEntity("invoice", 5.5, "payment", 3.0, 6, "id"),
}
POINTED = {"invoice.account_id": "account", "invoice.invoice_id": None, "account.account_id": None}
IDS = {"account": "account.account_id", "invoice": "invoice.invoice_id"}
REFERENCE = Candidate("invoice.account_id", 0.91, 5.0, note="references taxes, decided account")
READS = Candidate("account.account_id", REVIEW, 1.0)  # taxes' key, read as an account's id
NAME = [Candidate("account.name", 0.95, 1.0)]  # taxes.name, the one field that says account


def _account_fields(*names: str) -> list[list[Candidate]]:
    return [[Candidate(f"account.{name}", 0.9, 1.0)] for name in names]


def _hold(taxes_key, reference=REFERENCE, key_rows=(0, 1), said=(NAME,)):
    """taxes (its key, then one row per list in ``said``) and invoices (id, tax_id)."""
    fields = [SourceField(*TAXES, "id"), SourceField(*INVOICES, "id")]
    fields += [SourceField(*INVOICES, "tax_id")]
    fields += [SourceField(*TAXES, f"field_{i}") for i in range(len(said))]
    tables = {TAXES: [0, *range(3, 3 + len(said))], INVOICES: [1, 2]}
    ranked = [taxes_key, [Candidate("invoice.invoice_id", 0.9, 5.0)], [reference], *said]
    found = [(0, 2)]  # tax_id references table 0, taxes
    return hold_unfounded(ranked, found, fields, tables, DECIDED, key_rows, POINTED, IDS)


def test_a_reference_to_a_table_whose_key_is_no_id_goes_to_a_person_and_says_why():
    held = _hold([Candidate("account.account_id", 0.32, 1.0)])[2][0]
    assert (held.target, held.confidence, held.held) == (
        "invoice.account_id",
        CONTESTED_CEILING,
        True,
    )
    assert held.confidence < AUTO_APPROVE and not held.settled
    assert held.note == (
        "references taxes, decided account on little: its own key 'id' reads as "
        "account.account_id 0.32, and 1 of its fields map to account (fewer than 3); what "
        "invoice.account_id points at, a person confirms"
    )


@pytest.mark.parametrize(
    ("why", "key", "reference", "key_rows"),
    [
        ("the key reads as the account's id", [READS], REFERENCE, (0, 1)),
        ("a capped key", [replace(READS, confidence=0.84, held=True)], REFERENCE, (0, 1)),
        ("the reference is not approved", [], replace(REFERENCE, confidence=0.84), (0, 1)),
        ("a key to another entity", [], replace(REFERENCE, target="invoice.invoice_id"), (0, 1)),
        ("the key is not ranked here", [], REFERENCE, (None, 1)),
    ],
)  # fmt: skip
def test_a_reference_to_a_founded_table_keeps_its_confidence(why, key, reference, key_rows):
    assert _hold(key, reference, key_rows)[2] == [reference], why


def test_witnesses_among_the_referenced_tables_fields_found_it_whatever_its_key():
    """A customers table whose bare `id` the trees doubt, but whose name, phone and creation
    time are an account's: as for a settled key, WITNESSES distinct targets of the entity."""
    doubted = [Candidate("account.account_id", 0.26, 1.0)]
    fields = ("name", "phone", "created_at", "website")[:WITNESSES]
    assert _hold(doubted, said=_account_fields(*fields))[2] == [REFERENCE]
    fewer = _account_fields(*fields[: WITNESSES - 1])
    assert _hold(doubted, said=fewer)[2][0].held
    echoes = _account_fields(*["name"] * WITNESSES)  # one target, many fields: one witness
    assert _hold(doubted, said=echoes)[2][0].held


@pytest.mark.parametrize(
    "key",
    [
        [],  # nothing ranked for the key
        [Candidate("account.name", 0.95, 1.0)],  # not an id at all
        [Candidate("contact.contact_id", 0.95, 1.0)],  # another entity's id
        [Candidate("account.account_id", REVIEW - 0.01, 1.0)],  # below review
    ],
)
def test_a_key_that_does_not_read_as_the_decided_entitys_id_holds_the_reference(key):
    assert _hold(key)[2][0].held


@pytest.fixture(scope="module")
def resolver():
    return Resolver(Matcher(canonical_targets(), default_embedder()))


def _source(tables: dict[str, list[str]]) -> list[SourceField]:
    return [SourceField("bill", t, n, "string") for t, names in tables.items() for n in names]


INVOICE_FIELDS = ["id", "number", "total", "status", "tax_id", "due_date"]


def test_a_lookup_tables_reference_is_not_auto_approved_onto_the_account(resolver):
    """The real matcher: `taxes` (id, name, rate) leans to the account through its `name`,
    and `invoices.tax_id` pointed at it was auto-approved as the invoice's account."""
    fields = _source({"taxes": ["id", "name", "rate"], "invoices": INVOICE_FIELDS})
    tax_id = resolver.resolve(fields)[3 + INVOICE_FIELDS.index("tax_id")]
    assert tax_id.field.field == "tax_id"
    assert tax_id.status != "auto_approved"
    assert tax_id.reason.startswith("references taxes, decided account on little")


def test_a_customer_reference_beside_a_real_customers_table_is_still_approved(resolver):
    customers = ["id", "email", "name", "phone", "created_at", "currency"]
    invoices = ["id", "number", "total", "status", "customer_id", "due_date"]
    fields = _source({"customers": customers, "invoices": invoices})
    customer_id = resolver.resolve(fields)[len(customers) + invoices.index("customer_id")]
    assert (customer_id.mapping, customer_id.status) == ("invoice.account_id", "auto_approved")
