"""Salesforce REST API: OAuth2 token endpoint (refresh_token grant), SOQL query endpoint with
nextRecordsUrl batches, INVALID_SESSION_ID once an access token expires (after a configurable
number of requests, so tests can watch the refresh happen)."""

from __future__ import annotations

import itertools
import re
import secrets
from typing import Any

from autonomos_pipelines.sandbox.apis.base import Records, SandboxApi
from autonomos_pipelines.sandbox.apis.http import Request, Response, bearer
from autonomos_pipelines.sandbox.data import salesforce_data

CLIENT_ID = "3MVG9eRvtQRxFAoCRIsBhyIRPK2iyElwmrYEE8mBvo8fg.2TrrBwyMZDrXqDjrDYaz"
CLIENT_SECRET = "M3TLY8HHE8UK89E2POZVFI12L7M0UEY0Z6EHSQJNE0C42KBGO4U0L1RTZ6NARWCR"
REFRESH_TOKEN = "5Aep861bsOzzPTAeUzwTT2vNJBoPC4a.7Wk7cRvgmlN9AJ1bXgJHkC3zntqffNdm"
SOQL = re.compile(
    r"^SELECT\s+(?P<fields>.+?)\s+FROM\s+(?P<object>\w+)"
    r"(?:\s+WHERE\s+(?P<field>\w+)\s*>=\s*(?P<since>\S+))?"
    r"(?:\s+ORDER\s+BY\s+(?P<order>\w+))?\s*$",
    re.IGNORECASE,
)


class SalesforceApi(SandboxApi):
    name = "salesforce"
    token_ttl_requests = 40  # requests an access token lives for

    def __init__(self, seed: int) -> None:
        super().__init__(seed)
        self.tokens: dict[str, int] = {}
        # Salesforce's optional "refresh token rotation": each grant retires the token used
        self.rotate_refresh_tokens = False
        self.refresh_tokens = {REFRESH_TOKEN}
        self.cursors: dict[str, tuple[list[dict[str, Any]], int]] = {}
        self._ids = itertools.count(1)

    def build(self, seed: int) -> Records:
        return salesforce_data.dataset(seed or 53)

    def reset(self) -> None:
        super().reset()
        self.rotate_refresh_tokens, self.refresh_tokens = False, {REFRESH_TOKEN}

    def error(self, status: int, message: str, code: str = "") -> Response:
        code = code or {429: "REQUEST_LIMIT_EXCEEDED"}.get(status, "UNKNOWN_EXCEPTION")
        return Response(status, [{"message": message, "errorCode": code}])

    def handle(self, request: Request) -> Response:
        path = request.path.strip("/")
        if path == "services/oauth2/token":
            return self._token(request)
        token = bearer(request.headers)
        if token not in self.tokens or self.tokens[token] >= self.token_ttl_requests:
            return self.error(401, "Session expired or invalid", "INVALID_SESSION_ID")
        self.tokens[token] += 1
        match = re.fullmatch(r"services/data/v\d+\.\d/query(?:/(?P<cursor>[\w-]+))?", path)
        if not match:
            return self.error(404, "The requested resource does not exist", "NOT_FOUND")
        batch = re.search(r"batchSize=(\d+)", request.headers.get("sforce-query-options", ""))
        size = int(batch.group(1)) if batch else 2000
        if match["cursor"]:
            if match["cursor"] not in self.cursors:
                return self.error(400, "invalid query locator", "INVALID_QUERY_LOCATOR")
            rows, start = self.cursors.pop(match["cursor"])
        else:
            parsed = self._query(request.query.get("q", ""))
            if isinstance(parsed, Response):
                return parsed
            rows, start = parsed, 0
        page = rows[start : start + size]
        body: dict[str, Any] = {
            "totalSize": len(rows),
            "done": start + size >= len(rows),
            "records": page,
        }
        if not body["done"]:
            cursor = f"01gAUTO{next(self._ids):08d}-{start + size}"
            self.cursors[cursor] = (rows, start + size)
            body["nextRecordsUrl"] = f"/services/data/v59.0/query/{cursor}"
        return Response(200, body)

    def _token(self, request: Request) -> Response:
        form = request.form()
        if form.get("grant_type") != "refresh_token":
            return Response(
                400,
                {
                    "error": "unsupported_grant_type",
                    "error_description": "grant type not supported",
                },
            )
        if (form.get("client_id"), form.get("client_secret")) != (CLIENT_ID, CLIENT_SECRET):
            return Response(
                400,
                {"error": "invalid_client_id", "error_description": "client identifier invalid"},
            )
        if form.get("refresh_token") not in self.refresh_tokens:
            return Response(
                400, {"error": "invalid_grant", "error_description": "expired access/refresh token"}
            )
        token = "00DAUTONOMOS!" + secrets.token_urlsafe(24)
        self.tokens[token] = 0
        rotated = {}
        if self.rotate_refresh_tokens:
            self.refresh_tokens.discard(form["refresh_token"])
            rotated = {"refresh_token": "5Aep861rotated." + secrets.token_urlsafe(16)}
            self.refresh_tokens.add(rotated["refresh_token"])
        return Response(
            200,
            {
                **rotated,
                "access_token": token,
                "instance_url": request.base_url,
                "id": f"{request.base_url}/id/00DAUTONOMOS/005AUTONOMOS",
                "token_type": "Bearer",
                "issued_at": "1700000000000",
                "signature": secrets.token_urlsafe(16),
            },
        )

    def _query(self, soql: str) -> list[dict[str, Any]] | Response:
        match = SOQL.match(soql.strip())
        if not match:
            return self.error(400, f"unexpected token in query: {soql[:60]}", "MALFORMED_QUERY")
        sobject = match["object"]
        if sobject not in self.data:
            return self.error(400, f"sObject type '{sobject}' is not supported.", "INVALID_TYPE")
        fields = [name.strip() for name in match["fields"].split(",")]
        known = self.data[sobject][0].keys() if self.data[sobject] else set()
        for name in fields:
            if name not in known:
                return self.error(
                    400, f"No such column '{name}' on entity '{sobject}'.", "INVALID_FIELD"
                )
        rows = self.data[sobject]
        if match["since"]:
            since = match["since"].replace("Z", ".000+0000")
            rows = [row for row in rows if row[match["field"]] >= since]
        if match["order"]:
            rows = sorted(rows, key=lambda row: (row[match["order"]], row["Id"]))
        return [
            {
                "attributes": {
                    "type": sobject,
                    "url": f"/services/data/v59.0/sobjects/{sobject}/{row['Id']}",
                },
                **{name: row[name] for name in fields},
            }
            for row in rows
        ]

    def refresh(self, record: dict[str, Any], serial: int, now) -> None:
        record["Id"] = record["Id"][:3] + f"AUTO{serial:011d}"
        stamp = now.strftime("%Y-%m-%dT%H:%M:%S.000+0000")
        record["SystemModstamp"] = record["LastModifiedDate"] = stamp
