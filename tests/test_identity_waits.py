"""Which tables' approved fields feed nothing yet, their entity's identity field not approved
(dcl/identity_waits.py)."""

from __future__ import annotations

from autonomos_pipelines.dcl.identity_waits import IdentityWaits

MEMBERS, DEALS = ("zorg", "members"), ("zorg", "deals")
DEAL_ID = "opportunity.opportunity_id"


def _waits(feeds=None, pending=None) -> IdentityWaits:
    waits = IdentityWaits(feeds or {}, pending or {})
    waits.saw(MEMBERS, "Members", "contact.email", approved=True)
    waits.saw(MEMBERS, "Members", "contact.first_name", approved=True)
    waits.saw(MEMBERS, "Members", "account.name", approved=False)  # proposed: counts nothing
    waits.saw(DEALS, "deals", "opportunity.amount", approved=True)
    waits.saw(DEALS, "deals", DEAL_ID, approved=False)
    return waits


def test_a_table_with_approved_fields_and_no_approved_identity_waits_and_says_on_what():
    assert _waits().waiting() == {
        "zorg.Members": "2 contact field(s) approved; contact.contact_id unmapped",
        "zorg.deals": f"1 opportunity field(s) approved; {DEAL_ID} waits for a person",
    }


def test_a_table_that_feeds_already_or_from_this_pass_on_waits_for_nothing():
    waits = _waits(feeds={MEMBERS: "contact"})
    waits.saw(DEALS, "Deals", DEAL_ID, approved=True)  # another spelling of the same table
    assert waits.waiting() == {}


def test_an_identity_proposed_by_an_earlier_pass_is_waited_for():
    row = {"canonical_entity": "contact", "canonical_field": "contact_id"}
    waiting = _waits(pending={("zorg", "members", "id"): row}).waiting()
    assert waiting["zorg.Members"].endswith("contact.contact_id waits for a person")


def test_only_the_identity_of_the_approved_fields_entity_is_waited_for():
    """A deals table's `account_id` held as the account's identity (it would make the table
    feed account) unblocks nothing for its approved opportunity fields."""
    waits = IdentityWaits({}, {})
    waits.saw(DEALS, "deals", "opportunity.amount", approved=True)
    waits.saw(DEALS, "deals", "account.account_id", approved=False)
    assert waits.waiting() == {"zorg.deals": f"1 opportunity field(s) approved; {DEAL_ID} unmapped"}


def test_fields_of_a_second_entity_wait_though_the_table_feeds_its_first():
    waits = IdentityWaits({}, {})
    waits.saw(MEMBERS, "members", "contact.contact_id", approved=True)
    waits.saw(MEMBERS, "members", "contact.email", approved=True)
    waits.saw(MEMBERS, "members", "account.name", approved=True)
    assert waits.waiting() == {
        "zorg.members": "1 account field(s) approved; account.account_id unmapped"
    }
