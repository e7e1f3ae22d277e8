"""The status view on real PostgreSQL (and Redis): a tenant with one failed load, an open drift
event, a review item and a quota at 95 % shows each problem with the command to run; a down
Redis is a line in a panel, not a traceback; a brand-new tenant is all clear."""

from __future__ import annotations

import json
import socket

import sqlalchemy as sa
from dagster import DagsterInstance, job, op
from typer.testing import CliRunner

from autonomos_pipelines.aam.drift.fingerprint import TableSchema
from autonomos_pipelines.aam.drift.store import SchemaStore
from autonomos_pipelines.aam.health import HealthStore
from autonomos_pipelines.cli.main import app
from autonomos_pipelines.core.database import migrated_engine
from autonomos_pipelines.core.quotas import Quotas
from autonomos_pipelines.core.tenant_id import TenantId
from autonomos_pipelines.dcl.llm.ledger import PgUsageLedger
from autonomos_pipelines.dcl.registry.refs import FieldRef
from autonomos_pipelines.dcl.registry.store import ObservedField, Registry
from autonomos_pipelines.dcl.registry.workflow import Workflow
from autonomos_pipelines.operations.failed_runs import InstanceFailures
from autonomos_pipelines.operations.instance import get_instance
from autonomos_pipelines.status.gather import tenant_status
from autonomos_pipelines.status.panel import FAIL, OK, SKIPPED, UNKNOWN, WARN

T = TenantId("acme")
DEALS = TableSchema("deals", {"id": {"type": "bigint"}, "title": {"type": "text"}})
RENAMED = TableSchema("deals", {"id": {"type": "bigint"}, "deal_title": {"type": "text"}})


@op
def noop() -> None:
    pass


@job
def load() -> None:
    noop()


def failed_run(instance: DagsterInstance, tenant_id: str, tag: str = "tenant") -> str:
    """A run of the tenant recorded as failed (not executed: no step ran)."""
    run = instance.create_run_for_job(load, tags={tag: tenant_id})
    instance.report_run_failed(run, "worker process died")
    return run.run_id


def open_registry(env) -> Registry:  # type: ignore[no-untyped-def]
    """The registry without the baseline corpus, which no panel reads (loading it is slow)."""
    return Registry(migrated_engine(env))


def troubled_tenant(env) -> None:  # type: ignore[no-untyped-def]
    registry = open_registry(env)
    registry.add_tenant(T, {"stripe": {}, "pipedrive": {}}, "test")
    health = HealthStore(registry.engine)
    health.record_success(T, "pipedrive")
    health.record_failure(T, "stripe", "HTTP 500 from http://127.0.0.1/v1/charges")
    schemas = SchemaStore(registry.engine)
    schemas.record(T, "pipedrive", {"deals": DEALS}, "observer")
    schemas.record(T, "pipedrive", {"deals": RENAMED}, "observer")  # an open drift event
    ref = FieldRef(T, "stripe", "customers", "nickname")
    mapping_id = Workflow(registry).propose(ref, "account.name", 0.7, "rag", "test")
    registry.record_source_fields(
        T,
        [
            ObservedField("stripe", "customers", "nickname", "text", None, "pending_review"),
            ObservedField("stripe", "customers", "junk", "text", None, "unmapped"),
        ],
    )
    assert mapping_id > 0
    Quotas(registry.engine).set(T, "llm_calls_per_month", 20, "test")
    ledger = PgUsageLedger(registry.engine)
    assert all(ledger.reserve(T) for _ in range(19))  # 95 %


def gathered(env, tenant_id=T, redis_url=None):  # type: ignore[no-untyped-def]
    engine = open_registry(env).engine
    source = InstanceFailures(get_instance(env), env)
    return tenant_status(engine, tenant_id, Quotas(engine), redis_url, source)


def test_each_problem_is_in_the_json_and_named_with_its_command_in_the_text(env):
    troubled_tenant(env)
    run_id = failed_run(get_instance(env), T)
    found = gathered(env).as_dict()

    panels = {panel["name"]: panel for panel in found["panels"]}
    assert found["verdict"] == FAIL and len(panels) == 7
    problems = {name: panel["problems"] for name, panel in panels.items()}
    (stripe,) = problems["connectors"]
    assert stripe["level"] == FAIL and stripe["text"].startswith("stripe: last load failed")
    assert stripe["command"] == "autonomos materialize acme"
    (drift,) = problems["drift"]
    assert "pipedrive.deals: open" in drift["text"] and "renamed_suspected title" in drift["text"]
    assert {p["command"] for p in problems["mapping"]} == {"autonomos review list --tenant acme"}
    assert panels["mapping"]["figures"]["review_queue_depth"] == 1
    assert "review gate blocked by 1 review(s) and 1 unrepaired drift" in str(problems["mapping"])
    (quota,) = problems["quotas"]
    assert quota["level"] == WARN and "llm_calls_per_month: 19 of 20 (95%" in quota["text"]
    assert quota["command"] == "autonomos tenants quota acme llm_calls_per_month N"
    (failure,) = problems["failures"]
    assert run_id[:8] in failure["text"] and "worker process died" in failure["text"]
    assert panels["freshness"]["verdict"] == OK  # no cadence: nothing can be stale

    result = CliRunner().invoke(app, ["status", "--tenant", "acme"])
    assert result.exit_code == 1, result.output
    assert "\x1b[" not in result.output  # not a terminal: no colour codes
    for expected in (
        "1. Connector health — PROBLEM",
        "✗ stripe: last load failed",
        "→ autonomos materialize acme",
        "! event 1 pipedrive.deals: open",
        "→ autonomos review list --tenant acme",
        "5. Quotas and usage — WARNING",
        "→ autonomos tenants quota acme llm_calls_per_month N",
        "7. Recent failures — PROBLEM",
    ):
        assert expected in result.output
    as_json = CliRunner().invoke(app, ["status", "--tenant", "acme", "--json"])
    assert as_json.exit_code == 1
    assert json.loads(as_json.output)["panels"][0]["problems"][0]["command"] == stripe["command"]


def test_a_run_tagged_only_with_its_partition_is_among_the_failures(env):
    """Launched from the UI, a run carries `dagster/partition` until the executor adds `tenant`:
    one that fails before (its code location would not load) is still the tenant's."""
    instance = get_instance(env)
    early = failed_run(instance, T, tag="dagster/partition")
    both = instance.create_run_for_job(load, tags={"tenant": T, "dagster/partition": T})
    instance.report_run_failed(both, "step crashed")
    failed_run(instance, "globex", tag="dagster/partition")  # another tenant's
    found = InstanceFailures(instance, env)(T)
    assert sorted(f.run_id for f in found) == sorted([early, both.run_id])


def test_a_down_redis_is_reported_in_its_panel_and_the_rest_still_shown(env, redis_url):
    troubled_tenant(env)
    with socket.socket() as probe:  # a port nothing listens on
        probe.bind(("127.0.0.1", 0))
        closed = f"redis://127.0.0.1:{probe.getsockname()[1]}/0"
    down = gathered(env, redis_url=closed)
    line = down.panel("connectors").lines[-1]
    assert line.level == WARN and line.text.startswith("Redis unreachable (REDIS_URL=")
    assert line.command == "start Redis, or unset REDIS_URL"
    assert all(panel.verdict != UNKNOWN for panel in down.panels)
    up = gathered(env, redis_url=redis_url)
    assert not any("Redis" in line.text for line in up.panel("connectors").lines)


def test_a_panel_whose_source_is_down_says_so_and_the_others_are_shown(env):
    troubled_tenant(env)

    def unreachable(tenant_id):  # type: ignore[no-untyped-def]
        raise ConnectionRefusedError("DAGSTER_PG_URL: connection refused")

    engine = open_registry(env).engine
    found = tenant_status(engine, T, Quotas(engine), None, unreachable)
    (line,) = found.panel("failures").lines
    assert line.level == UNKNOWN and "ConnectionRefusedError" in line.text
    assert found.panel("connectors").verdict == FAIL


def test_a_tenant_sees_the_class_of_a_read_error_and_the_operator_its_detail(env):
    troubled_tenant(env)
    with socket.socket() as probe:  # a port nothing listens on
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    down = sa.create_engine(f"postgresql+psycopg://someone:hunter22@127.0.0.1:{port}/dagster")

    def unreachable(tenant_id):  # type: ignore[no-untyped-def]
        with down.connect():  # a real psycopg error, naming host, port and user
            return []

    engine = open_registry(env).engine
    for detail in (False, True):
        found = tenant_status(engine, T, Quotas(engine), None, unreachable, detail=detail)
        (line,) = found.panel("failures").lines
        assert line.level == UNKNOWN and "OperationalError" in line.text
        assert (str(port) in line.text) is detail and "hunter22" not in line.text


def test_health_and_freshness_are_both_unknown_when_the_health_read_fails(env):
    troubled_tenant(env)
    engine = open_registry(env).engine
    with engine.begin() as connection:  # the breaker's table gone: its read fails
        connection.execute(sa.text("ALTER TABLE aam_connector_health RENAME TO gone"))
    found = tenant_status(engine, T, Quotas(engine), None, None)
    for name in ("connectors", "freshness"):
        (line,) = found.panel(name).lines
        assert line.level == UNKNOWN and "UndefinedTable" in line.text, name


def test_a_brand_new_tenant_is_all_clear(env):
    open_registry(env).add_tenant(TenantId("fresh"), {"stripe": {}, "hubspot": {}}, "test")
    failed_run(get_instance(env), "acme")  # another tenant's failure is not shown
    found = gathered(env, TenantId("fresh"))
    assert [(p.name, p.verdict) for p in found.panels] == [
        (name, OK)
        for name in ("connectors", "freshness", "mapping", "drift", "quotas", "llm", "failures")
    ]
    engine = open_registry(env).engine
    by_api = tenant_status(engine, TenantId("fresh"), Quotas(engine), None, None)
    assert by_api.panel("failures").verdict == SKIPPED and by_api.verdict == OK
    result = CliRunner().invoke(app, ["status", "--tenant", "fresh"])
    assert result.exit_code == 0, result.output
    assert "tenant fresh: OK" in result.output and "→" not in result.output


def test_an_unknown_tenant_is_one_line_and_exit_2(env):
    result = CliRunner().invoke(app, ["status", "--tenant", "nobody"])
    assert result.exit_code == 2
    assert "unknown tenant 'nobody'" in result.output


def test_without_a_tenant_every_tenant_has_one_line(env):
    troubled_tenant(env)
    open_registry(env).add_tenant(TenantId("fresh"), {"stripe": {}}, "test")
    result = CliRunner().invoke(app, ["status"])
    assert result.exit_code == 1
    lines = result.output.splitlines()
    assert lines[0].startswith("acme") and "connectors:problem" in lines[0]
    assert lines[1].startswith("fresh") and "OK" in lines[1]
