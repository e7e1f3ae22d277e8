"""The DCL matcher and resolver without services: words, targets, ranking, LLM last.

The Gemini client runs for real against a fake HTTP transport (httpx.MockTransport) that
stands in for generativelanguage.googleapis.com, which is unreachable here.
"""

from __future__ import annotations

import copy
import json
import pickle

import httpx
import pytest

from autonomos_pipelines.core.errors import SpecError
from autonomos_pipelines.dcl.llm.gemini import GeminiAdvisor, MemoryLedger, parse_answer
from autonomos_pipelines.dcl.matching import matcher as matcher_module
from autonomos_pipelines.dcl.matching.embeddings import MiniLmEmbedder, default_embedder
from autonomos_pipelines.dcl.matching.entity_names import named_for
from autonomos_pipelines.dcl.matching.feature_names import FEATURES
from autonomos_pipelines.dcl.matching.field_text import (
    dominant_pattern,
    humanize,
    split_words,
    unwrapped,
)
from autonomos_pipelines.dcl.matching.matcher import Candidate, Matcher
from autonomos_pipelines.dcl.matching.resolver import Resolver, asks_llm
from autonomos_pipelines.dcl.matching.source_field import SourceField
from autonomos_pipelines.dcl.matching.targets import canonical_targets, targets_from_json
from autonomos_pipelines.dcl.matching.thresholds import (
    CONTESTED_CEILING,
    LLM_CEILING,
    LLM_FLOOR,
    REVIEW,
)


@pytest.mark.parametrize(
    "name, words",
    [
        ("billingAddress.postalCode", ["billing", "address", "postal", "code"]),
        ("BILLING_ADDR__ZIP", ["billing", "addr", "zip"]),
        ("Ischemia.Time.in.Minutes", ["ischemia", "time", "in", "minutes"]),
        ("HTTPStatus2xx", ["http", "status", "2", "xx"]),
    ],
)
def test_identifiers_split_into_words(name, words):
    assert split_words(name) == words


def test_abbreviations_expand():
    assert humanize("cust_nm") == "customer name"
    assert humanize("inv_total_amt") == "invoice total amount"
    assert humanize("qty") == "quantity"


@pytest.mark.parametrize(
    "name, words",
    [
        ("sub_total", "subtotal"),  # the canonical invoice.subtotal, not a subscription's total
        ("SubTotal", "subtotal"),
        ("web_site", "website"),
        ("sub_id", "subscription id"),  # "sub" alone stays an abbreviation
        ("total_sub", "total subscription"),  # no canonical word "totalsub"
    ],
)
def test_two_words_that_spell_a_canonical_word_are_one(name, words):
    assert humanize(name) == words


@pytest.mark.parametrize(
    "name, field",
    [
        ("attributes__email", "email"),  # JSON:API (Klaviyo, Intercom v2)
        ("properties__hs_lead_status", "hs_lead_status"),  # HubSpot
        ("fields.status.name", "status__name"),  # Jira
        ("data__attributes__created_at", "created_at"),  # an envelope around JSON:API
        ("billing_address__city", "billing_address__city"),  # a real object: kept
        ("customer__data", "customer__data"),  # a wrapper word later in the path: kept
        ("properties", "properties"),  # only a wrapper: nothing else to say
        ("data.", "data."),
        ("Attributes.FirstName", "FirstName"),
    ],
)
def test_wrapper_objects_are_dropped_from_a_path(name, field):
    assert unwrapped(name) == field


def test_a_wrapped_field_reads_as_its_own_name(matcher):
    plain, wrapped = field("first_name"), field("attributes__first_name")
    assert (wrapped.name_text, wrapped.tokens) == (plain.name_text, plain.tokens)
    assert wrapped.example_text == plain.example_text  # what an approval stores
    ranked = matcher.rank([plain, wrapped], top_k=2)
    assert ranked[0][0].target == ranked[1][0].target == "contact.first_name"


@pytest.mark.parametrize(
    "samples, pattern",
    [
        (["a@b.com", "x@y.org", "q@r.io"], "email"),
        (["USD", "EUR", "usd"], "currency"),
        (["2024-01-02", "2023-12-31"], "date"),
        (["https://acme.com", "http://x.io"], "url"),
        (["1700000000", "1699999999"], "epoch"),
        (["red", "2", "x@y.com"], None),
    ],
)
def test_sample_patterns(samples, pattern):
    assert dominant_pattern(samples) == pattern


@pytest.mark.parametrize(
    "schema, problem",
    [
        ({}, "'entities' list"),
        ({"entities": [{"name": "", "fields": [{"name": "x"}]}]}, "$.entities[0].name"),
        ({"entities": [{"name": "a", "fields": []}]}, "$.entities[0].fields"),
        ({"entities": [{"name": "a", "fields": [{"type": "string"}]}]}, "fields[0].name"),
        ({"entities": [{"name": "a", "fields": [{"name": "x", "values": "v"}]}]}, ".values"),
        ({"entities": [{"name": "a", "also_called": "b", "fields": [{"name": "x"}]}]},
         "$.entities[0].also_called must be a list of at most 64 names"),
        ({"entities": [{"name": "a", "also_called": ["b"] * 65, "fields": [{"name": "x"}]}]},
         "$.entities[0].also_called must be a list of at most 64 names"),
        # punctuation alone would name every table whose name is punctuation or nothing
        ({"entities": [{"name": "a", "also_called": ["b", "--"], "fields": [{"name": "x"}]}]},
         "$.entities[0].also_called[1] must be a name"),
        ({"entities": [{"name": "a", "also_called": [7], "fields": [{"name": "x"}]}]},
         "$.entities[0].also_called[0] must be a name"),
        # a table called `deals` would be named for both, however spelled or inflected
        ({"entities": [{"name": "opportunity", "also_called": ["deal"], "fields": [{"name": "x"}]},
                       {"name": "promotion", "also_called": ["Deals"], "fields": [{"name": "x"}]}]},
         "$.entities[1].also_called[0] 'Deals' names entity 'opportunity' too"),
        ({"entities": [{"name": "invoice", "fields": [{"name": "x"}]},
                       {"name": "bill", "also_called": ["invoices"], "fields": [{"name": "x"}]}]},
         "$.entities[1].also_called[0] 'invoices' names entity 'invoice' too"),
    ],
)  # fmt: skip
def test_target_schema_errors_name_the_place(schema, problem):
    with pytest.raises(SpecError, match=problem.replace("[", r"\[").replace("$", r"\$")):
        targets_from_json(schema)


def test_entities_named_alike_without_other_names_are_a_valid_schema():
    """Only the other names are checked: two entities whose own names spell alike, or are
    written in a script of their own, were valid before `also_called` and still are."""
    entities = [{"name": n, "fields": [{"name": "x"}]} for n in ("web_traffic", "客户", "订单")]
    schema = targets_from_json(
        {"entities": [*entities, {"name": "webtraffic", "fields": [{"name": "x"}]}]}
    )
    assert len(schema.entities) == 4
    assert named_for("public.客户", *schema.names_of("客户"))  # any script's letters compare
    assert not named_for("订单", *schema.names_of("客户"))


def test_a_target_schema_gives_an_entity_the_other_names_its_tables_go_by():
    entity = {"name": "opportunity", "also_called": ["deal"], "fields": [{"name": "amount"}]}
    schema = targets_from_json({"entities": [entity, {"name": "a", "fields": [{"name": "x"}]}]})
    assert schema.names_of("opportunity") == ("opportunity", "deal")
    assert schema.names_of("a") == ("a",)


def test_each_name_the_canonical_model_gives_its_entities_is_one_entitys():
    """`customers` (an account or a contact) and `leads` are no entity's other name."""
    schema = canonical_targets()
    claimed = [name for entity in schema.entities for name in schema.names_of(entity)]
    assert len(claimed) == len(set(claimed)) > len(schema.entities)
    assert not {"customer", "lead", "member", "transaction"} & set(claimed)
    said = {w: schema.entity_called(w) for w in ("Deals", "person", "users", "customer")}
    assert said == {"Deals": "opportunity", "person": "contact", "users": "user", "customer": None}


@pytest.fixture(scope="module")
def matcher():
    return Matcher(canonical_targets(), default_embedder())


def field(name, entity="customers", system="acme", **kw):
    return SourceField(system, entity, name, **kw)


def test_the_texts_of_many_chunks_reach_the_encoder_in_one_call(monkeypatch):
    """rank_tables encodes a group of chunks' texts ahead, so the encoder batches them by
    length together (not a few texts per chunk); what it ranks is unchanged."""
    embedder = MiniLmEmbedder()
    matcher = Matcher(canonical_targets(), embedder)
    tables = ["customers", "leads", "people", "members"]
    fields = [field(n, entity=t) for t in tables for n in ("email", "first_name", "created_at")]
    monkeypatch.setattr(matcher_module, "CHUNK", 3)  # a chunk per table
    monkeypatch.setattr(matcher_module, "CHUNKS_ENCODED_TOGETHER", 1)
    one_by_one = matcher.rank(fields)
    calls: list[int] = []
    compute = embedder._compute
    monkeypatch.setattr(
        embedder, "_compute", lambda texts: calls.append(len(texts)) or compute(texts)
    )
    embedder._cache.clear()
    monkeypatch.setattr(matcher_module, "CHUNKS_ENCODED_TOGETHER", 16)
    together = matcher.rank(fields)
    assert len(calls) == 1 and calls[0] >= len(tables) * 3  # each table's texts, one call
    assert [[c.target for c in cs] for cs in together] == [
        [c.target for c in cs] for cs in one_by_one
    ]


def test_a_tables_mapped_fields_are_encoded_with_the_fields_ranked_beside_them(monkeypatch):
    """The mapped fields a new field is weighed against (column_margin's rivals) reach the
    encoder in the same call as the new fields, not in one call per chunk."""
    embedder = MiniLmEmbedder()
    matcher = Matcher(canonical_targets(), embedder)
    tables = ["customers", "leads"]
    new = [field("email_address", entity=t) for t in tables]
    mapped = {
        ("acme", t): [field("email", entity=t), field("first_name", entity=t)] for t in tables
    }
    monkeypatch.setattr(matcher_module, "CHUNK", 1)  # a chunk per table
    calls: list[list[str]] = []
    compute = embedder._compute
    monkeypatch.setattr(embedder, "_compute", lambda texts: calls.append(texts) or compute(texts))
    matcher.rank_tables(new, observed=mapped)
    assert len(calls) == 1
    assert {f.full_text for rows in mapped.values() for f in rows} <= set(calls[0])


def test_obvious_fields_rank_their_target_first(matcher):
    fields = [
        field("cust_email", samples=("a@b.com", "c@d.org")),
        field("inv_total_amt", entity="invoices", type="decimal"),
        field("dealname", entity="deals"),
    ]
    ranked = matcher.rank(fields, top_k=3)
    assert ranked[0][0].target in ("contact.email", "user.email")
    assert [r[0].target for r in ranked[1:]] == ["invoice.total_amount", "opportunity.name"]
    for candidates in ranked:
        assert candidates[0].confidence >= candidates[1].confidence
        assert all(0 <= c.confidence <= 1 for c in candidates)


def test_field_with_no_counterpart_is_left_unmapped(matcher):
    (resolution,) = Resolver(matcher).resolve([field("favourite_colour", samples=("red", "blue"))])
    assert resolution.mapping is None and resolution.status == "unmapped"
    assert resolution.method == "none" and resolution.confidence < 0.6


def test_value_patterns_count(matcher):
    def score(samples, target):
        (ranked,) = matcher.rank([field("contact_value", samples=samples)], top_k=200)
        return next(c.score for c in ranked if c.target == target)

    emails, phones = ("a@b.com", "x@y.org"), ("+1 555 0100", "+44 20 7946")
    assert score(emails, "contact.email") > score(phones, "contact.email")
    assert score(phones, "contact.phone") > score(emails, "contact.phone")


# LLM last ----------------------------------------------------------------------------------
def gemini_reply(text: str, status: int = 200) -> httpx.Response:
    body = {
        "candidates": [
            {"content": {"parts": [{"text": text}], "role": "model"}, "finishReason": "STOP"}
        ],
        "usageMetadata": {"promptTokenCount": 200, "candidatesTokenCount": 30},
    }
    return httpx.Response(status, json=body if status == 200 else {"error": {"code": status}})


def advisor(replies, quota=10):
    calls = []

    def handler(request: httpx.Request) -> httpx.Response:
        calls.append(json.loads(request.content))
        return replies.pop(0)

    client = httpx.Client(transport=httpx.MockTransport(handler))
    descriptions = {"contact.email": "Email address", "account.name": "Company name"}
    return GeminiAdvisor(
        "test-key", descriptions, MemoryLedger(quota), retries=2, http_client=client
    ), calls


CANDIDATES = [Candidate("contact.email", 0.7, 1.0), Candidate("account.name", 0.1, 0.2)]


def test_llm_answer_is_validated_and_priced():
    good = json.dumps({"target": "contact.email", "confidence": 0.9, "reason": "an address"})
    llm, calls = advisor([gemini_reply(good)])
    answer = llm.choose(field("mail_addr"), CANDIDATES, "t1")
    assert answer is not None and answer.target == "contact.email" and answer.cost_usd > 0
    prompt = calls[0]["contents"][0]["parts"][0]["text"]
    assert "mail_addr" in prompt and "contact.email: Email address" in prompt


@pytest.mark.parametrize(
    "text",
    [
        "Sure! The answer is contact.email",  # prose, not JSON
        json.dumps({"target": "contact.email; DROP TABLE field_mappings", "confidence": 1}),
        json.dumps({"target": "billing.secret_field", "confidence": 0.99}),  # outside the model
        json.dumps({"target": "contact.email", "confidence": 7}),
        json.dumps({"target": "contact.email", "confidence": 0.9, "sql": "DELETE"}),
    ],
)
def test_malformed_or_hostile_llm_answers_are_rejected(text):
    llm, _ = advisor([gemini_reply(text)])
    assert llm.choose(field("mail_addr"), CANDIDATES, "t1") is None


def test_llm_retries_transient_errors_then_answers():
    good = json.dumps({"target": "account.name", "confidence": 0.8, "reason": "name"})
    llm, calls = advisor([gemini_reply("", 503), gemini_reply("", 429), gemini_reply(good)])
    answer = llm.choose(field("org_label"), CANDIDATES, "t1")
    assert answer is not None and answer.target == "account.name" and len(calls) == 3


def test_llm_monthly_quota_per_tenant():
    good = json.dumps({"target": None, "confidence": 0.9, "reason": "nothing fits"})
    llm, calls = advisor([gemini_reply(good), gemini_reply(good)], quota=1)
    assert llm.choose(field("x"), CANDIDATES, "t1").target is None
    assert llm.choose(field("y"), CANDIDATES, "t1") is None  # over quota: not called
    assert llm.choose(field("z"), CANDIDATES, "t2") is not None  # another tenant's quota
    assert len(calls) == 2 and llm.refused_by_quota == 1


@pytest.mark.parametrize(
    ("confidence", "asked"),
    [(0.0, False), (0.29, False), (LLM_FLOOR, True), (0.59, True), (REVIEW, False),
     (CONTESTED_CEILING, False), (0.99, False)],
)  # fmt: skip
def test_the_llm_is_asked_only_about_fields_just_short_of_a_person(confidence, asked):
    assert asks_llm([Candidate("contact.email", confidence, 1.0)]) is asked
    assert not asks_llm([])


def test_llm_only_just_below_review_and_never_auto_approves(matcher):
    """Gemini's HTTP API stands behind the fake transport (unreachable here). Of a sure
    field, a held one, one just short of review and one far from any counterpart, only the
    one just short is asked; its answer goes to a person, however sure the LLM says it is.
    The tickets table's `id` is held for a person by a rule, its note reaching the reviewer;
    the contacts' other fields found the table as contacts (unfounded_tables)."""
    fields = [
        field("email", entity="contacts", samples=("a@b.com", "c@d.org")),
        field("first_name", entity="contacts"),
        field("last_name", entity="contacts"),
        field("mobile_phone", entity="contacts"),
        field("reach_me_at", entity="people"),
        field("favourite_colour", entity="people"),
        field("id", entity="tickets", type="string", samples=("T-1001", "T-1002")),
        field("subject", entity="tickets"),
    ]
    without_llm = {r.field.field: r for r in Resolver(matcher).resolve(fields)}
    sure, short, far = (without_llm[n] for n in ("email", "reach_me_at", "favourite_colour"))
    held = without_llm["id"]
    assert sure.status == "auto_approved" and LLM_FLOOR <= short.confidence < REVIEW
    assert far.confidence < LLM_FLOOR and held.confidence == CONTESTED_CEILING
    chosen = short.candidates[1].target  # the LLM prefers retrieval's second candidate
    reply = json.dumps({"target": chosen, "confidence": 0.99, "reason": "r"})
    llm, calls = advisor([gemini_reply(reply) for _ in fields])
    with_llm = {r.field.field: r for r in Resolver(matcher, llm=llm).resolve(fields, top_k=3)}
    prompts = [call["contents"][0]["parts"][0]["text"] for call in calls]
    assert len(calls) == 1 and "reach_me_at" in prompts[0]
    answered = with_llm["reach_me_at"]
    assert (answered.method, answered.mapping) == ("llm", chosen)
    assert answered.status == "pending_review" and answered.confidence <= LLM_CEILING
    assert (with_llm["email"].method, with_llm["email"].status) == ("rag", "auto_approved")
    assert (with_llm["favourite_colour"].method, with_llm["favourite_colour"].status) == (
        "none",
        "unmapped",
    )
    kept = with_llm["id"]
    assert (kept.method, kept.mapping, kept.status) == ("rag", "ticket.ticket_id", "pending_review")
    assert kept.reason == held.candidates[0].note


def test_parse_answer_accepts_null_target():
    assert parse_answer('{"target": null, "confidence": 0.2, "reason": "no"}', set())[0] is None


def test_canonical_value_sets_are_evidence(matcher):
    """`cadence` says little; values equal to subscription.billing_interval's set say it."""
    from autonomos_pipelines.dcl.model.canonical_model import canonical_model

    assert "month" in canonical_model()["subscription"].field("billing_interval").values

    def first(samples):
        fields = [field("id", "subscriptions"), field("cadence", "subscriptions", samples=samples)]
        return matcher.rank(fields, top_k=3)[1][0]

    told, untold = first(("month", "year")), first(("a", "b"))
    assert told.target == "subscription.billing_interval" and told.features["value_overlap"] == 1
    assert untold.target != "subscription.billing_interval"
    assert told.confidence > untold.confidence


def test_value_sets_count_only_equal_values_on_the_canonical_model(matcher):
    """An e-mail address resembles the ticket channel "email" but is not one."""
    (ranked,) = matcher.rank([field("reply_to", "tickets", samples=("a@b.com", "c@d.org"))], 200)
    channel = next(c for c in ranked if c.target == "ticket.channel")
    assert channel.features["value_similarity"] == 0 and channel.features["value_overlap"] == 0


def test_a_candidates_features_read_as_a_dict_and_copy_as_one(matcher):
    """Candidates read their features from their batch's block when asked; copied, pickled
    or compared they are the plain dict they stand for, never the whole block."""
    (candidates,) = matcher.rank([field("email", samples=("a@b.com",))])
    features = candidates[0].features
    plain = dict(features.items())
    assert list(plain) == list(FEATURES) and plain["name_similarity"] > 0.5
    assert dict(features.items()) == plain and len(features.items()) == len(FEATURES)
    assert features == plain and features["token_overlap"] == plain["token_overlap"]
    assert pickle.loads(pickle.dumps(features)) == plain
    assert type(copy.deepcopy(features)) is dict and repr(features) == repr(plain)
    with pytest.raises(KeyError):
        features["no_such_feature"]


def test_a_word_two_entities_are_named_by_names_neither():
    """A given schema may name two entities alike (its own names are not checked against
    each other): an entity's exact name is still its own, a shared form says nothing."""
    schema = targets_from_json(
        {"entities": [{"name": n, "fields": [{"name": "x"}]} for n in ("statuses", "status")]}
    )
    assert schema.entity_called("statuses") == "statuses"
    assert schema.entity_called("status") == "status"
    assert schema.entity_called("Statuses") is None  # a form of both
