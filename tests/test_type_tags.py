"""A field named as a tag whose every value is its own table's name says what a record is:
set aside like dlt's own columns and never mapped (dcl/matching/type_tags.py)."""

from __future__ import annotations

import pytest

from autonomos_pipelines.dcl.matching.embeddings import default_embedder
from autonomos_pipelines.dcl.matching.matcher import Matcher
from autonomos_pipelines.dcl.matching.resolver import Resolver
from autonomos_pipelines.dcl.matching.source_field import SourceField
from autonomos_pipelines.dcl.matching.targets import canonical_targets
from autonomos_pipelines.dcl.matching.type_tags import tagged_as


@pytest.mark.parametrize(
    ("table", "field", "samples", "tag"),
    [
        ("customers", "object", ["customer", "customer"], "customer"),  # Stripe
        ("payment_intents", "object", ["payment_intent"], "payment_intent"),  # several words
        ("profiles", "type", ["profile"], "profile"),  # JSON:API, Klaviyo
        ("profiles", "attributes__kind", ["profile"], "profile"),  # inside a wrapper object
        ("Opportunities", "Type", [" Opportunity "], "Opportunity"),  # any case, -ies, spaces
        ("tickets", "type", ["ticket", "Ticket"], "ticket"),  # one value, however cased
        ("CRM_Customers", "resource_type", ["Customer"], "Customer"),
        ("public.invoices", "object", ["invoice", ""], "invoice"),  # a blank says nothing
        ("customers", "object", ["customer", "lead"], None),  # a value that varies
        ("customers", "object", ["active"], None),  # not what the table is
        ("customers", "object", [], None),  # nothing sampled
        ("users", "role", ["user"], None),  # a property that repeats the name: no tag's name
        ("customers", "customer_type", ["customer"], None),  # account.account_type's kind
        ("Task", "TaskSubtype", ["Task"], None),
        ("orders_2023", "type", ["2023"], None),  # a partition's number
        ("s", "type", ["s"], None),  # no word left once singular
    ],
)
def test_a_type_tag_is_named_so_and_holds_its_tables_name(table, field, samples, tag):
    assert tagged_as(SourceField("stripe", table, field, "string", samples=tuple(samples))) == tag


COLUMNS = {
    "id": ["cus_NffrFeUfNV2Hib"],
    "object": ["customer"],
    "name": ["Acme Corp"],
    "email": ["ap@acme.example"],
    "phone": ["+1 415 555 0100"],
}


def _customers() -> list[SourceField]:
    return [
        SourceField("stripe", "customers", name, "string", samples=tuple(values))
        for name, values in COLUMNS.items()
    ]


@pytest.fixture(scope="module")
def matcher():
    return Matcher(canonical_targets(), default_embedder())


def test_the_matcher_sets_a_type_tag_aside_and_the_resolver_says_why(matcher):
    fields = _customers()
    ranked, decided = matcher.rank_tables(fields)
    assert ranked[1] == []  # no candidate, nothing taken from the table's other fields
    assert all(ranked[row] for row in (0, 2, 3, 4))
    without, _ = matcher.rank_tables([f for f in fields if f.field != "object"])
    assert [c[0] for c in without] == [ranked[row][0] for row in (0, 2, 3, 4)]  # no say
    assert "object" not in decided["stripe", "customers"].why
    resolution = Resolver(matcher).resolve(fields)[1]
    assert (resolution.status, resolution.mapping) == ("unmapped", None)
    assert resolution.reason == (
        "every record says 'customer', the table's own name: a tag of what it is, never mapped"
    )
