"""Stripe REST v1: customers, invoices, charges, subscriptions; starting_after/has_more."""

from __future__ import annotations

from autonomos_pipelines.sandbox.apis.base import Records, SandboxApi
from autonomos_pipelines.sandbox.apis.http import Request, Response, bearer, int_param
from autonomos_pipelines.sandbox.data import stripe_data

API_KEY = "sk_test_kNtaU4i5GpIpatEJc2vPjjeJ"


class StripeApi(SandboxApi):
    name = "stripe"
    prefix = "v1/"

    def build(self, seed: int) -> Records:
        return stripe_data.dataset(seed or 7)

    def error(self, status: int, message: str, **extra: str) -> Response:
        kind = "rate_limit_error" if status == 429 else "invalid_request_error"
        if status >= 500:
            kind = "api_error"
        return Response(status, {"error": {"message": message, "type": kind, **extra}})

    def handle(self, request: Request) -> Response:
        key = bearer(request.headers)
        if key is None:
            return self.error(
                401,
                "You did not provide an API key. You need to provide your API key in the "
                "Authorization header, using Bearer auth (e.g. 'Authorization: Bearer "
                "YOUR_SECRET_KEY').",
            )
        if key != API_KEY:
            return self.error(401, f"Invalid API Key provided: {key[:8]}****{key[-4:]}")
        resource = request.path.strip("/").removeprefix("v1/")
        if resource not in self.data:
            return self.error(404, f"Unrecognized request URL (GET: /v1/{resource}).")
        query = request.query
        limit = int_param(query, "limit", 10)
        if limit is None or not 1 <= limit <= 100:
            return self.error(
                400,
                "Invalid integer: limit must be between 1 and 100",
                code="parameter_invalid_integer",
                param="limit",
            )
        rows = self.data[resource]
        if resource == "subscriptions" and query.get("status") != "all":
            rows = [row for row in rows if row["status"] != "canceled"]
        if "created[gte]" in query:
            since = int_param(query, "created[gte]", 0) or 0
            rows = [row for row in rows if row["created"] >= since]
        start = 0
        if "starting_after" in query:
            ids = [row["id"] for row in rows]
            if query["starting_after"] not in ids:
                return self.error(
                    400,
                    f"No such object: '{query['starting_after']}'",
                    code="resource_missing",
                    param="starting_after",
                )
            start = ids.index(query["starting_after"]) + 1
        return Response(
            200,
            {
                "object": "list",
                "url": f"/v1/{resource}",
                "has_more": start + limit < len(rows),
                "data": rows[start : start + limit],
            },
        )

    def refresh(self, record, serial, now) -> None:
        record["id"] = f"{record['id'].split('_')[0]}_new{serial:010d}"
        record["created"] = int(now.timestamp())

    def grow(self, resource: str, count: int) -> list:
        added = super().grow(resource, count)
        self.data[resource].sort(key=lambda row: (-row["created"], row["id"]))  # newest first
        return added
