"""HubSpot CRM v3: companies, contacts, deals (properties selection, paging.next.after), owners."""

from __future__ import annotations

import base64
import uuid
from typing import Any

from autonomos_pipelines.sandbox.apis.base import Records, SandboxApi
from autonomos_pipelines.sandbox.apis.http import Request, Response, bearer, int_param
from autonomos_pipelines.sandbox.data import hubspot_data

TOKEN = "pat-na1-ce1598f1-64e5-4d6c-9a00-651c4492718b"
PUBLIC_URL = "https://api.hubapi.com"


class HubSpotApi(SandboxApi):
    name = "hubspot"

    def build(self, seed: int) -> Records:
        return hubspot_data.dataset(seed or 11)

    def error(self, status: int, message: str, category: str = "") -> Response:
        default = {401: "INVALID_AUTHENTICATION", 429: "RATE_LIMITS"}.get(status, "ERROR")
        return Response(
            status,
            {
                "status": "error",
                "message": message,
                "correlationId": str(uuid.uuid4()),
                "category": category or default,
            },
        )

    def handle(self, request: Request) -> Response:
        token = bearer(request.headers)
        if token is None:
            return self.error(
                401,
                "Authentication credentials not found. This API supports OAuth 2.0 "
                "authentication and you can find more details at "
                "https://developers.hubspot.com/docs/methods/auth/oauth-overview",
            )
        if token != TOKEN:
            return self.error(401, "The OAuth token used to make this call expired or is invalid.")
        path = request.path.strip("/")
        object_type = "owners" if path == "crm/v3/owners" else path.removeprefix("crm/v3/objects/")
        if object_type not in self.data:
            return self.error(
                404, f"Unable to infer object type from: {object_type}", "OBJECT_NOT_FOUND"
            )
        limit = int_param(request.query, "limit", 10)
        if limit is None or not 1 <= limit <= (500 if object_type == "owners" else 100):
            return self.error(400, "limit must be between 1 and 100", "VALIDATION_ERROR")
        start = _decode_after(request.query.get("after"))
        if start is None:
            return self.error(400, "Invalid paging cursor 'after'", "VALIDATION_ERROR")
        rows = self.data[object_type][start : start + limit]
        if object_type != "owners":
            wanted = _properties(request.query.get("properties"), object_type)
            with_associations = "associations" in request.query
            rows = [_shape(row, wanted, with_associations) for row in rows]
        body: dict[str, Any] = {"results": rows}
        if start + limit < len(self.data[object_type]):
            after = _encode_after(start + limit)
            body["paging"] = {
                "next": {"after": after, "link": f"{PUBLIC_URL}/{path}?after={after}"}
            }
        return Response(200, body)

    def refresh(self, record, serial, now) -> None:
        record["id"] = str(99_000_000 + serial)
        if "properties" in record:
            record["properties"]["hs_object_id"] = record["id"]


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
