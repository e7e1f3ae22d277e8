"""Every metric the project counts, with its help text: the one list dashboards and alert
rules are checked against (tests/test_metrics_monitoring.py).

Labels stay bounded: tenant, connector, table, method, status, outcome, code class, route
template. Never a field name, URL or value from a source. Gauges are not counted here: a
per-process gauge is wrong across processes, so each is computed at scrape time from the
registry (see collectors and the collectors of aam and dcl).
"""

from __future__ import annotations

from collections import Counter as Tally
from collections.abc import Iterable, Sequence
from typing import Any

from prometheus_client import Counter, Histogram

from autonomos_pipelines.core.metrics import multiprocess

multiprocess.enable()  # before any labelled child (a value file) exists in this process

RECORDS_LOADED = Counter(
    "autonomos_records_loaded",
    "Top-level records a raw load fetched, per tenant, connector and table",
    ["tenant", "connector", "table"],
)
CONNECTOR_LOADS = Counter(
    "autonomos_connector_loads",
    "Raw loads ended, by outcome: success, or failure of the source (what the breaker counts)",
    ["tenant", "connector", "outcome"],
)
HTTP_REQUESTS = Counter(
    "autonomos_http_requests",
    "Connector HTTP attempts by response class: 2xx, 3xx, 4xx (not 429), 429, 5xx, or "
    "network (no response)",
    ["connector", "code_class"],
)
HTTP_RETRIES = Counter(
    "autonomos_http_retries", "Connector HTTP attempts retried after a backoff", ["connector"]
)
MAPPING_DECISIONS = Counter(
    "autonomos_mapping_decisions",
    "Source fields resolved by the DCL, by method and outcome (auto_approved, review, unmapped)",
    ["tenant", "method", "status"],
)
DRIFT_EVENTS = Counter(
    "autonomos_drift_events",
    "Schema drift events opened or repaired",
    ["tenant", "connector", "action"],
)
DRIFT_REPAIR_SECONDS = Histogram(
    "autonomos_drift_repair_seconds",
    "Seconds from a drift event's detection to its repair",
    ["connector"],
    buckets=(1, 5, 30, 60, 300, 900, 3600, 4 * 3600, 24 * 3600, 7 * 24 * 3600),
)
LLM_CALLS = Counter(
    "autonomos_llm_calls",
    "LLM calls asked for, by outcome: answered, failed, or refused by the monthly quota",
    ["tenant", "outcome"],
)
LLM_COST = Counter("autonomos_llm_cost_usd", "Estimated LLM cost in US dollars", ["tenant"])
API_REQUESTS = Counter(
    "autonomos_api_requests",
    "HTTP API requests by route template, method and status class",
    ["route", "method", "code_class"],
)
API_LOOKUP_SECONDS = Histogram(
    "autonomos_api_lookup_seconds",
    "Latency of the API's mapping lookups (one field or a batch)",
    ["route"],
    buckets=(0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5),
)
# scrape-time gauges (collectors): names listed so dashboards and rules are checked against them
COLLECTED = {
    "autonomos_collector_up": "1 if the collector answered within its time box, else 0",
    "autonomos_connector_breaker_open": "1 while a connector is degraded (its loads skipped)",
    "autonomos_connector_consecutive_failures": "Failed loads in a row per connector",
    "autonomos_drift_unrepaired_oldest_seconds": "Age of the oldest drift event not repaired",
    "autonomos_drift_unrepaired": "Drift events open, healing, needing review or failed",
    "autonomos_review_queue_depth": "Mapping proposals waiting for a reviewer",
    "autonomos_review_queue_oldest_seconds": "Age of the oldest mapping proposal waiting",
    "autonomos_quota_limit": "A tenant's quota limit (0: no limit)",
    "autonomos_quota_used": "What a tenant used of a quota in the quota's window",
}


def code_class(status: int | None) -> str:
    """A response status as a bounded label; 429 apart (throttling is not an error)."""
    if status is None:
        return "network"
    if status == 429:
        return "429"
    return f"{status // 100}xx" if 100 <= status < 600 else "other"


METHODS = frozenset({"registry", "rag", "llm", "rule", "manual", "none"})
REVIEW_STATUSES = {"pending_review": "review", "proposed": "review", "needs_review": "review"}


def count_decisions(tenant: str, decisions: Iterable[tuple[str, str]]) -> None:
    """(method, status) of each field the DCL resolved; unknown methods count as `other`."""
    for (method, status), count in Tally(decisions).items():
        label = method if method in METHODS else "other"
        MAPPING_DECISIONS.labels(tenant, label, REVIEW_STATUSES.get(status, status)).inc(count)


def count_repairs(tenant: str, repaired: Iterable[Sequence[Any]]) -> None:
    """(connector, seconds from detection to repair; None: not repaired) per drift event."""
    for connector, seconds in repaired:
        if seconds is not None:
            DRIFT_EVENTS.labels(tenant, connector, "repaired").inc()
            DRIFT_REPAIR_SECONDS.labels(connector).observe(float(seconds))
