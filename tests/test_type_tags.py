"""A field whose every value is its own table's name tags what a record is, and maps onto
nothing without a person (dcl/matching/type_tags.py)."""

from __future__ import annotations

import pytest

from autonomos_pipelines.dcl.matching.candidate import Candidate
from autonomos_pipelines.dcl.matching.embeddings import default_embedder
from autonomos_pipelines.dcl.matching.matcher import Matcher
from autonomos_pipelines.dcl.matching.source_field import SourceField
from autonomos_pipelines.dcl.matching.targets import canonical_targets
from autonomos_pipelines.dcl.matching.thresholds import LLM_FLOOR, REVIEW
from autonomos_pipelines.dcl.matching.type_tags import hold_type_tags, tagged_as


@pytest.mark.parametrize(
    ("table", "samples", "tag"),
    [
        ("customers", ["customer", "customer"], "customer"),  # Stripe's `object`
        ("profiles", ["profile"], "profile"),  # JSON:API's `type`, Klaviyo
        ("Opportunities", ["Opportunity"], "opportunity"),  # any case, -ies
        ("crm.invoices", ["invoice"], "invoice"),  # the table's last word
        ("customers", ["customer", "lead"], None),  # a value that varies is a property
        ("customers", ["active"], None),  # one value, but not what the table is
        ("customers", [], None),  # nothing sampled
    ],
)
def test_a_type_tag_is_the_tables_own_name_on_every_record(table, samples, tag):
    source = SourceField("stripe", table, "object", "string", samples=tuple(samples))
    assert tagged_as(source) == tag


def test_a_type_tags_candidates_are_capped_below_review_and_say_why():
    ranked = [
        [Candidate("account.account_type", 0.94, 3.0), Candidate("account.name", 0.2, 1.0)],
        [Candidate("account.name", 0.97, 4.0)],
    ]
    fields = [
        SourceField("stripe", "customers", "object", "string", samples=("customer",)),
        SourceField("stripe", "customers", "name", "string", samples=("Acme",)),
    ]
    tag, name = hold_type_tags(ranked, fields)
    assert [(c.target, c.confidence, c.held) for c in tag] == [
        ("account.account_type", LLM_FLOOR, True),
        ("account.name", 0.2, True),
    ]
    assert tag[0].note.startswith("every record says 'customer', the table's own name")
    assert name == ranked[1]  # other fields as they were


def test_the_matcher_leaves_a_type_tag_unmapped():
    matcher = Matcher(canonical_targets(), default_embedder())
    columns = {
        "id": ["cus_NffrFeUfNV2Hib"],
        "object": ["customer"],
        "name": ["Acme Corp"],
        "email": ["ap@acme.example"],
    }
    fields = [
        SourceField("stripe", "customers", name, "string", samples=tuple(values))
        for name, values in columns.items()
    ]
    ranked, _ = matcher.rank_tables(fields)
    assert ranked[1][0].confidence < REVIEW and ranked[1][0].held
    assert "the table's own name" in ranked[1][0].note
