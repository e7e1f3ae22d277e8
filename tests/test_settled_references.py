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
    SETTLED,
    settle_references,
    sole_keys,
)
from autonomos_pipelines.dcl.matching.source_field import SourceField
from autonomos_pipelines.dcl.matching.table_entity import TableEntity
from autonomos_pipelines.dcl.matching.targets import canonical_targets
from autonomos_pipelines.dcl.matching.thresholds import AUTO_APPROVE

POINTED = {
    "subscription.account_id": "account",
    "subscription.plan_id": "plan",
    "opportunity.owner_id": "user",
    "opportunity.created_by_id": "user",
    "subscription.subscription_id": None,
}
SOLE = sole_keys(POINTED)


def _table(entity: str, key: str | None = "id", reads: str | None = None) -> TableEntity:
    return TableEntity(entity, 4.0, None, 0.0, 5, key, key_reads=reads or entity)


# tables: 0 customers (account), 1 subscriptions; rows 0-1 customers', 2-4 subscriptions'
TABLES = [_table("account"), _table("subscription")]
TABLE_OF_ROW = [0, 0, 1, 1, 1]


def _ranked(first: Candidate) -> list[list[Candidate]]:
    others = [[Candidate("account.name", 0.9, 1.0)] for _ in TABLE_OF_ROW]
    others[2] = [first, Candidate("subscription.plan_id", 0.1, 0.2)]
    return others


def test_sole_keys_are_their_entitys_only_key_to_what_they_point_at():
    assert SOLE == {"subscription.account_id", "subscription.plan_id"}
    real = canonical_targets()
    entities = real.entities
    pointed = {
        t.key: entities[e] if e >= 0 else None
        for t, e in zip(real.targets, pointed_at(real).tolist(), strict=True)
    }
    assert "subscription.account_id" in sole_keys(pointed)
    assert not any(pointed[key] is None for key in sole_keys(pointed))


def test_a_reference_both_tables_settle_is_approved_and_says_why():
    first = Candidate("subscription.account_id", 0.72, 1.1, note="references customers")
    ranked = settle_references(_ranked(first), [(0, 2)], TABLES, TABLE_OF_ROW, POINTED, SOLE)
    settled = ranked[2][0]
    assert settled.target == "subscription.account_id" and settled.confidence == SETTLED
    assert SETTLED >= AUTO_APPROVE
    assert settled.note.startswith("references customers; both tables' fields and keys agree")
    assert "subscription.account_id is subscription's only key to account" in settled.note
    assert ranked[2][1] == Candidate("subscription.plan_id", 0.1, 0.2)  # the rest as it was
    assert ranked[0][0].confidence == 0.9  # rows that reference nothing are untouched


OPEN = [
    ("the trees find it implausible", {"confidence": 0.4}, {}),
    ("already approved on its own evidence", {"confidence": 0.93}, {}),
    ("held by its table", {"held": True}, {}),
    ("not its entity's only key to one", {"target": "opportunity.owner_id"}, {}),
    ("a key to another entity", {"target": "subscription.plan_id"}, {}),
    ("the referenced table's key reads otherwise", {}, {0: _table("account", reads="contact")}),
    ("the referenced table has no key", {}, {0: _table("account", key=None)}),
    ("its own table's key reads otherwise", {}, {1: _table("subscription", reads="account")}),
    ("the referenced table is nested", {}, {0: replace(_table("account"), nested=True)}),
]


@pytest.mark.parametrize(("case", "change", "tables"), OPEN, ids=[c[0] for c in OPEN])
def test_a_reference_the_structure_leaves_open_keeps_its_confidence(case, change, tables):
    first = replace(Candidate("subscription.account_id", 0.72, 1.1), **change)
    if change.get("held"):
        first = held(first)
    decided = [tables.get(i, table) for i, table in enumerate(TABLES)]
    ranked = settle_references(_ranked(first), [(0, 2)], decided, TABLE_OF_ROW, POINTED, SOLE)
    assert ranked[2][0] == first and ranked[2][0].confidence == first.confidence
    assert ranked[2][0].note == first.note


def test_two_references_to_one_table_go_to_a_person():
    """`payer_id` and `customer_id` both referencing customers: which is the account's is
    a person's call, whatever the trees prefer."""
    first = Candidate("subscription.account_id", 0.72, 1.1)
    ranked = _ranked(first)
    ranked[3] = [Candidate("subscription.account_id", 0.65, 1.0)]
    found = [(0, 2), (0, 3)]
    settled = settle_references(ranked, found, TABLES, TABLE_OF_ROW, POINTED, SOLE)
    assert settled[2][0].confidence == 0.72 and settled[3][0].confidence == 0.65


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
    assert "opportunity.account_id is opportunity's only key to account" in reference.reason


def test_a_second_reference_to_the_same_table_leaves_both_to_a_person(resolver):
    deals = [*DEALS, "partner_company_id"]
    resolved = resolver.resolve(_source({"companies": COMPANIES, "deals": deals}))
    for name in ("company_id", "partner_company_id"):
        found = resolved[len(COMPANIES) + deals.index(name)]
        assert found.status != "auto_approved" and "only key" not in found.reason
