"""Which canonical value a source value means (dcl/matching/value_match.py), on values of
several vendors' enumerations with the answer a person would give: values equal up to case
and separators are auto-approved by rule; by meaning, only a clear match is auto-approved,
a likely one goes to review and a guess stays unmapped; nothing wrong is auto-approved."""

from __future__ import annotations

import pytest

from autonomos_pipelines.dcl.matching.embeddings import default_embedder
from autonomos_pipelines.dcl.matching.thresholds import AUTO_APPROVE, REVIEW
from autonomos_pipelines.dcl.matching.value_match import (
    embedding_confidence,
    suggest_values,
)
from autonomos_pipelines.dcl.model.canonical_model import canonical_model

# (canonical field, source value, where it must land, canonical value; None: no right one)
LABELLED = [
    ("subscription.status", "Past Due", "auto", "past_due"),
    ("subscription.status", "PAST-DUE", "auto", "past_due"),
    ("contact.lifecycle_stage", "marketingqualifiedlead", "auto", "marketing_qualified_lead"),
    ("account.account_type", "PROSPECT", "auto", "prospect"),
    ("invoice.status", "Partially Paid", "auto", "partially_paid"),
    ("subscription.status", "cancelled", "auto", "canceled"),
    ("invoice.status", "voided", "auto", "void"),
    ("campaign.status", "schedule", "auto", "scheduled"),
    ("subscription.status", "in_trial", "auto", "trialing"),
    ("ticket.status", "hold", "review", "on_hold"),
    ("ticket.status", "resolved", "review", "solved"),
    ("ticket.status", "awaiting response", "review", "pending"),
    ("payment.payment_method", "sepa_debit", "review", "direct_debit"),
    ("payment.payment_method", "bacs_debit", "review", "direct_debit"),
    ("payment.payment_method", "credit_card", "review", "card"),
    ("account.account_type", "Customer - Direct", "review", "customer"),
    ("account.account_type", "Technology Partner", "review", "partner"),
    ("ticket.priority", "Highest", "review", "high"),
    ("campaign.status", "sending", "review", "sent"),
    ("invoice.status", "not_paid", "review", None),  # negated: never automatic
    ("ticket.status", "reopened", "review", None),  # an antonym's neighbour: a person decides
    ("ticket.priority", "P1", "unmapped", None),
    ("ticket.priority", "not_priority", "unmapped", None),
    ("ticket.status", "snoozed", "unmapped", None),
    ("ticket.status", "spam", "unmapped", None),
    ("payment.payment_method", "Visa", "unmapped", None),
    ("payment.payment_method", "wire", "unmapped", None),
    ("account.account_type", "Analyst", "unmapped", None),
    ("subscription.status", "dunning", "unmapped", None),
    ("invoice.status", "written_off", "unmapped", None),
    ("campaign.status", "save", "unmapped", None),
    ("ticket.status", "", "unmapped", None),
]


def band(confidence: float) -> str:
    return (
        "auto" if confidence >= AUTO_APPROVE else "review" if confidence >= REVIEW else "unmapped"
    )


def field_of(target: str):
    entity, _, name = target.partition(".")
    return canonical_model()[entity].field(name)


@pytest.mark.parametrize("target, value, expected, canonical", LABELLED,
                         ids=[f"{t}={v!r}" for t, v, _, _ in LABELLED])  # fmt: skip
def test_a_labelled_value_lands_where_a_person_would_put_it(target, value, expected, canonical):
    (suggestion,) = suggest_values([value], field_of(target), default_embedder())
    assert band(suggestion.confidence) == expected, suggestion
    if canonical is not None:
        assert suggestion.canonical_value == canonical, suggestion
    if expected != "unmapped":
        assert suggestion.reason and suggestion.candidates


def test_nothing_wrong_is_auto_approved():
    wrong_and_automatic = []
    for target, value, _, canonical in LABELLED:
        (suggestion,) = suggest_values([value], field_of(target), default_embedder())
        if band(suggestion.confidence) == "auto" and suggestion.canonical_value != canonical:
            wrong_and_automatic.append((target, value, suggestion.canonical_value))
    assert wrong_and_automatic == []


def test_a_rejected_value_is_never_suggested_again():
    status = field_of("subscription.status")
    by_rule, by_meaning = suggest_values(
        ["Past Due", "cancelled"], status, default_embedder(),
        {"Past Due": {"past_due"}, "cancelled": {"canceled"}},
    )  # fmt: skip
    assert by_rule.canonical_value != "past_due" and by_rule.method == "rag"
    assert by_meaning.canonical_value != "canceled"


def test_a_negated_value_stays_below_auto_approval_however_similar():
    assert embedding_confidence(0.99, 0.9, negated=True) < AUTO_APPROVE
    assert embedding_confidence(0.99, 0.9, negated=False) >= AUTO_APPROVE
