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

LOST = [Candidate("web_traffic.sessions", 0.7, 1.0)]  # a second date, given something else
TWO_DATES = [GRAIN, GRAIN, *(metric[0].target for metric in METRICS)]


def _agreed(rows=(DATE, *METRICS), decided=TRAFFIC, before=None):
    """``before``: each row's first target before the table's assignment (as ``rows``)."""
    tables = {DAILY: list(range(len(rows)))}
    before = before or [r[0].target if r else None for r in rows]
    return agreed_grains(list(rows), tables, {DAILY: decided}, GRAINS, before)


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
        # the assignment gave the grain to one of two dates, something else to the other
        ("two dates before the assignment", {"before": TWO_DATES, "rows": (DATE, LOST, *METRICS)}),
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
    assert date.reason.startswith("the table's date, the grain of its web_traffic rows; ")


def test_a_time_series_surrogate_key_leaves_the_grain_to_its_date(resolver):
    """A table's `id` took its entity's identity, the date, which left the real date
    unmapped: a time series' key never takes its grain."""
    spec = "id date:date sessions:integer users:integer pageviews:integer bounce_rate:number"
    found = _resolve(resolver, "ga", "web_traffic", spec)
    assert (found["date"].mapping, found["date"].status) == (GRAIN, "auto_approved")
    assert found["id"].mapping != GRAIN


def test_a_daily_table_that_leans_to_web_traffic_on_little_keeps_its_date_for_a_person(resolver):
    spec = "day:date active_users:integer sessions:integer events:integer new_signups:integer"
    day = _resolve(resolver, "app", "product_usage_daily", spec)["day"]
    assert day.mapping == GRAIN and day.status == "pending_review"
