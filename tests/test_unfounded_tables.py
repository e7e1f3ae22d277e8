"""A table nothing founds as what it was decided to be (no approved key, fewer than WITNESSES
fields of its entity) has its fields, and the references to it, held for a person however
sure the trees (dcl/matching/unfounded_tables.py)."""

from __future__ import annotations

from dataclasses import replace

import pytest

from autonomos_pipelines.dcl.matching.candidate import Candidate
from autonomos_pipelines.dcl.matching.embeddings import default_embedder
from autonomos_pipelines.dcl.matching.entity_names import named_for
from autonomos_pipelines.dcl.matching.matcher import Matcher
from autonomos_pipelines.dcl.matching.resolver import Resolution, Resolver
from autonomos_pipelines.dcl.matching.settled_keys import WITNESSES
from autonomos_pipelines.dcl.matching.source_field import SourceField
from autonomos_pipelines.dcl.matching.table_entity import TableEntity
from autonomos_pipelines.dcl.matching.targets import canonical_targets
from autonomos_pipelines.dcl.matching.thresholds import AUTO_APPROVE, CONTESTED_CEILING
from autonomos_pipelines.dcl.matching.unfounded_tables import hold_unfounded, unfounded

TAXES, INVOICES = ("bill", "taxes"), ("bill", "invoices")
DECIDED = {
    TAXES: TableEntity("account", 4.8, "contact", 3.5, 3, "id"),
    INVOICES: TableEntity("invoice", 5.5, "payment", 3.0, 6, "id"),
}
IDS = {"account": "account.account_id", "invoice": "invoice.invoice_id"}
POINTED = {"invoice.account_id": "account", "invoice.invoice_id": None}
KEY = [Candidate("account.account_id", 0.32, 1.0)]  # taxes' bare id, doubted
NAME = [Candidate("account.name", 0.95, 1.0)]  # taxes.name: the one field that says account
REFERENCE = Candidate("invoice.account_id", 0.91, 5.0, note="references taxes, decided account")
ANCHORED = replace(DECIDED[TAXES], anchored=True)  # its approved mappings name the account
ALONE = replace(DECIDED[TAXES], runner_up=None)  # a schema of one entity: nothing to mistake
GRAIN = Candidate("account.account_id", 0.6, 1.0)  # another field taken for the identity
INVOICE_KEY = [Candidate("invoice.invoice_id", 0.9, 5.0)]


# as if tax were canonical, the table called by its name
TAX = replace(DECIDED[TAXES], entity="tax", key_reads="tax", called="taxes")


def _tax_fields(*names: str) -> list[list[Candidate]]:
    return [[Candidate(f"tax.{name}", 0.9, 1.0)] for name in names]


def _account_fields(*names: str) -> list[list[Candidate]]:
    return [[Candidate(f"account.{name}", 0.9, 1.0)] for name in names]


def _source(key=KEY, said=(NAME,), key_row: int | None = 0):
    """taxes (its key, then one row per list in ``said``), then invoices (id, tax_id)."""
    fields = [SourceField(*TAXES, "id")]
    fields += [SourceField(*TAXES, f"field_{i}") for i in range(len(said))]
    fields += [SourceField(*INVOICES, "id"), SourceField(*INVOICES, "tax_id")]
    ranked = [list(key), *(list(s) for s in said), INVOICE_KEY, [REFERENCE]]
    taxes = list(range(len(said) + 1))
    tables = {TAXES: taxes, INVOICES: [len(taxes), len(taxes) + 1]}
    return fields, ranked, tables, [key_row, len(taxes)]


def _why(key=KEY, said=(NAME,), key_row: int | None = 0, decided=DECIDED, grains=(), ids=IDS):
    fields, ranked, tables, keys = _source(key, said, key_row)
    return unfounded(ranked, fields, tables, decided, keys, ids, grains)


def test_a_table_with_a_doubted_key_and_one_field_of_its_entity_is_unfounded():
    assert _why() == {
        TAXES: "decided account on little (its key 'id' is account.account_id at only 0.32; "
        "1 of its fields map to account, fewer than 3)"
    }  # invoices: its key approved as the invoice's id


@pytest.mark.parametrize(
    ("why", "change"),
    [
        ("its key approved", {"key": [replace(KEY[0], confidence=AUTO_APPROVE)]}),
        ("witnesses", {"said": _account_fields(*("name", "phone", "website")[:WITNESSES])}),
        ("its approved mappings", {"decided": {**DECIDED, TAXES: ANCHORED}}),
        # a field taken for the identity at review, where the identity is a time series' date
        ("its grain", {"said": [[GRAIN]], "grains": {"account.account_id"}}),
        ("one entity in all", {"decided": {**DECIDED, TAXES: ALONE}}),
        # a small table the source names for its entity, its fields mostly the entity's
        ("its name", {"decided": {**DECIDED, TAXES: TAX}, "said": _tax_fields("name", "rate")}),
    ],
)  # fmt: skip
def test_a_table_something_founds_is_not_unfounded(why, change):
    assert TAXES not in _why(**change, ids={**IDS, "tax": "tax.tax_id"}), why


@pytest.mark.parametrize(
    ("why", "decided", "said"),
    [
        # a ledger's chart of accounts: named for the entity, most of its fields no account's
        ("most fields are not the entity's", TAX, [*_tax_fields("name", "rate"), [], [], []]),
        ("one field of the entity", TAX, _tax_fields("name")),
        ("its key reads as another", replace(TAX, key_reads="user"), _tax_fields("name", "rate")),
        ("not called by its name", replace(TAX, called=""), _tax_fields("name", "rate")),
    ],
)  # fmt: skip
def test_a_name_founds_only_a_small_table_wholly_of_its_entity(why, decided, said):
    found = _why(said=said, decided={**DECIDED, TAXES: decided}, ids={**IDS, "tax": "tax.tax_id"})
    assert TAXES in found, why


@pytest.mark.parametrize(
    ("table", "entity", "named"),
    [
        ("accounts", "account", True),
        ("Users", "user", True),
        ("public.invoices", "invoice", True),
        ("opportunities", "opportunity", True),
        ("WebTraffic", "web_traffic", True),
        ("cloud_costs", "cloud_cost", True),
        ("merchant_accounts", "account", False),  # a lookup table whose last word is one
        ("account_types", "account", False),
        ("deal_stages", "opportunity", False),
        ("accounts__contacts", "contact", False),  # a list nested in the accounts
        ("customers", "account", False),  # the source's word is not the entity's
        ("stg_accounts", "account", False),
        ("accounts.csv", "account", False),
        ("Deals", "opportunity", True),  # the model's other names for it
        ("people", "contact", True),
        ("organisations", "account", True),
        ("hubspot.companies", "account", True),
        ("deal_stages", "opportunity", False),
        ("people", "user", False),
        ("客户", "account", False),  # a name with no letter of the entity's names
        ("--", "account", False),
    ],
)  # fmt: skip
def test_a_table_is_named_for_its_entity_by_its_own_name_or_another_the_model_gives_it(
    table, entity, named
):
    assert named_for(table, *canonical_targets().names_of(entity)) is named


@pytest.mark.parametrize(
    ("key", "said", "key_row", "read"),
    [
        ([Candidate("contact.contact_id", 0.95, 1.0)], (NAME,), 0, "is not account.account_id"),
        ([], (NAME,), None, "no key among the fields weighed"),
        # a link or history table's `account_id`, no key of its own: no date, no grain
        ([], ([GRAIN], NAME), None, "no key among the fields weighed"),
        ([replace(KEY[0], confidence=0.84)], (NAME,), 0, "at only 0.84"),  # a key: approved
        (KEY, _account_fields(*["name"] * WITNESSES), 0, "0.32"),  # one target: one witness
    ],
)  # fmt: skip
def test_what_does_not_found_a_table(key, said, key_row, read):
    assert read in _why(key, said, key_row)[TAXES]


def test_an_unfounded_tables_fields_and_references_to_it_go_to_a_person_and_say_why():
    fields, ranked, tables, keys = _source()
    why = unfounded(ranked, fields, tables, DECIDED, keys, IDS)
    held = hold_unfounded(ranked, [(0, 3)], tables, DECIDED, POINTED, why)
    name, reference = held[1][0], held[3][0]
    assert (name.target, name.confidence, name.held) == ("account.name", CONTESTED_CEILING, True)
    assert name.note == f"the table is {why[TAXES]}; a person confirms"
    assert name.unfounded and not NAME[0].unfounded  # counted for the Dagster UI
    assert (reference.target, reference.confidence, reference.held) == (
        "invoice.account_id",
        CONTESTED_CEILING,
        True,
    )
    assert reference.note == (
        f"references taxes, {why[TAXES]}: what invoice.account_id points at; a person confirms"
    )
    assert held[0] == KEY and held[2] == INVOICE_KEY  # below approval, or founded: as they were


def test_a_reference_in_review_to_an_unfounded_table_keeps_its_confidence_and_says_why():
    fields, ranked, tables, keys = _source()
    why = unfounded(ranked, fields, tables, DECIDED, keys, IDS)
    doubted = replace(REFERENCE, confidence=0.7)
    ranked[3] = [doubted]
    (first,) = hold_unfounded(ranked, [(0, 3)], tables, DECIDED, POINTED, why)[3]
    assert (first.confidence, first.held, first.unfounded) == (0.7, False, False)
    assert first.note == (
        f"references taxes, {why[TAXES]}: what invoice.account_id points at, a person confirms"
    )


def test_a_reference_to_another_entity_or_a_founded_table_keeps_its_confidence():
    fields, ranked, tables, keys = _source()
    why = unfounded(ranked, fields, tables, DECIDED, keys, IDS)
    elsewhere = replace(REFERENCE, target="invoice.invoice_id")
    ranked[3] = [elsewhere]
    assert hold_unfounded(ranked, [(0, 3)], tables, DECIDED, POINTED, why)[3] == [elsewhere]
    ranked[3] = [REFERENCE]
    assert hold_unfounded(ranked, [(0, 3)], tables, DECIDED, POINTED, {})[3] == [REFERENCE]


@pytest.fixture(scope="module")
def resolver():
    return Resolver(Matcher(canonical_targets(), default_embedder()))


def _resolve(
    resolver, system: str, tables: dict[str, list[str]]
) -> dict[tuple[str, str], Resolution]:
    fields = [SourceField(system, t, n, "string") for t, names in tables.items() for n in names]
    return {
        (r.field.source_entity, r.field.field): r
        for r in resolver.resolve(fields)  # the real matcher, on sources it has never seen
    }


INVOICES_FIELDS = ["id", "number", "total", "status", "tax_id", "due_date"]


def test_a_lookup_table_and_its_reference_are_not_auto_approved_onto_the_account(resolver):
    """`taxes` (id, name, rate) leans to the account through its `name`: the name went to
    `account.name` at 0.95 and `invoices.tax_id` to the invoice's account at 0.91."""
    found = _resolve(
        resolver, "bill", {"taxes": ["id", "name", "rate"], "invoices": INVOICES_FIELDS}
    )
    for field in (("taxes", "name"), ("invoices", "tax_id")):
        assert found[field].status != "auto_approved", field
    assert found["invoices", "tax_id"].reason.startswith(
        "references taxes, decided account on little"
    )
    assert found["invoices", "status"].status == "auto_approved"  # the invoices: founded
    taxes, invoices = found["taxes", "name"].table, found["invoices", "status"].table
    assert taxes is not None and invoices is not None  # what a reviewer reads of each table
    assert taxes.why.endswith("fewer than 3): its fields wait for a person")
    assert taxes.unfounded.startswith("decided account on little") and not invoices.unfounded


def test_a_help_desks_departments_are_no_accounts(resolver):
    tables = {
        "tickets": ["id", "subject", "status", "priority", "departmentId", "createdTime"],
        "departments": ["id", "name", "description", "isEnabled"],
    }
    found = _resolve(resolver, "desk", tables)
    assert {found["departments", n].status for n in tables["departments"]} <= {
        "pending_review",
        "unmapped",
    }
    assert found["tickets", "subject"].status == "auto_approved"


def test_a_customer_reference_beside_a_real_customers_table_is_still_approved(resolver):
    """The customers' bare `id` is doubted (0.26), but their name, phone and creation time
    are an account's: the table is founded, and so is the reference to it."""
    customers = ["id", "email", "name", "phone", "created_at", "currency"]
    invoices = ["id", "number", "total", "status", "customer_id", "due_date"]
    found = _resolve(resolver, "bill", {"customers": customers, "invoices": invoices})
    reference = found["invoices", "customer_id"]
    assert (reference.mapping, reference.status) == ("invoice.account_id", "auto_approved")
    assert found["customers", "phone"].status == "auto_approved"


@pytest.mark.parametrize(
    ("table", "fields", "status"),
    [
        ("accounts", ["id", "name", "website"], "auto_approved"),
        ("companies", ["id", "name", "domain"], "auto_approved"),  # the model's other name
        ("vendors", ["id", "name", "domain"], "pending_review"),  # no name of the account's
    ],
)  # fmt: skip
def test_a_small_table_named_for_its_entity_is_founded(resolver, table, fields, status):
    """`accounts (id, name, website)`: its key doubted (0.78), two fields of the account;
    the source's name for it (the entity's own, or another the canonical model gives it)
    says what it is, and the invoices' reference to it is founded with it. The same fields
    under any other word wait for a person."""
    found = _resolve(resolver, "app", {table: fields, "invoices": INVOICES_FIELDS})
    last = found[table, fields[-1]]
    assert last.status == status
    assert last.table is not None and bool(last.table.unfounded) is (status != "auto_approved")


def test_a_time_series_is_founded_by_its_date_whatever_its_few_metrics(resolver):
    """`web_traffic.date` is the entity's identity, held for a person like any; taken for it,
    it founds a daily table of two metrics, which are approved as ever."""
    tables = {"ga_daily": ["date", "sessions", "pageviews"]}
    found = _resolve(resolver, "ga", tables)
    assert found["ga_daily", "sessions"].status == "auto_approved"


def test_a_field_added_to_a_lookup_table_waiting_for_a_person_waits_too(resolver):
    """Fields of the table waiting for a person (or unmapped) found nothing: a field drift
    adds to `deal_stages` is held as the table's first fields were."""
    first = [SourceField("crm", "deal_stages", n, "string") for n in ("id", "name", "position")]
    added = [SourceField("crm", "deal_stages", "probability", "integer")]
    (found,) = resolver.resolve(added, observed={("crm", "deal_stages"): first})
    assert found.mapping == "opportunity.probability" and found.status == "pending_review"
    assert found.table is not None and "decided opportunity on little" in found.table.why
    if found.candidates[0].unfounded:  # held where it would be approved: its reason says why
        assert "decided opportunity on little" in found.reason


def test_a_reference_to_an_unfounded_table_is_not_settled(resolver):
    """`contacts.company_id` beside `companies (id, name)`: the structure would settle it
    onto the contact's account at 0.9, but nothing founds the companies as accounts."""
    tables = {"contacts": ["id", "first_name", "last_name", "email", "company_id"]}
    found = _resolve(resolver, "crm", {**tables, "companies": ["id", "name"]})
    reference = found["contacts", "company_id"]
    assert reference.status != "auto_approved"
    assert not (reference.candidates and reference.candidates[0].settled)
    # in review on its own evidence, its reason says what a person weighs
    assert reference.reason.startswith("references companies, decided account on little")
    assert reference.reason.endswith("points at, a person confirms")
