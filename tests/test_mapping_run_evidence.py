"""What a mapping pass stores with each decision it writes (dcl/mapping_run.py), on real
PostgreSQL: the candidates, each with the features that say something about it; and the pass
holds off the cyclic collector while it resolves, giving it back after; a later pass seeks a
table's key among its fields seen before."""

from __future__ import annotations

import gc

import pytest

from autonomos_pipelines.dcl.mapping_run import map_tenant_fields
from autonomos_pipelines.dcl.matching.resolver import Resolver
from autonomos_pipelines.dcl.matching.source_field import SourceField
from autonomos_pipelines.dcl.registry.bootstrap import open_registry
from autonomos_pipelines.dcl.registry.refs import FieldRef
from autonomos_pipelines.dcl.registry.workflow import Workflow

pytestmark = pytest.mark.postgres


def test_stored_evidence_names_each_candidate_with_its_nonzero_features(env, monkeypatch):
    registry = open_registry(env)
    registry.add_tenant("acme", {}, "test")
    collector_on_while_resolving = []
    resolve = Resolver.resolve

    def watched(self, *args, **kwargs):
        collector_on_while_resolving.append(gc.isenabled())
        return resolve(self, *args, **kwargs)

    monkeypatch.setattr(Resolver, "resolve", watched)
    fields = [
        SourceField("zorg", "members", "member_email", "text", samples=("a@b.com",)),
        SourceField("zorg", "members", "joined_on", "date", samples=("2024-01-02",)),
    ]
    run = map_tenant_fields(registry, "acme", fields)
    assert collector_on_while_resolving == [False] and gc.isenabled()  # held off, given back
    decided = [o for o in run.outcomes if o.status != "unmapped"]
    assert decided  # a decision was written to look at
    for outcome in decided:
        ref = FieldRef("acme", "zorg", "members", outcome.source.field)
        (row,) = [r for r in Workflow(registry).history(ref) if r["tenant_id"] == "acme"]
        candidates = row["evidence"]["candidates"]
        assert outcome.target in [c["target"] for c in candidates]
        for candidate in candidates:
            features = candidate["features"]
            assert features["name_similarity"] != 0  # the name always says something
            assert 0 not in features.values()  # a feature at 0 is left out
            # stored as JSON numbers, never as their text, whatever writes the JSON
            numbers = [candidate["confidence"], *features.values()]
            assert all(type(value) in (int, float) for value in numbers), numbers


def test_a_later_pass_seeks_the_tables_key_among_fields_waiting_for_a_person(env):
    """`id` is the members' key; its identity mapping (contact.contact_id) waits for a
    person after the first pass (a contacts table's `id` is approved: its fields, its key and
    the trees agree). A `uuid` added later is not taken for the table's key (which would
    propose it for contact.contact_id too, a second claim on the identity): the key is sought
    among the table's fields seen before, whatever their state."""
    registry = open_registry(env)
    registry.add_tenant("acme", {}, "test")

    def contact(name, *samples):
        return SourceField("zorg", "members", name, "text", samples=samples)

    first = [
        contact("id", "1001", "1002"),
        contact("email", "a@b.com", "c@d.org"),
        contact("first_name", "Ann", "Bob"),
        contact("last_name", "Lee", "Kim"),
    ]
    run, KEY = map_tenant_fields(registry, "acme", first), "contact.contact_id"
    done = {o.source.field: o for o in run.outcomes}
    assert (done["id"].status, done["id"].target) == ("pending_review", "contact.contact_id")
    # its approved fields feed nothing until a person approves the key: the Dagster UI says so
    approved = sum(o.status == "mapped" for o in run.outcomes)
    assert approved and run.tables_awaiting_identity == {
        "zorg.members": f"{approved} contact field(s) approved; {KEY} waits for a person"
    }
    later = map_tenant_fields(registry, "acme", [*first, contact("uuid", "9f1c0a", "77e2b4")])
    (uuid,) = [o for o in later.outcomes if o.source.field == "uuid"]
    assert uuid.target != "contact.contact_id", uuid


def test_an_identity_its_table_and_key_agree_on_is_approved_with_the_reason(env):
    """`invoice_id` of an invoices table is its key by name and reads as an invoice's id,
    and the table's fields say invoice: the pass approves it, so the table feeds canonical
    invoice with no one asked, and the registry says why."""
    registry = open_registry(env)
    registry.add_tenant("acme", {}, "test")
    fields = [
        SourceField("zorg", "invoices", "invoice_id", "text", samples=("in_1001", "in_1002")),
        SourceField("zorg", "invoices", "amount_due", "numeric", samples=("120.50", "99")),
        SourceField("zorg", "invoices", "status", "text", samples=("paid", "open")),
    ]
    run = map_tenant_fields(registry, "acme", fields)
    (key,) = [o for o in run.outcomes if o.source.field == "invoice_id"]
    assert (key.status, key.target) == ("mapped", "invoice.invoice_id")
    (row,) = Workflow(registry).history(FieldRef("acme", "zorg", "invoices", "invoice_id"))
    assert row["status"] == "active" and "own key" in row["reason"]
    assert run.tables_now_feeding == {"zorg.invoices": "invoice"}  # shown in the Dagster UI
    assert run.tables_awaiting_identity == {}  # its approved fields feed canonical invoice
    again = map_tenant_fields(registry, "acme", fields)
    assert again.tables_now_feeding == {}  # it fed canonical invoice already


def test_a_key_its_tables_fields_settle_is_approved_and_counted(env):
    """A people table's bare `id`, which the trees alone leave to a person, beside five
    fields that say contact: approved with the reason, and counted for the Dagster UI."""
    registry = open_registry(env)
    registry.add_tenant("acme", {}, "test")
    names = ["id", "first_name", "last_name", "emails", "title", "phone_numbers"]
    fields = [SourceField("zorg", "people", name, "text") for name in names]
    run = map_tenant_fields(registry, "acme", fields)
    (key,) = [o for o in run.outcomes if o.source.field == "id"]
    assert (key.status, key.target) == ("mapped", "contact.contact_id")
    (row,) = Workflow(registry).history(FieldRef("acme", "zorg", "people", "id"))
    assert row["status"] == "active" and "of its fields say contact too" in row["reason"]
    assert (run.keys_settled, run.references_settled) == (1, 0)
    assert run.tables_now_feeding == {"zorg.people": "contact"}


def test_a_lookup_tables_fields_wait_for_a_person_and_are_counted(env):
    """A help desk's `departments` (id, name, description) lean to the account through their
    name: nothing founds them as accounts, so their fields go to a person, the reason saying
    why, counted for the Dagster UI; the tickets beside them are approved as ever."""
    registry = open_registry(env)
    registry.add_tenant("acme", {}, "test")
    tables = {
        "tickets": ["id", "subject", "status", "priority", "department_id", "created_at"],
        "departments": ["id", "name", "description"],
    }
    fields = [SourceField("desk", t, n, "text") for t, names in tables.items() for n in names]
    run = map_tenant_fields(registry, "acme", fields)
    status = {(o.source.source_entity, o.source.field): o.status for o in run.outcomes}
    assert status["departments", "name"] == "pending_review"
    assert status["tickets", "subject"] == "mapped"
    (row,) = Workflow(registry).history(FieldRef("acme", "desk", "departments", "name"))
    assert row["status"] == "proposed" and "the table is decided account on little" in row["reason"]
    assert run.held_unfounded >= 2  # name and description


def test_a_reference_its_source_settles_is_approved_and_counted(env):
    """`deals.company_id` references the companies, which their fields and key say are
    accounts; deals have one key to one: approved, with the reason, and counted for the
    Dagster UI. The same field under a role's name (`referrer_company_id`) waits for a person."""
    registry = open_registry(env)
    registry.add_tenant("acme", {}, "test")

    def source(reference: str) -> list[SourceField]:
        tables = {
            "companies": ["id", "name", "domain", "industry"],
            "deals": ["id", "name", reference, "value", "stage", "close_date"],
        }
        return [
            SourceField("zorg", t, name, "text") for t, names in tables.items() for name in names
        ]

    run = map_tenant_fields(registry, "acme", source("company_id"))
    (reference,) = [o for o in run.outcomes if o.source.field == "company_id"]
    assert (reference.status, reference.target) == ("mapped", "opportunity.account_id")
    (row,) = Workflow(registry).history(FieldRef("acme", "zorg", "deals", "company_id"))
    assert row["status"] == "active" and "only key to account" in row["reason"]
    assert run.references_settled == 1
    registry.add_tenant("other", {}, "test")
    role = map_tenant_fields(registry, "other", source("referrer_company_id"))
    (held,) = [o for o in role.outcomes if o.source.field == "referrer_company_id"]
    assert held.status != "mapped" and role.references_settled == 0


def test_a_target_proposed_for_a_field_waiting_for_a_person_is_not_approved_for_a_new_one(env):
    """`contact_mail` is proposed for contact.email and waits for a person. `email`, added
    to the table later, fits contact.email well enough to be approved on its own; beside the
    waiting proposal it is a second claim on the target, so a person chooses between them.
    A field gone from the source (renamed) claims nothing."""
    registry = open_registry(env)

    def member(name, *samples):
        return SourceField("zorg", "members", name, "text", samples=samples)

    table = [member("id", "1001", "1002"), member("first_name", "Ann", "Bob")]
    table.append(member("last_name", "Lee", "Kim"))
    waiting = member("contact_mail", "a@b.com")
    email = member("email", "a@b.com", "c@d.org")

    def outcome(tenant, fields, name):
        (found,) = [o for o in map_tenant_fields(registry, tenant, fields).outcomes
                    if o.source.field == name]  # fmt: skip
        return found.status, found.target

    for tenant in ("solo", "acme", "renamed"):
        registry.add_tenant(tenant, {}, "test")
    assert outcome("solo", [*table, email], "email") == ("mapped", "contact.email")
    for tenant in ("acme", "renamed"):
        assert outcome(tenant, [*table, waiting], "contact_mail") == (
            "pending_review",
            "contact.email",
        )
    assert outcome("acme", [*table, waiting, email], "email") == (
        "pending_review",
        "contact.email",
    )
    (row,) = Workflow(registry).history(FieldRef("acme", "zorg", "members", "email"))
    assert row["status"] == "proposed" and "'contact_mail'" in row["reason"], row["reason"]
    assert outcome("renamed", [*table, email], "email") == ("mapped", "contact.email")
