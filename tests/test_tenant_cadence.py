"""Each tenant's refresh cadence: set, shown and turned off from the CLI (admins only,
audited), and the `tenant_refresh` sensor evaluated against a real instance at chosen times."""

from __future__ import annotations

import json
import os
import pwd
from datetime import UTC, datetime, timedelta

import pytest
import sqlalchemy as sa
from dagster import DagsterRunStatus, build_sensor_context, instance_for_test
from dagster._core.test_utils import create_run_for_test
from typer.testing import CliRunner

from autonomos_pipelines.cli.main import app
from autonomos_pipelines.core.cadence import Cadence, Cadences
from autonomos_pipelines.core.tenant_id import TenantId
from autonomos_pipelines.dcl.registry.bootstrap import open_registry
from autonomos_pipelines.dcl.registry.workflow import Workflow
from autonomos_pipelines.sandbox.definitions import sandbox_resources
from mapping_assets.automation import clock
from mapping_assets.automation.refresh_sensor import tenant_refresh
from quality_checks.freshness import verdict

ME = pwd.getpwuid(os.geteuid()).pw_name


def cli(*args: str):  # type: ignore[no-untyped-def]
    return CliRunner().invoke(app, list(args))


@pytest.fixture
def registry(env):  # type: ignore[no-untyped-def]
    registry = open_registry(env)
    for tenant in ("acme", "beta", "gamma"):
        registry.add_tenant(tenant, {"stripe": {"endpoint": "sandbox"}}, "test")
    Workflow(registry).set_role("alice", "admin", "alice")
    return registry


def audit_actions(registry) -> list[tuple]:  # type: ignore[no-untyped-def]
    with registry.engine.connect() as db:
        return db.execute(
            sa.text("""SELECT action, actor, old_value, new_value FROM audit_log
                       WHERE object_type IN ('tenant_schedule', 'user') ORDER BY id""")
        ).all()


def test_schedule_cli_sets_shows_and_turns_off_for_admins_only(registry):
    refused = cli("tenants", "schedule", "acme", "*/30 * * * *")
    assert refused.exit_code == 2
    assert refused.output.strip() == (
        f"autonomos: error: {ME} (OS account) may not schedule for acme: needs role admin "
        "(has none)"
    )
    assert Cadences(registry.engine).get(TenantId("acme")) is None
    Workflow(registry).set_role(ME, "admin", "alice")

    assert "acme: no cadence" in cli("tenants", "schedule", "acme").output
    bad = cli("tenants", "schedule", "acme", "*/61 * * *")
    assert bad.exit_code == 2 and bad.output.strip() == (
        "autonomos: error: cron expression '*/61 * * *' is not valid: five fields expected, "
        "minute hour day-of-month month day-of-week, e.g. '*/30 * * * *'"
    )
    zone = cli("tenants", "schedule", "acme", "0 * * * *", "--timezone", "Mars/Olympus")
    assert zone.exit_code == 2 and "timezone 'Mars/Olympus' is not an IANA timezone" in zone.output

    on = cli("tenants", "schedule", "acme", "*/30 * * * *", "--timezone", "Europe/Paris")
    assert on.exit_code == 0, on.output
    line = on.output.strip()
    assert line.startswith("acme: */30 * * * * (Europe/Paris), on; next: ")
    ticks = [datetime.fromisoformat(t) for t in line.split("next: ")[1].split(", ")]
    assert [b - a for a, b in zip(ticks, ticks[1:], strict=False)] == [timedelta(minutes=30)] * 2
    assert all(t.minute in (0, 30) and t > datetime.now(UTC) for t in ticks)
    assert cli("tenants", "schedule", "acme").output.strip() == line

    listed = cli("tenants", "list").output.splitlines()
    assert listed[0].endswith("; refresh: */30 * * * * Europe/Paris")
    assert listed[1].endswith("; refresh: no cadence")

    off = cli("tenants", "schedule", "acme", "--off")
    assert off.output.strip() == "acme: */30 * * * * (Europe/Paris), off"
    assert (
        cli("tenants", "schedule", "beta", "--off").output.strip() == "beta: no cadence to turn off"
    )
    unknown = cli("tenants", "schedule", "nobody", "0 * * * *")
    assert unknown.exit_code == 2 and "unknown tenant 'nobody'" in unknown.output

    rows = audit_actions(registry)
    assert [row for row in rows if row[0] == "tenant.schedule.refused"] == [
        ("tenant.schedule.refused", ME, None, {"role": None})
    ]
    assert rows[-2:] == [
        ("schedule.set", ME, None, "*/30 * * * * (Europe/Paris)"),
        ("schedule.off", ME, "*/30 * * * * (Europe/Paris)", "*/30 * * * * (Europe/Paris), off"),
    ]


@pytest.fixture
def instance():  # type: ignore[no-untyped-def]
    with instance_for_test() as dagster_instance:
        yield dagster_instance


def tick(instance, monkeypatch, at: datetime, cursor: str | None):  # type: ignore[no-untyped-def]
    """One evaluation of the sensor as the daemon runs it, with its clock at ``at``."""
    monkeypatch.setattr(clock, "utc_now", lambda: at)
    resources = sandbox_resources()
    with build_sensor_context(
        instance=instance,
        cursor=cursor,
        resources={name: resources[name] for name in ("registry", "tenancy")},
    ) as context:
        return tenant_refresh(context)


def test_refresh_sensor_requests_one_run_per_due_tick(registry, instance, monkeypatch):
    cadences = Cadences(registry.engine)
    acme = cadences.set(TenantId("acme"), "*/30 * * * *", "UTC", "test")
    cadences.set(TenantId("beta"), "*/30 * * * *", "UTC", "test")
    cadences.turn_off(TenantId("beta"), "test")  # off: never due
    cadences.set(TenantId("gamma"), "0 0 1 1 *", "UTC", "test")  # yearly: not due today
    first_tick = acme.latest_tick(acme.updated_at) + timedelta(minutes=30)

    just_set = tick(instance, monkeypatch, first_tick - timedelta(seconds=1), None)
    assert just_set.run_requests == [] and "no tenant due" in just_set.skip_reason.skip_message
    assert f"next: acme at {first_tick.isoformat(timespec='minutes')}" in (
        just_set.skip_reason.skip_message
    )

    due = tick(instance, monkeypatch, first_tick + timedelta(seconds=5), just_set.cursor)
    (request,) = due.run_requests
    assert request.partition_key == "acme"
    assert request.run_key == f"refresh:acme:{first_tick.isoformat()}"
    assert request.tags == {"tenant": "acme", "autonomos/refresh_tick": first_tick.isoformat()}
    assert {key.path[0] for key in request.asset_selection} == {"raw"}
    assert {key.path[1] for key in request.asset_selection} == {"stripe"}
    assert json.loads(due.cursor) == {"acme": first_tick.isoformat()}

    again = tick(instance, monkeypatch, first_tick + timedelta(minutes=1), due.cursor)
    assert again.run_requests == []  # the same tick is never requested twice

    # the daemon was down for two hours: the four missed ticks run once, as the latest
    late = first_tick + timedelta(hours=2, minutes=7)
    (catch_up,) = tick(instance, monkeypatch, late, again.cursor).run_requests
    assert catch_up.run_key == f"refresh:acme:{(first_tick + timedelta(hours=2)).isoformat()}"

    # a tenant whose run is still in progress skips the tick instead of queueing another
    create_run_for_test(
        instance, job_name="x", tags={"tenant": "acme"}, status=DagsterRunStatus.STARTED
    )
    busy = tick(instance, monkeypatch, late + timedelta(minutes=30), again.cursor)
    assert busy.run_requests == [] and "skipped (a run still in progress" in (
        busy.skip_reason.skip_message
    )


def test_freshness_rule_allows_two_intervals_plus_grace():
    now = datetime(2026, 3, 2, 10, 5, tzinfo=UTC)
    hourly = Cadence(TenantId("acme"), "0 * * * *", "UTC", True, now - timedelta(days=3))
    allowed = timedelta(hours=2, minutes=10)
    fresh = verdict(TenantId("acme"), hourly, now - allowed, now)
    stale = verdict(TenantId("acme"), hourly, now - allowed - timedelta(minutes=1), now)
    assert fresh.passed and not stale.passed
    assert stale.metadata["overdue_by_minutes"].value == 1.0
    assert stale.metadata["allowed_age_minutes"].value == 130.0
    assert stale.description.startswith("tenant acme: table is 131 min old")
    never = verdict(TenantId("acme"), hourly, None, now)  # measured from when it was set
    assert not never.passed and never.metadata["last_materialized"].value == "never"
    off = Cadence(TenantId("acme"), "0 * * * *", "UTC", False, now)
    assert verdict(TenantId("acme"), off, None, now).metadata["cadence"] == "off"
    assert verdict(TenantId("acme"), None, None, now).passed
