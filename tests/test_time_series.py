"""A time series' date, its grain, is approved like a key where its table agrees on it, and
held for a person where anything leaves it open (dcl/matching/time_series.py)."""

from __future__ import annotations

from dataclasses import replace

import pytest

from autonomos_pipelines.dcl.matching.candidate import Candidate
from autonomos_pipelines.dcl.matching.embeddings import default_embedder
from autonomos_pipelines.dcl.matching.matcher import Matcher
from autonomos_pipelines.dcl.matching.resolver import Resolver
from autonomos_pipelines.dcl.matching.settled_keys import WITNESSES
from autonomos_pipelines.dcl.matching.source_field import SourceField
from autonomos_pipelines.dcl.matching.table_entity import CLEAR_LEAD, TableEntity
from autonomos_pipelines.dcl.matching.targets import canonical_targets
from autonomos_pipelines.dcl.matching.time_series import agreed_grains

GRAIN = "web_traffic.date"
GRAINS = {"web_traffic": GRAIN, "cloud_cost": "cloud_cost.usage_date"}
DAILY = ("ga", "daily")
TRAFFIC = TableEntity("web_traffic", 5.0, "campaign", 2.0, 5, None)
assert 5.0 - 4.5 < CLEAR_LEAD  # the runner-up below: close behind
DATE = [Candidate(GRAIN, 0.95, 2.0)]
METRICS = [
    [Candidate(f"web_traffic.{name}", 0.9, 1.0)] for name in ("sessions", "users", "page_views")
]


def _agreed(rows=(DATE, *METRICS), decided=TRAFFIC, keyed=()):
    tables = {DAILY: list(range(len(rows)))}
    return agreed_grains(list(rows), tables, {DAILY: decided}, GRAINS, keyed)


def test_the_one_date_of_a_table_that_clearly_is_a_time_series_is_agreed_on():
    assert _agreed() == {0: (GRAIN, 3)}


@pytest.mark.parametrize(
    ("why", "change"),
    [
        ("too few metrics say so", {"rows": (DATE, *METRICS[: WITNESSES - 1])}),
        ("two dates on the grain", {"rows": (DATE, DATE, *METRICS)}),
        ("no date on the grain", {"rows": tuple(METRICS)}),
        ("a runner-up close behind", {"decided": replace(TRAFFIC, runner_up_fit=4.5)}),
        ("a nested list", {"decided": replace(TRAFFIC, nested=True)}),
        ("an entity that is no time series", {"decided": replace(TRAFFIC, entity="campaign")}),
        ("a key takes the identity", {"keyed": {DAILY}}),
    ],
)  # fmt: skip
def test_a_date_anything_leaves_open_is_not_agreed_on(why, change):
    assert _agreed(**change) == {}, why


@pytest.fixture(scope="module")
def resolver():
    return Resolver(Matcher(canonical_targets(), default_embedder()))


def _resolve(resolver, system: str, table: str, spec: str):
    fields = [
        SourceField(system, table, name, kind or "string")
        for name, _, kind in (item.partition(":") for item in spec.split())
    ]
    return {r.field.field: r for r in resolver.resolve(fields)}


def test_a_web_analytics_daily_tables_date_is_approved_and_says_why(resolver):
    """The real matcher: the date was held at 0.84 whatever the trees said, so the table's six
    approved metrics fed no canonical table until a person confirmed it."""
    spec = "date:date sessions:integer users:integer pageviews:integer bounce_rate:number"
    spec += " source medium"
    date = _resolve(resolver, "ga", "daily_traffic", spec)["date"]
    assert (date.mapping, date.status) == (GRAIN, "auto_approved")
    assert date.reason.startswith("the table's date, the grain of a web_traffic; ")


def test_a_daily_table_that_leans_to_web_traffic_on_little_keeps_its_date_for_a_person(resolver):
    spec = "day:date active_users:integer sessions:integer events:integer new_signups:integer"
    day = _resolve(resolver, "app", "product_usage_daily", spec)["day"]
    assert day.mapping == GRAIN and day.status == "pending_review"
