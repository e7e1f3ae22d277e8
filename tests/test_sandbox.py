"""The sandbox reproduces the real APIs' auth errors, envelopes and pagination."""

from __future__ import annotations

import json
import urllib.error
import urllib.request

import pytest

from autonomos_pipelines.sandbox.apis.github import TOKEN as GITHUB_TOKEN
from autonomos_pipelines.sandbox.apis.hubspot import TOKEN as HUBSPOT_TOKEN
from autonomos_pipelines.sandbox.apis.stripe import API_KEY as STRIPE_KEY


def get(url: str, token: str | None = None) -> tuple[int, dict]:
    request = urllib.request.Request(
        url, headers={"Authorization": f"Bearer {token}"} if token else {}
    )
    try:
        with urllib.request.urlopen(request, timeout=5) as response:
            return response.status, json.load(response)
    except urllib.error.HTTPError as error:
        return error.code, json.load(error)


@pytest.mark.parametrize(
    ("path", "token", "fragment"),
    [
        ("/stripe/v1/customers", None, "You did not provide an API key"),
        (
            "/stripe/v1/customers",
            "sk_test_wrong_key_1234",
            "Invalid API Key provided: sk_test_****1234",
        ),
    ],
)
def test_stripe_auth_errors_use_stripes_shape(sandbox, path, token, fragment):
    status, body = get(sandbox.url + path, token)
    assert status == 401
    assert body["error"]["type"] == "invalid_request_error"
    assert fragment in body["error"]["message"]


def test_hubspot_auth_error_uses_hubspots_shape(sandbox):
    status, body = get(sandbox.url + "/hubspot/crm/v3/objects/contacts")
    assert status == 401
    assert body["status"] == "error" and body["category"] == "INVALID_AUTHENTICATION"


def test_stripe_cursor_pagination_walks_every_record_once(sandbox):
    seen, cursor = [], None
    while True:
        url = (
            sandbox.url
            + "/stripe/v1/invoices?limit=37"
            + (f"&starting_after={cursor}" if cursor else "")
        )
        status, body = get(url, STRIPE_KEY)
        assert status == 200 and body["object"] == "list"
        seen += [row["id"] for row in body["data"]]
        if not body["has_more"]:
            break
        cursor = body["data"][-1]["id"]
    assert len(seen) == len(set(seen)) == len(sandbox.apis["stripe"].data["invoices"])


def test_stripe_rejects_out_of_range_limit(sandbox):
    status, body = get(sandbox.url + "/stripe/v1/charges?limit=500", STRIPE_KEY)
    assert status == 400 and body["error"]["param"] == "limit"


def test_hubspot_paging_and_property_selection(sandbox):
    seen, after = [], None
    while True:
        url = sandbox.url + "/hubspot/crm/v3/objects/companies?limit=30&properties=name,domain"
        status, body = get(url + (f"&after={after}" if after else ""), HUBSPOT_TOKEN)
        assert status == 200
        for row in body["results"]:
            assert set(row["properties"]) == {"name", "domain", "hs_object_id"}
        seen += [row["id"] for row in body["results"]]
        after = body.get("paging", {}).get("next", {}).get("after")
        if after is None:
            break
    assert len(seen) == len(set(seen)) == 80


def test_hubspot_defaults_to_default_properties(sandbox):
    _, body = get(sandbox.url + "/hubspot/crm/v3/objects/deals?limit=1", HUBSPOT_TOKEN)
    assert "dealname" in body["results"][0]["properties"]
    assert "hubspot_owner_id" not in body["results"][0]["properties"]
    assert "associations" not in body["results"][0]


def test_data_is_deterministic(sandbox):
    from autonomos_pipelines.sandbox.data import hubspot_data, stripe_data

    assert stripe_data.dataset() == stripe_data.dataset()
    assert hubspot_data.dataset()["deals"][5] == sandbox.apis["hubspot"].data["deals"][5]


def post(url: str, body: dict) -> tuple[int, dict]:
    request = urllib.request.Request(
        url, data=json.dumps(body).encode(), headers={"Content-Type": "application/json"}
    )
    try:
        with urllib.request.urlopen(request, timeout=5) as response:
            return response.status, json.load(response)
    except urllib.error.HTTPError as error:
        return error.code, json.load(error)


def test_mutation_endpoint_renames_retypes_adds_and_drops_fields(sandbox):
    control = sandbox.url + "/_sandbox/"
    try:
        status, body = post(
            control + "mutate",
            {
                "api": "pipedrive",
                "resource": "deals",
                "op": "rename",
                "field": "title",
                "to": "name",
            },
        )
        assert status == 200 and body["touched"] == len(sandbox.apis["pipedrive"].data["deals"])
        post(
            control + "mutate",
            {
                "api": "pipedrive",
                "resource": "deals",
                "op": "retype",
                "field": "value",
                "type": "string",
            },
        )
        post(
            control + "mutate",
            {
                "api": "pipedrive",
                "resource": "deals",
                "op": "add",
                "field": "region",
                "value": "EMEA",
            },
        )
        post(
            control + "mutate",
            {"api": "pipedrive", "resource": "deals", "op": "drop", "field": "origin"},
        )
        url = sandbox.url + "/pipedrive/v1/deals?limit=1&api_token="
        _, page = get(url + "b15399ac70803a3d51eb2f02d53b67185767fc17")
        deal = page["data"][0]
        assert "title" not in deal and "origin" not in deal and deal["region"] == "EMEA"
        assert isinstance(deal["name"], str) and isinstance(deal["value"], str)
    finally:
        post(control + "reset", {"api": "pipedrive"})
    assert "title" in sandbox.apis["pipedrive"].data["deals"][0]


@pytest.mark.parametrize(
    ("path", "body", "fragment"),
    [
        ("mutate", {"api": "nope", "resource": "x", "op": "drop", "field": "a"}, "unknown"),
        (
            "mutate",
            {"api": "stripe", "resource": "nope", "op": "drop", "field": "a"},
            "no resource",
        ),
        ("mutate", {"api": "stripe", "resource": "charges", "op": "explode", "field": "a"}, "op"),
        ("config", {"api": "stripe", "speed": 3}, "unknown sandbox setting"),
    ],
)
def test_bad_control_requests_name_the_problem(sandbox, path, body, fragment):
    status, answer = post(sandbox.url + "/_sandbox/" + path, body)
    assert status == 400 and fragment in answer["error"]


def test_rate_limit_answers_429_with_retry_after_in_the_apis_shape(sandbox):
    sandbox.controls.configure("github", {"requests_per_second": 1})
    try:
        url = sandbox.url + "/github/orgs/autonomos-demo/members"
        token = {"Authorization": f"Bearer {GITHUB_TOKEN}"}
        first = urllib.request.urlopen(urllib.request.Request(url, headers=token), timeout=5)
        assert first.status == 200
        with pytest.raises(urllib.error.HTTPError) as raised:
            urllib.request.urlopen(urllib.request.Request(url, headers=token), timeout=5)
        assert raised.value.code == 429 and raised.value.headers["Retry-After"] == "1"
        assert "documentation_url" in json.load(raised.value)  # GitHub's error shape
    finally:
        sandbox.controls.reset()
