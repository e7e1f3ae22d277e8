"""A reference its source's structure settles is approved without a person; one that any of
the structure leaves open is not (dcl/matching/settled_references.py)."""

from __future__ import annotations

from dataclasses import replace

import pytest

from autonomos_pipelines.dcl.matching.candidate import Candidate, held
from autonomos_pipelines.dcl.matching.embeddings import default_embedder
from autonomos_pipelines.dcl.matching.foreign_keys import pointed_at
from autonomos_pipelines.dcl.matching.matcher import Matcher
from autonomos_pipelines.dcl.matching.resolver import Resolver
from autonomos_pipelines.dcl.matching.settled_references import (
    ForeignKeys,
    names_only,
    settle_references,
)
from autonomos_pipelines.dcl.matching.source_field import SourceField
from autonomos_pipelines.dcl.matching.table_entity import TableEntity
from autonomos_pipelines.dcl.matching.targets import canonical_targets
from autonomos_pipelines.dcl.matching.thresholds import AUTO_APPROVE, SETTLED

POINTED = {
    "subscription.account_id": "account",
    "subscription.plan_id": "plan",
    "opportunity.owner_id": "user",
    "opportunity.created_by_id": "user",
    "subscription.subscription_id": None,
}
KEYS = ForeignKeys.of(POINTED)
CUSTOMERS, SUBSCRIPTIONS = ("billing", "customers"), ("billing", "subscriptions")


def _table(entity: str, key: str | None = "id", reads: str = "") -> TableEntity:
    return TableEntity(entity, 4.0, None, 0.0, 5, key, key_reads=reads or entity)


# rows 0-1 are the customers', 2-4 the subscriptions'; row 2 references the customers
DECIDED = {CUSTOMERS: _table("account"), SUBSCRIPTIONS: _table("subscription")}
TABLES = {CUSTOMERS: [0, 1], SUBSCRIPTIONS: [2, 3, 4]}


def _fields(reference: str = "customer_id") -> list[SourceField]:
    names = ["id", "name", reference, "id", "status"]
    return [SourceField(*TABLES_OF[row], name) for row, name in enumerate(names)]


TABLES_OF = {row: table for table, rows in TABLES.items() for row in rows}


def _ranked(first: Candidate) -> list[list[Candidate]]:
    others = [[Candidate("account.name", 0.9, 1.0)] for _ in TABLES_OF]
    others[2] = [first, Candidate("subscription.plan_id", 0.1, 0.2)]
    return others


def _settle(first: Candidate, decided=DECIDED, reference="customer_id", others=None):
    ranked = _ranked(first)
    found = [(0, 2)]
    return settle_references(ranked, found, _fields(reference), TABLES, decided, KEYS, others)


def test_sole_keys_are_their_entitys_only_key_to_what_they_point_at():
    assert KEYS.sole == {"subscription.account_id", "subscription.plan_id"}
    real = canonical_targets()
    entities = real.entities
    pointed = {
        t.key: entities[e] if e >= 0 else None
        for t, e in zip(real.targets, pointed_at(real).tolist(), strict=True)
    }
    sole = ForeignKeys.of(pointed).sole
    assert "subscription.account_id" in sole
    assert not any(pointed[key] is None for key in sole)


def test_a_reference_both_tables_settle_is_approved_and_says_why():
    first = Candidate("subscription.account_id", 0.72, 1.1, note="references customers")
    ranked = _settle(first)
    settled = ranked[2][0]
    assert settled.target == "subscription.account_id" and settled.confidence == SETTLED
    assert settled.settled == "reference" and not first.settled  # what the Dagster UI counts
    assert SETTLED >= AUTO_APPROVE
    assert settled.note.startswith("references customers; each table's key reads as")
    assert settled.note.endswith(
        "subscription.account_id is subscription's only key to account "
        "(its own evidence alone: 0.72)"
    )
    assert ranked[2][1] == Candidate("subscription.plan_id", 0.1, 0.2)  # the rest as it was
    assert ranked[0][0].confidence == 0.9  # rows that reference nothing are untouched


@pytest.mark.parametrize(
    ("name", "only"),
    [
        ("customer_id", True),
        ("account__id", False),  # another table's name
        ("Customer__CustomerID", True),
        ("customerId", True),
        ("referrer_customer_id", False),  # a role: which of the customers is a person's call
        ("billing_customer_id", False),
        ("customer", False),  # no key word
        ("dim_customer_id", False),  # a word its table's name lacks
    ],
)
def test_a_reference_named_for_its_table_alone_says_no_role(name, only):
    assert names_only(SourceField("billing", "subscriptions", name), "customers") is only


BARELY = replace(_table("subscription"), runner_up="account", runner_up_fit=3.5)  # 0.5 ahead
OPEN = [
    ("the trees find it implausible", {"confidence": 0.4}, {}),
    ("already approved on its own evidence", {"confidence": 0.93}, {}),
    ("held by its table", {"held": True}, {}),
    ("moved ahead of the score's first by the trees", {"score": 0.1}, {}),
    ("not its entity's only key to one", {"target": "opportunity.owner_id"}, {}),
    ("a key to another entity", {"target": "subscription.plan_id"}, {}),
    ("its key reads otherwise", {}, {CUSTOMERS: _table("account", reads="user")}),
    ("the referenced table has no key", {}, {CUSTOMERS: _table("account", key=None)}),
    ("its own key reads otherwise", {}, {SUBSCRIPTIONS: _table("subscription", reads="user")}),
    ("the referenced table is nested", {}, {CUSTOMERS: replace(_table("account"), nested=True)}),
    ("its own table barely leads", {}, {SUBSCRIPTIONS: BARELY}),
]  # fmt: skip


@pytest.mark.parametrize(("case", "change", "tables"), OPEN, ids=[c[0] for c in OPEN])
def test_a_reference_the_structure_leaves_open_keeps_its_confidence(case, change, tables):
    first = replace(Candidate("subscription.account_id", 0.72, 1.1), **change)
    if change.get("held"):
        first = held(first)
    ranked = _settle(first, {**DECIDED, **tables})
    assert ranked[2][0] == first and ranked[2][0].confidence == first.confidence
    assert ranked[2][0].note == first.note and not ranked[2][0].settled


def test_a_role_named_reference_keeps_its_confidence():
    first = Candidate("subscription.account_id", 0.72, 1.1)
    assert _settle(first, reference="referrer_customer_id")[2][0].confidence == 0.72


def test_two_references_to_one_table_go_to_a_person():
    """`customer_id` beside another reference to the customers, ranked here or pending from
    an earlier pass: which is the account's is a person's call, whatever the trees prefer."""
    first = Candidate("subscription.account_id", 0.72, 1.1)
    ranked = _ranked(first)
    ranked[3] = [Candidate("subscription.account_id", 0.65, 1.0)]
    fields = _fields()
    fields[3] = SourceField(*SUBSCRIPTIONS, "customer_id")
    found = [(0, 2), (0, 3)]
    settled = settle_references(ranked, found, fields, TABLES, DECIDED, KEYS)
    assert settled[2][0].confidence == 0.72 and settled[3][0].confidence == 0.65
    for earlier in ("payer_customer_id", "customerID"):
        seen = {SUBSCRIPTIONS: [SourceField(*SUBSCRIPTIONS, earlier)]}
        assert _settle(first, others=seen)[2][0].confidence == 0.72
    declared = {SUBSCRIPTIONS: [SourceField(*SUBSCRIPTIONS, "payer", references="Customers")]}
    assert _settle(first, others=declared)[2][0].confidence == 0.72
    unrelated = [
        SourceField(*SUBSCRIPTIONS, "plan_id"),
        SourceField(*SUBSCRIPTIONS, "_dlt_load_id"),  # dlt's, whatever table `loads` is
        SourceField(*SUBSCRIPTIONS, "customer_id", references="plans"),  # declared elsewhere
        SourceField(*SUBSCRIPTIONS, "id", references="customers"),  # its own key
    ]
    assert _settle(first, others={SUBSCRIPTIONS: unrelated})[2][0].confidence == SETTLED


@pytest.fixture(scope="module")
def resolver():
    return Resolver(Matcher(canonical_targets(), default_embedder()))


def _source(tables: dict[str, list[str]]) -> list[SourceField]:
    return [
        SourceField("crm_x", table, name, "string")
        for table, names in tables.items()
        for name in names
    ]


COMPANIES = ["id", "name", "domain", "industry"]
DEALS = ["id", "name", "company_id", "value", "stage", "close_date"]


def test_a_deals_company_reference_is_approved_by_the_sources_structure(resolver):
    """The real matcher on a CRM it has never seen: `deals.company_id` references the
    companies, which their fields and key say are accounts; deals have one key to one."""
    resolved = resolver.resolve(_source({"companies": COMPANIES, "deals": DEALS}))
    reference = resolved[len(COMPANIES) + DEALS.index("company_id")]
    assert (reference.mapping, reference.status) == ("opportunity.account_id", "auto_approved")
    assert reference.candidates[0].confidence == SETTLED
    assert reference.reason.startswith("references companies, decided account")
    assert "opportunity.account_id is opportunity's only key to account (" in reference.reason


def test_a_second_reference_to_the_same_table_leaves_both_to_a_person(resolver):
    deals = [*DEALS, "partner_company_id"]
    resolved = resolver.resolve(_source({"companies": COMPANIES, "deals": deals}))
    for name in ("company_id", "partner_company_id"):
        found = resolved[len(COMPANIES) + deals.index(name)]
        assert found.status != "auto_approved" and "only key" not in found.reason


def test_generic_tables_whose_bare_ids_read_as_anything_settle_nothing(resolver):
    """A shop's products referencing its categories: each table's bare `id` reads as what its
    fields lean to (categories: account; products: opportunity, barely ahead of account), so
    key and fields agree by default. Nothing the structure settles there."""
    fields = [
        SourceField("shop", table, name, "string")
        for table, names in {
            "categories": ["id", "name", "description"],
            "products": ["id", "name", "price", "category_id", "sku"],
        }.items()
        for name in names
    ]
    reference = resolver.resolve(fields)[3 + 3]
    assert reference.field.field == "category_id"
    assert not (reference.candidates and reference.candidates[0].settled)
    assert "only key" not in reference.reason
