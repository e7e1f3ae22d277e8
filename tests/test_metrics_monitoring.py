"""deploy/monitoring: the alert rules and the Grafana dashboard parse, have the expected
structure, and every PromQL expression names only metrics our code defines."""

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
