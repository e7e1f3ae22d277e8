"""deploy/monitoring: the alert rules and the Grafana dashboard parse, have the expected
structure, every PromQL expression names only metrics our code defines and reads the
registry gauges with `max by` (served twice by mistake, they still match one to one), and
the scrape config scrapes counts and registry gauges from different jobs."""

from __future__ import annotations

import json
import re
from pathlib import Path

import yaml
from prometheus_client import Counter, Histogram

from autonomos_pipelines.core.metrics import definitions

MONITORING = Path(__file__).resolve().parents[1] / "deploy" / "monitoring"
METRIC_NAME = re.compile(r"\bautonomos_[a-z0-9_]+\b")  # recording rules (autonomos:...) excluded
SUFFIXES = {Counter: ("_total",), Histogram: ("_bucket", "_sum", "_count")}
# cluster-wide facts; autonomos_collector_up is of each target, duplicates are its point
REGISTRY_GAUGES = set(definitions.COLLECTED) - {"autonomos_collector_up"}
MAX_BY = re.compile(r"max by \([a-z_, ]+\) \((?:delta\()?autonomos_[a-z0-9_]+")


def defined_names() -> set[str]:
    """Every series name our code exposes: counters and histograms with their suffixes, and
    the scrape-time gauges."""
    names = set(definitions.COLLECTED)
    for metric in vars(definitions).values():
        for kind, suffixes in SUFFIXES.items():
            if isinstance(metric, kind):
                names |= {metric._name + suffix for suffix in suffixes}
    return names


def unknown_names(expressions: list[str]) -> set[str]:
    return {name for e in expressions for name in METRIC_NAME.findall(e)} - defined_names()


def bare_registry_gauges(expressions: list[str]) -> set[str]:
    """Registry gauges an expression reads without `max by` their labels first."""
    return {n for e in expressions for n in METRIC_NAME.findall(MAX_BY.sub("", e))} & (
        REGISTRY_GAUGES
    )


def expressions_of(file: str) -> list[str]:
    if file.endswith(".json"):
        panels = json.loads((MONITORING / file).read_text())["panels"]
        return [t["expr"] for panel in panels for t in panel["targets"]]
    groups = yaml.safe_load((MONITORING / file).read_text())["groups"]
    return [rule["expr"] for group in groups for rule in group["rules"]]


def test_registry_gauges_are_read_with_max_so_duplicates_never_break_a_rule():
    for file in ("alerts.yml", "grafana-dashboard.json"):
        assert bare_registry_gauges(expressions_of(file)) == set(), file
    assert bare_registry_gauges(
        ["autonomos_quota_used / on (tenant, quota) (autonomos_quota_limit > 0) > 0.9"]
    ) == {"autonomos_quota_used", "autonomos_quota_limit"}


def test_counts_and_registry_gauges_are_scraped_by_different_jobs():
    jobs = yaml.safe_load((MONITORING / "prometheus.yml").read_text())["scrape_configs"]
    ports = {job["job_name"]: job["static_configs"][0]["targets"][0] for job in jobs}
    assert ports == {"autonomos": "127.0.0.1:9464", "autonomos-registry": "127.0.0.1:8000"}


def test_the_alert_rules_cover_the_slo_and_operations():
    rules = [
        rule
        for group in yaml.safe_load((MONITORING / "alerts.yml").read_text())["groups"]
        for rule in group["rules"]
    ]
    alerts = {rule["alert"]: rule for rule in rules if "alert" in rule}
    assert {
        "ConnectorErrorBudgetFastBurn", "ConnectorErrorBudgetSlowBurn", "ConnectorServerErrors",
        "ConnectorBreakerOpen", "ReviewQueueGrowing", "DriftUnrepaired", "QuotaNearlyUsed",
    } <= set(alerts)  # fmt: skip
    for rule in alerts.values():
        assert rule["labels"]["severity"] in ("page", "ticket")
        assert rule["annotations"]["summary"]
    recorded = {rule["record"] for rule in rules if "record" in rule}
    for burn in ("ConnectorErrorBudgetFastBurn", "ConnectorErrorBudgetSlowBurn"):
        windows = [r for r in recorded if r in alerts[burn]["expr"]]
        assert len(windows) == 2  # multi-window: a long and a short window must both burn
    expressions = [rule["expr"] for rule in rules]
    assert unknown_names(expressions) == set()
    assert {"autonomos_connector_loads_total", "autonomos_quota_limit"} <= {
        n for e in expressions for n in METRIC_NAME.findall(e)
    }


def test_the_dashboard_uses_only_defined_metrics_and_covers_them():
    dashboard = json.loads((MONITORING / "grafana-dashboard.json").read_text())
    expressions = [t["expr"] for panel in dashboard["panels"] for t in panel["targets"]]
    assert all(panel["title"] for panel in dashboard["panels"])
    assert unknown_names(expressions) == set()
    used = {re.sub(r"_(total|bucket|sum|count)$", "", n) for e in expressions
            for n in METRIC_NAME.findall(e)}  # fmt: skip
    counted = {m._name for m in vars(definitions).values() if isinstance(m, Counter | Histogram)}
    assert counted <= used  # every counter and histogram has a panel


def test_the_check_sees_an_undefined_metric():
    assert unknown_names(["rate(autonomos_made_up_total[5m])"]) == {"autonomos_made_up_total"}
    scrape = yaml.safe_load((MONITORING / "prometheus.yml").read_text())
    assert scrape["rule_files"] == ["alerts.yml"]
