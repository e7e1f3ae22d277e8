"""Which tables' approved fields feed nothing yet, their identity field not approved
(dcl/identity_waits.py)."""

from __future__ import annotations

from autonomos_pipelines.dcl.identity_waits import IdentityWaits

MEMBERS, DEALS, INVOICES = ("zorg", "members"), ("zorg", "deals"), ("zorg", "invoices")
DEAL_ID = "opportunity.opportunity_id"


def _waits(feeds=None, pending=None) -> IdentityWaits:
    waits = IdentityWaits(feeds or {}, pending or {})
    waits.saw(MEMBERS, "Members", "contact.email", approved=True)
    waits.saw(MEMBERS, "Members", "contact.first_name", approved=True)
    waits.saw(MEMBERS, "Members", "account.name", approved=False)  # proposed: counts nothing
    waits.saw(DEALS, "deals", "opportunity.amount", approved=True)
    waits.saw(DEALS, "deals", "opportunity.opportunity_id", approved=False)
    return waits


def test_a_table_with_approved_fields_and_no_approved_identity_waits_and_says_on_what():
    assert _waits().waiting({}) == {
        "zorg.Members": "2 contact field(s) approved; contact.contact_id unmapped",
        "zorg.deals": f"1 opportunity field(s) approved; {DEAL_ID} waits for a person",
    }


def test_a_table_that_feeds_already_or_from_this_pass_on_waits_for_nothing():
    fed = _waits(feeds={MEMBERS: "contact"}).waiting({"zorg.deals": "opportunity"})
    assert fed == {}


def test_an_identity_proposed_by_an_earlier_pass_is_waited_for():
    pending = {
        ("zorg", "members", "id"): {"canonical_entity": "contact", "canonical_field": "contact_id"}
    }
    waiting = _waits(pending=pending).waiting({})
    assert waiting["zorg.Members"].endswith("contact.contact_id waits for a person")


def test_a_table_with_no_field_approved_is_not_listed():
    waits = IdentityWaits({}, {})
    waits.saw(INVOICES, "invoices", "invoice.status", approved=False)
    waits.saw(INVOICES, "invoices", "invoice.invoice_id", approved=True)  # it feeds
    assert waits.waiting({}) == {}
