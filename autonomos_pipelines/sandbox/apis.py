"""Request handling for each sandboxed API: auth check, pagination, response envelope.

Each handler takes (path, query, headers) and returns (status, json body). Error bodies use
the real APIs' shapes so connectors see what they would see in production.
"""

from __future__ import annotations

import base64
import uuid
from collections.abc import Mapping
from typing import Any

from autonomos_pipelines.sandbox import hubspot_data, stripe_data

Response = tuple[int, dict[str, Any]]
STRIPE_KEY = "sk_test_autonomos_sandbox"
HUBSPOT_TOKEN = "pat-na1-autonomos-sandbox"


def _bearer(headers: Mapping[str, str]) -> str | None:
    value = headers.get("authorization") or ""
    return value[7:].strip() if value.lower().startswith("bearer ") else None


def _int_param(query: Mapping[str, str], name: str, default: int) -> int | None:
    try:
        return int(query.get(name, default))
    except ValueError:
        return None


class StripeApi:
    """/v1/{customers,invoices,charges,subscriptions} with starting_after/has_more."""

    def __init__(self, seed: int = 7) -> None:
        self.data = stripe_data.dataset(seed)

    @staticmethod
    def _error(status: int, message: str, **extra: str) -> Response:
        return status, {"error": {"message": message, "type": "invalid_request_error", **extra}}

    def handle(self, path: str, query: Mapping[str, str], headers: Mapping[str, str]) -> Response:
        key = _bearer(headers)
        if key is None:
            return self._error(
                401,
                "You did not provide an API key. You need to provide your API "
                "key in the Authorization header, using Bearer auth (e.g. "
                "'Authorization: Bearer YOUR_SECRET_KEY').",
            )
        if key != STRIPE_KEY:
            return self._error(401, f"Invalid API Key provided: {key[:8]}****{key[-4:]}")
        resource = path.strip("/").removeprefix("v1/")
        if resource not in self.data:
            return self._error(404, f"Unrecognized request URL (GET: /v1/{resource}).")
        limit = _int_param(query, "limit", 10)
        if limit is None or not 1 <= limit <= 100:
            return self._error(
                400,
                "Invalid integer: limit must be between 1 and 100",
                code="parameter_invalid_integer",
                param="limit",
            )
        rows = self.data[resource]
        if resource == "subscriptions" and query.get("status") != "all":
            rows = [row for row in rows if row["status"] != "canceled"]
        start = 0
        if "starting_after" in query:
            ids = [row["id"] for row in rows]
            if query["starting_after"] not in ids:
                return self._error(
                    400,
                    f"No such object: '{query['starting_after']}'",
                    code="resource_missing",
                    param="starting_after",
                )
            start = ids.index(query["starting_after"]) + 1
        page = rows[start : start + limit]
        return 200, {
            "object": "list",
            "url": f"/v1/{resource}",
            "has_more": start + limit < len(rows),
            "data": page,
        }


class HubSpotApi:
    """/crm/v3/objects/{companies,contacts,deals} with paging.next.after and properties."""

    def __init__(self, seed: int = 11, public_url: str = "https://api.hubapi.com") -> None:
        self.data = hubspot_data.dataset(seed)
        self.public_url = public_url

    @staticmethod
    def _error(status: int, message: str, category: str) -> Response:
        return status, {
            "status": "error",
            "message": message,
            "correlationId": str(uuid.uuid4()),
            "category": category,
        }

    def handle(self, path: str, query: Mapping[str, str], headers: Mapping[str, str]) -> Response:
        token = _bearer(headers)
        if token is None:
            return self._error(
                401,
                "Authentication credentials not found. This API supports "
                "OAuth 2.0 authentication and you can find more details at "
                "https://developers.hubspot.com/docs/methods/auth/oauth-overview",
                "INVALID_AUTHENTICATION",
            )
        if token != HUBSPOT_TOKEN:
            return self._error(
                401,
                "The OAuth token used to make this call expired or is invalid.",
                "INVALID_AUTHENTICATION",
            )
        object_type = path.strip("/").removeprefix("crm/v3/objects/")
        if object_type not in self.data:
            return self._error(
                404, f"Unable to infer object type from: {object_type}", "OBJECT_NOT_FOUND"
            )
        limit = _int_param(query, "limit", 10)
        if limit is None or not 1 <= limit <= 100:
            return self._error(400, "limit must be between 1 and 100", "VALIDATION_ERROR")
        start = _decode_after(query.get("after"))
        if start is None:
            return self._error(400, "Invalid paging cursor 'after'", "VALIDATION_ERROR")
        wanted = _properties(query.get("properties"), object_type)
        rows = self.data[object_type][start : start + limit]
        results = [self._shape(row, wanted, "associations" in query) for row in rows]
        body: dict[str, Any] = {"results": results}
        if start + limit < len(self.data[object_type]):
            after = _encode_after(start + limit)
            body["paging"] = {
                "next": {
                    "after": after,
                    "link": f"{self.public_url}/crm/v3/objects/{object_type}?after={after}",
                }
            }
        return 200, body

    @staticmethod
    def _shape(row: dict[str, Any], wanted: list[str], with_associations: bool) -> dict:
        shaped = {key: value for key, value in row.items() if key != "associations"}
        shaped["properties"] = {
            name: row["properties"].get(name) for name in wanted if name in row["properties"]
        }
        if with_associations and "associations" in row:
            shaped["associations"] = row["associations"]
        return shaped


def _properties(raw: str | None, object_type: str) -> list[str]:
    if not raw:
        return hubspot_data.DEFAULT_PROPERTIES[object_type]
    return sorted({name.strip() for name in raw.split(",") if name.strip()} | {"hs_object_id"})


def _encode_after(offset: int) -> str:
    return base64.urlsafe_b64encode(str(offset).encode()).decode().rstrip("=")


def _decode_after(after: str | None) -> int | None:
    if not after:
        return 0
    try:
        return int(base64.urlsafe_b64decode(after + "=" * (-len(after) % 4)).decode())
    except (ValueError, UnicodeDecodeError):
        return None
