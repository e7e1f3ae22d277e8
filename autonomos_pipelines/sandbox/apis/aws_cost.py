"""AWS Cost Explorer GetCostAndUsage (JSON 1.1 protocol, X-Amz-Target). The SigV4 signature
is recomputed with botocore from the signed headers and compared, so a wrong secret key fails
exactly as on AWS. Costs are deterministic per (day, service, account)."""

from __future__ import annotations

import hashlib
import hmac
import re
from datetime import date, timedelta
from typing import Any

from botocore.auth import SigV4Auth
from botocore.awsrequest import AWSRequest
from botocore.credentials import Credentials

from autonomos_pipelines.sandbox.apis.base import Records, SandboxApi
from autonomos_pipelines.sandbox.apis.http import Request, Response

ACCESS_KEY = "AKIAAUTONOMOSSANDBOX"
SECRET_KEY = "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"
SERVICES = [
    "Amazon Elastic Compute Cloud - Compute",
    "Amazon Simple Storage Service",
    "Amazon Relational Database Service",
    "AWS Lambda",
    "Amazon CloudFront",
    "Amazon DynamoDB",
]
ACCOUNTS = ["111122223333", "444455556666"]
DAYS_PER_PAGE = 20
AUTH = re.compile(
    r"AWS4-HMAC-SHA256 Credential=(?P<key>[^/]+)/(?P<scope>\S+), "
    r"SignedHeaders=(?P<headers>[^,]+), Signature=(?P<signature>[0-9a-f]+)"
)


def signature_ok(request: Request, url: str) -> bool:
    match = AUTH.match(request.headers.get("authorization", ""))
    if not match:
        return False
    signed = match["headers"].split(";")
    aws_request = AWSRequest(
        method=request.method,
        url=url,
        data=request.body,
        headers={name: request.headers.get(name, "") for name in signed},
    )
    aws_request.context["timestamp"] = request.headers.get("x-amz-date", "")
    region = match["scope"].split("/")[1]
    signer = SigV4Auth(Credentials(ACCESS_KEY, SECRET_KEY), "ce", region)
    canonical = signer.canonical_request(aws_request)
    expected = signer.signature(signer.string_to_sign(aws_request, canonical), aws_request)
    return hmac.compare_digest(expected, match["signature"])


def cost(day: date, service: str, account: str) -> float:
    digest = int(hashlib.sha256(f"{day}|{service}|{account}".encode()).hexdigest()[:8], 16)
    return round(3 + (digest % 50000) / 100, 4)


class AwsCostApi(SandboxApi):
    name = "aws_cost"

    def build(self, seed: int) -> Records:
        return {"daily_costs": []}  # computed per request from the time period

    def error(self, status: int, message: str, kind: str = "") -> Response:
        kind = kind or {429: "ThrottlingException", 400: "ValidationException"}.get(
            status, "InternalServerException"
        )
        return Response(status, {"__type": kind, "message": message})

    def handle(self, request: Request) -> Response:
        match = AUTH.match(request.headers.get("authorization", ""))
        if not match:
            return self.error(
                400, "Missing Authentication Token", "MissingAuthenticationTokenException"
            )
        if match["key"] != ACCESS_KEY:
            return self.error(
                400,
                "The security token included in the request is invalid.",
                "UnrecognizedClientException",
            )
        if not signature_ok(request, request.base_url + "/" + request.path):
            return self.error(
                400,
                "The request signature we calculated does not match the "
                "signature you provided. Check your AWS Secret Access Key and "
                "signing method.",
                "InvalidSignatureException",
            )
        if request.headers.get("x-amz-target") != "AWSInsightsIndexService.GetCostAndUsage":
            return self.error(400, "Unknown operation", "UnknownOperationException")
        body = request.json() or {}
        try:
            start = date.fromisoformat(body["TimePeriod"]["Start"])
            end = date.fromisoformat(body["TimePeriod"]["End"])
        except (KeyError, TypeError, ValueError):
            return self.error(400, "TimePeriod Start and End must be yyyy-MM-dd")
        keys = [group.get("Key") for group in body.get("GroupBy", [])]
        if len(keys) > 2 or any(key not in ("SERVICE", "LINKED_ACCOUNT") for key in keys):
            return self.error(400, "Only SERVICE and LINKED_ACCOUNT groupings are sandboxed")
        skip = int(body.get("NextPageToken") or 0)
        first = start + timedelta(days=skip)
        last = min(end, first + timedelta(days=DAYS_PER_PAGE))
        results = [
            self._day(first + timedelta(days=n), keys, body.get("Metrics") or [])
            for n in range((last - first).days)
        ]
        page: dict[str, Any] = {
            "GroupDefinitions": body.get("GroupBy", []),
            "ResultsByTime": results,
            "DimensionValueAttributes": [],
        }
        if last < end:
            page["NextPageToken"] = str(skip + DAYS_PER_PAGE)
        return Response(200, page)

    @staticmethod
    def _day(day: date, keys: list[str], metrics: list[str]) -> dict[str, Any]:
        groups = []
        accounts = ACCOUNTS if "LINKED_ACCOUNT" in keys else [ACCOUNTS[0]]
        for service in SERVICES:
            for account in accounts:
                values = {"SERVICE": service, "LINKED_ACCOUNT": account}
                amount = cost(day, service, account)
                metric_values = {
                    "UnblendedCost": {"Amount": str(amount), "Unit": "USD"},
                    "UsageQuantity": {"Amount": str(round(amount * 7.5, 2)), "Unit": "N/A"},
                }
                groups.append(
                    {
                        "Keys": [values[key] for key in keys],
                        "Metrics": {
                            m: metric_values.get(m, {"Amount": "0", "Unit": "USD"}) for m in metrics
                        },
                    }
                )
        return {
            "TimePeriod": {"Start": day.isoformat(), "End": (day + timedelta(1)).isoformat()},
            "Total": {},
            "Groups": groups,
            "Estimated": day >= date.today() - timedelta(2),
        }

    def expected_rows(self, resource: str, days: int = 90, group_by: int = 2) -> int:
        return days * len(SERVICES) * (len(ACCOUNTS) if group_by == 2 else 1)
