"""The sandbox reproduces the real APIs' auth errors, envelopes and pagination."""

from __future__ import annotations

import json
import urllib.error
import urllib.request

import pytest

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
    from autonomos_pipelines.sandbox import hubspot_data, stripe_data

    assert stripe_data.dataset() == stripe_data.dataset()
    assert hubspot_data.dataset()["deals"][5] == sandbox.apis["hubspot"].data["deals"][5]
