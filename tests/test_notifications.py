"""Notifications: each event of a tenant becomes one Slack-compatible message to a real local
HTTP receiver, from real events (a failed run in a real instance, a drift event in the
registry, check evaluations recorded in the instance), evaluated by the real sensors."""

from __future__ import annotations

import json
import logging
import threading
import time
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest
import sqlalchemy as sa
from dagster import (
    AssetCheckEvaluation,
    AssetCheckResult,
    AssetCheckSeverity,
    AssetCheckSpec,
    AssetKey,
    DagsterInstance,
    Output,
    SensorResult,
    SkipReason,
    StaticPartitionsDefinition,
    asset,
    build_sensor_context,
    instance_for_test,
    job,
    materialize,
    op,
)

from autonomos_pipelines.aam.drift.fingerprint import TableSchema
from autonomos_pipelines.aam.drift.store import SchemaStore
from autonomos_pipelines.core.database import dispose_engines, migrated_engine, tenant_session
from autonomos_pipelines.core.errors import ConfigError
from autonomos_pipelines.core.notify.message import Notice, slack_payload
from autonomos_pipelines.core.notify.outbox import Outbox
from autonomos_pipelines.core.settings import Settings
from autonomos_pipelines.core.tenant_id import TenantId
from autonomos_pipelines.dcl.registry.bootstrap import open_registry
from mapping_assets.notifications.pipeline_events import notify_pipeline_events
from mapping_assets.notifications.run_failures import notify_failed_runs
from resources import NotificationsResource, PostgresResource, env_variables, from_environment
from tests.conftest import create_database

TOKEN = "XyZ9tokenSECRET7781q"  # as in https://hooks.slack.com/services/T…/B…/<token>
UI = "http://dagster.example:3000"


class Receiver:
    """A webhook on a free loopback port: records each JSON body, answers ``status``."""

    def __init__(self) -> None:
        self.bodies: list[dict] = []
        self.attempts = 0
        self.status = 200
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:  # noqa: N802 - http.server's name
                body = self.rfile.read(int(self.headers["Content-Length"]))
                receiver.attempts += 1
                if receiver.status == 200:
                    receiver.bodies.append(json.loads(body))
                self.send_response(receiver.status)
                self.end_headers()
                self.wfile.write(b"ok" if receiver.status == 200 else b"no_service")

            def log_message(self, *args: object) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_port}/services/T01/B02/{TOKEN}"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    def texts(self) -> list[str]:
        return [json.dumps(body) for body in self.bodies]


@pytest.fixture(scope="module")
def module_receiver() -> Iterator[Receiver]:
    receiver = Receiver()
    yield receiver
    receiver.server.shutdown()
    receiver.server.server_close()


@pytest.fixture
def receiver(module_receiver: Receiver) -> Receiver:
    module_receiver.bodies.clear()
    module_receiver.attempts, module_receiver.status = 0, 200
    return module_receiver


@pytest.fixture(scope="module")
def registry_db(pg_root: str, tmp_path_factory) -> Iterator[str]:  # type: ignore[no-untyped-def]
    """One registry for the module, migrated and holding tenants acme and beta (each test
    empties what it writes: notifications and drift history)."""
    url = create_database(pg_root, "reg")
    home = tmp_path_factory.mktemp("home")
    settings = Settings.from_values({"DATABASE_URL": url, "AUTONOMOS_HOME": str(home)})
    registry = open_registry(settings)
    for tenant in ("acme", "beta"):
        registry.add_tenant(TenantId(tenant), {"pipedrive": {}}, "test")
    yield url
    dispose_engines()


@pytest.fixture
def tenants(registry_db: str, tmp_path: Path, monkeypatch) -> Settings:  # type: ignore[no-untyped-def]
    for name in env_variables(from_environment()):  # what the resources' EnvVars read
        monkeypatch.setenv(name, "")
    monkeypatch.setenv("DATABASE_URL", registry_db)
    monkeypatch.setenv("AUTONOMOS_HOME", str(tmp_path / "home"))
    settings = Settings.from_env()
    for tenant in ("acme", "beta"):
        with tenant_session(migrated_engine(settings), TenantId(tenant)) as db:
            for table in ("notifications", "drift_events", "schema_snapshots"):
                db.execute(sa.text(f"DELETE FROM {table}"))  # noqa: S608 - constants
    return settings


@pytest.fixture(scope="module")
def dagster_db(pg_root: str) -> str:
    return create_database(pg_root, "dag")


@pytest.fixture(scope="module")
def instance(tmp_path_factory, dagster_db: str) -> Iterator[DagsterInstance]:  # type: ignore[no-untyped-def]
    """A real instance on PostgreSQL (dagster-postgres), as deployments run it; shared by
    the module, each test's sensors reading from where the test started (``start``)."""
    # dagster-postgres speaks psycopg2 (its NOTIFY does not bind under psycopg 3)
    url = dagster_db.replace("postgresql://", "postgresql+psycopg2://", 1)
    storage = {"storage": {"postgres": {"postgres_url": url}}}
    directory = str(tmp_path_factory.mktemp("dagster"))
    with instance_for_test(temp_dir=directory, overrides=storage) as instance:
        yield instance


@pytest.fixture
def start(instance: DagsterInstance) -> str:
    """The check sensor's cursor at the start of the test: earlier tests' events are not
    read again (a check evaluated outside a run is recorded once per asset, check and
    partition, so each test records its own)."""
    return str(instance.event_log_storage.get_maximum_record_id() or 0)


def everything_stored(instance: DagsterInstance, database_url: str) -> str:
    """Every row of every table of the instance's database, and its files, as text."""
    import psycopg

    with psycopg.connect(database_url) as connection:
        tables = connection.execute(
            "SELECT tablename FROM pg_tables WHERE schemaname = 'public'"
        ).fetchall()
        rows = [
            str(connection.execute(f'SELECT t::text FROM "{name}" t').fetchall())
            for (name,) in tables
        ]
    files = [p.read_bytes().decode(errors="replace") for p in
             Path(instance.root_directory).rglob("*") if p.is_file()]  # fmt: skip
    return "\n".join(rows + files)


def notifications(env: Settings, url: str | None, retry: float = 1.0) -> NotificationsResource:
    postgres = PostgresResource(database_url=env.database_url or "", home=str(env.home))
    return NotificationsResource(
        postgres=postgres, webhook_url=url or "", ui_url=UI, first_retry_seconds=retry
    )


def tick(instance, resource, cursor: str | None = None) -> SensorResult | SkipReason:  # type: ignore[no-untyped-def]
    registry = from_environment()["registry"]
    with build_sensor_context(
        instance=instance,
        cursor=cursor,
        resources={"notifications": resource, "registry": registry},
    ) as context:
        return notify_pipeline_events(context)


def cursor_of(result: SensorResult | SkipReason) -> str | None:
    return result.cursor if isinstance(result, SensorResult) else None


def deals(*columns: str) -> TableSchema:
    return TableSchema("deals", {c: {"type": "text", "nullable": True} for c in columns})


def check(instance, key: list[str], name: str, passed: bool, **extra) -> None:  # type: ignore[no-untyped-def]
    """A check evaluation of tenant acme, recorded in the instance as a run records one."""
    instance.report_runless_asset_event(
        AssetCheckEvaluation(
            asset_key=AssetKey(key),
            check_name=name,
            passed=passed,
            partition=extra.pop("tenant", "acme"),
            severity=extra.pop("severity", AssetCheckSeverity.ERROR),
            **extra,
        )
    )


TENANTS = StaticPartitionsDefinition(["acme", "beta"])


@asset(
    key=["raw", "pipedrive", "deals"],
    partitions_def=TENANTS,
    check_specs=[AssetCheckSpec("connector_health", asset=AssetKey(["raw", "pipedrive", "deals"]))],
)
def deals_table(context) -> Iterator:  # type: ignore[no-untyped-def]
    yield Output(None)
    passed = context.run.tags["health"] == "healthy"
    yield AssetCheckResult(passed=passed, severity=AssetCheckSeverity.WARN,
                           description="loaded" if passed else "connector degraded")  # fmt: skip


def load(instance, tenant: str, health: str) -> None:  # type: ignore[no-untyped-def]
    """A real run of the tenant's partition whose connector_health check says ``health``."""
    tags = {"health": health, "tenant": tenant}
    assert materialize([deals_table], instance=instance, partition_key=tenant, tags=tags).success


def output(capfd, caplog) -> str:  # type: ignore[no-untyped-def]
    """What the sensors logged (Dagster's sensor logger writes to the terminal)."""
    captured = capfd.readouterr()
    return captured.out + captured.err + caplog.text


# settings and the message itself ---------------------------------------------------------
def test_a_bad_webhook_url_is_one_line_that_does_not_show_it():
    with pytest.raises(ConfigError) as raised:
        Settings.from_values({"AUTONOMOS_WEBHOOK_URL": f"hooks.slack.com/services/{TOKEN}"})
    assert "AUTONOMOS_WEBHOOK_URL" in str(raised.value) and TOKEN not in str(raised.value)
    assert "\n" not in str(raised.value)
    settings = Settings.from_values({"AUTONOMOS_WEBHOOK_URL": f"https://h.example/{TOKEN}"})
    assert settings.ui_url == "http://127.0.0.1:3000" and TOKEN not in repr(settings)


def test_source_text_is_escaped_for_slack_and_bounded():
    hostile = "<!channel> <https://evil.example|click> & " + "<&>" * 5000
    notice = Notice(
        TenantId("acme"), "run_failed", "run:1", "run:1", hostile, hostile, hostile, UI + "/runs/1"
    )
    payload = slack_payload(notice)
    section = payload["blocks"][1]["text"]["text"]
    assert len(section) <= 3000 and len(payload["text"]) <= 4000
    assert "<!channel>" not in json.dumps(payload) and "&lt;!channel&gt;" in section
    assert not section.rstrip("…").endswith(("&", "&l", "&lt", "&a", "&am", "&amp"))
    assert f"<{UI}/runs/1|Open in Dagster>" in json.dumps(payload)


# the five kinds of event -----------------------------------------------------------------
@op
def load_pipedrive() -> None:
    raise ValueError("pipedrive answered <b>502</b> & gave up")


@job
def refresh() -> None:
    load_pipedrive()


@pytest.mark.e2e
def test_a_failed_run_is_one_message_with_tenant_action_and_link(
    tenants, instance, dagster_db, receiver, caplog, capfd
):
    caplog.set_level(logging.DEBUG)
    resource = notifications(tenants, receiver.url)
    resources = {"notifications": resource}

    def run_sensor_tick(cursor: str | None) -> str | None:
        with build_sensor_context(instance=instance, cursor=cursor, resources=resources) as ctx:
            return notify_failed_runs.evaluate_tick(ctx).cursor

    cursor = run_sensor_tick(None)  # the sensor starts watching here
    result = refresh.execute_in_process(
        instance=instance, raise_on_error=False, tags={"tenant": "acme"}
    )  # in-process, like `autonomos materialize`: a run with no code location
    assert not result.success
    cursor = run_sensor_tick(cursor)
    run_id = result.run_id
    assert len(receiver.bodies) == 1
    text = receiver.texts()[0]
    assert "`acme`" in text and "Run failed" in text and "autonomos materialize acme" in text
    assert f"<{UI}/runs/{run_id}|Open in Dagster>" in text
    assert "&lt;b&gt;502&lt;/b&gt; &amp; gave up" in text  # the step's error, escaped
    run_sensor_tick(cursor)
    run_sensor_tick(None)  # a sensor reset (or a second daemon) sees the run again: not sent
    assert len(receiver.bodies) == 1
    logged = output(capfd, caplog)
    assert "notification recorded: acme run:" in logged and TOKEN not in logged
    stored = b"".join(
        p.read_bytes() for p in Path(instance.root_directory).rglob("*") if p.is_file()
    )
    assert TOKEN.encode() not in stored  # nothing of the webhook in the instance's storage


def test_a_drift_event_that_needs_review_is_one_message_per_tenant(
    tenants, instance, start, receiver
):
    store = SchemaStore(open_registry(tenants).engine)
    ids = {}
    for tenant in ("acme", "beta"):
        store.record(TenantId(tenant), "pipedrive", {"deals": deals("id", "title")}, "observer")
        (event,) = store.record(
            TenantId(tenant), "pipedrive", {"deals": deals("id", "deal_title")}, "observer"
        )
        ids[tenant] = event.id
    store.close_event(TenantId("acme"), ids["acme"], "needs_review", [])
    resource = notifications(tenants, receiver.url)
    cursor = cursor_of(tick(instance, resource, start))
    assert len(receiver.bodies) == 1  # beta's event is still open: the DCL has not decided
    text = receiver.texts()[0]
    assert "`acme`" in text and "beta" not in text
    assert f"autonomos drift show {ids['acme']}" in text
    assert "autonomos review list --tenant acme" in text
    assert f"{UI}/assets/raw/pipedrive/deals?view=partitions&amp;partition=acme" in text
    store.close_event(TenantId("beta"), ids["beta"], "failed", [])
    tick(instance, resource, cursor)
    tick(instance, resource, cursor)
    assert len(receiver.bodies) == 2
    assert "`beta`" in receiver.texts()[1] and "repair failed" in receiver.texts()[1]


@pytest.mark.e2e
def test_failing_checks_are_one_message_each_until_they_pass_again(
    tenants, instance, start, receiver
):
    how = "`autonomos review list --tenant acme` then `autonomos review approve ID`"
    check(instance, ["dcl", "field_mappings"], "mapping_review_gate", False,
          description="2 mapping(s) await review", metadata={"how_to_review": how})  # fmt: skip
    load(instance, "acme", "degraded")  # a real run: its check evaluation carries the tenant
    # the same connector's other table: still one message
    check(instance, ["raw", "pipedrive", "persons"], "connector_health", False)
    check(instance, ["canonical", "account"], "freshness", False, description="3 h old")
    check(instance, ["canonical", "account"], "gx_account", False)  # shown in the UI only
    resource = notifications(tenants, receiver.url)
    cursor = cursor_of(tick(instance, resource, start))
    texts = sorted(receiver.texts())
    assert len(texts) == 3
    degraded, stale, gate = (
        next(t for t in texts if word in t) for word in ("degraded", "stale", "held")
    )
    assert "autonomos review list --tenant acme" in gate
    assert f"{UI}/assets/dcl/field_mappings?view=checks" in gate
    assert "autonomos connectors list --tenant acme" in degraded
    assert f"{UI}/assets/raw/pipedrive/" in degraded
    assert "autonomos materialize acme" in stale and f"{UI}/assets/canonical/account" in stale
    assert all("`acme`" in t for t in texts)
    load(instance, "acme", "degraded")  # still degraded on the next run: the same event
    cursor = cursor_of(tick(instance, resource, cursor))
    assert len(receiver.bodies) == 3
    load(instance, "acme", "healthy")  # it loads again, then degrades again: a new event
    load(instance, "acme", "degraded")
    load(instance, "beta", "degraded")  # and another tenant's connector: its own message
    tick(instance, resource, cursor)
    assert len(receiver.bodies) == 5
    assert sum("`beta`" in t for t in receiver.texts()) == 1


# delivery: failures, retries, refusals, races --------------------------------------------
def test_a_receiver_that_is_down_or_failing_gets_the_message_later_once(
    tenants, instance, start, receiver, caplog, capfd
):
    caplog.set_level(logging.DEBUG)
    check(instance, ["canonical", "invoice"], "freshness", False)
    dead_port = receiver.url.replace(f":{receiver.server.server_port}/", ":9/")  # discard port
    outbox = Outbox(open_registry(tenants).engine)
    cursor = cursor_of(tick(instance, notifications(tenants, dead_port), start))
    key = f"check:canonical/invoice:freshness:{cursor}"  # the evaluation's storage id
    row = outbox.row(TenantId("acme"), key)
    assert row and row.status == "pending" and row.attempts == 1 and row.last_error
    assert TOKEN not in row.last_error
    receiver.status = 503
    resource = notifications(tenants, receiver.url)
    tick(instance, resource, cursor)
    assert receiver.attempts == 0  # backoff: not due yet
    time.sleep(1.1)
    tick(instance, resource, cursor)
    assert receiver.attempts == 1 and outbox.row(TenantId("acme"), key).status == "pending"  # type: ignore[union-attr]
    receiver.status = 200
    time.sleep(2.1)  # the second retry waits twice as long
    tick(instance, resource, cursor)
    time.sleep(0.5)
    tick(instance, resource, cursor)
    assert len(receiver.bodies) == 1 and receiver.attempts == 2
    assert outbox.row(TenantId("acme"), key).status == "sent"  # type: ignore[union-attr]
    logged = output(capfd, caplog)
    assert "will retry" in logged and "HTTP 503" in logged and TOKEN not in logged


def test_a_refused_message_is_given_up_after_three_tries_and_logged(
    tenants, instance, start, receiver, caplog, capfd
):
    check(instance, ["canonical", "opportunity"], "freshness", False)
    receiver.status = 404  # a deleted Slack hook
    resource = notifications(tenants, receiver.url, retry=0.2)
    cursor = start
    for _ in range(5):
        cursor = cursor_of(tick(instance, resource, cursor)) or cursor
        time.sleep(0.5)
    assert receiver.attempts == 3 and receiver.bodies == []
    logged = output(capfd, caplog)
    assert "given up" in logged and "HTTP 404" in logged and TOKEN not in logged


def test_two_daemons_ticking_at_once_send_once(tenants, instance, start, receiver):
    check(instance, ["dcl", "field_mappings"], "mapping_review_gate", False, tenant="beta")
    resource = notifications(tenants, receiver.url)
    threads = [threading.Thread(target=tick, args=(instance, resource, start)) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert len(receiver.bodies) == 1 and receiver.attempts == 1


def test_without_a_webhook_the_sensors_say_notifications_are_off(tenants, instance):
    result = tick(instance, notifications(tenants, None))
    assert isinstance(result, SkipReason) and "AUTONOMOS_WEBHOOK_URL is not set" in str(
        result.skip_message
    )
