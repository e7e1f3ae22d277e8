"""Schema drift detection: fingerprints and classified diffs of dlt-inferred schemas, versioned
snapshots in Postgres, and the schema observer sensor against the sandbox's mutation endpoint."""

from __future__ import annotations

import json

import pytest
from dagster import instance_for_test

from autonomos_pipelines.aam.connections.secrets import secret_env_var
from autonomos_pipelines.aam.drift.fingerprint import TableSchema, diff, name_similarity
from autonomos_pipelines.aam.drift.store import SchemaStore
from autonomos_pipelines.aam.specs.spec_loader import get_spec
from autonomos_pipelines.core.database import get_engine
from autonomos_pipelines.dcl.registry.bootstrap import open_registry
from autonomos_pipelines.operations.onboarding import onboard_tenant
from autonomos_pipelines.sandbox.apis.controls import mutate
from tests.runtime import sandboxed
from tests.sensor_tick import tick


def table(**columns: str) -> TableSchema:
    return TableSchema("deals", {n: {"type": t, "nullable": True} for n, t in columns.items()})


BASE = table(id="bigint", title="text", value="double", origin="text")


@pytest.mark.parametrize(
    ("new", "expected"),
    [
        (table(id="bigint", title="text", value="double", origin="text"), []),
        (
            table(id="bigint", deal_title="text", value="double", origin="text"),
            [("renamed_suspected", "title", "deal_title")],
        ),
        (
            table(id="bigint", title="text", value="double", origin="text", region="text"),
            [("added", "region", None)],
        ),
        (table(id="bigint", title="text", value="double"), [("removed", "origin", None)]),
        (
            table(id="bigint", title="text", value="text", origin="text"),
            [("type_changed", "value", None)],
        ),
    ],
)
def test_diff_classifies_changes(new, expected):
    assert [(c.kind, c.column, c.renamed_to) for c in diff(BASE, new)] == expected


def test_fingerprint_ignores_column_order_but_not_types():
    reordered = TableSchema("deals", dict(reversed(list(BASE.columns.items()))))
    assert reordered.fingerprint == BASE.fingerprint
    assert table(id="text", title="text", value="double", origin="text").fingerprint != (
        BASE.fingerprint
    )


def test_store_versions_snapshots_and_records_one_event_per_change(env):
    open_registry(env).add_tenant("acme", {"pipedrive": {}}, actor="t")
    store = SchemaStore(get_engine(env))
    assert store.record("acme", "pipedrive", {"deals": BASE}, "observer") == []
    assert store.record("acme", "pipedrive", {"deals": BASE}, "observer") == []  # unchanged
    renamed = table(id="bigint", deal_title="text", value="double", origin="text")
    (event,) = store.record("acme", "pipedrive", {"deals": renamed}, "observer")
    assert event.status == "open" and event.changes[0]["renamed_to"] == "deal_title"
    assert store.snapshot(event.old_snapshot_id) == BASE
    assert store.snapshot(event.new_snapshot_id) == renamed
    assert store.record("acme", "pipedrive", {"deals": renamed}, "observer") == []


@pytest.mark.e2e
def test_observer_detects_a_mutation_for_the_affected_tenant_only(env, pristine, monkeypatch):
    with instance_for_test() as instance:
        registry = open_registry(env)
        onboard_tenant("acme", ["pipedrive", "slack"], {}, registry, instance, "t")
        onboard_tenant("beta", ["hubspot"], {}, registry, instance, "t")
        monkeypatch.setenv(secret_env_var("acme", "slack", "bot_token"), "xoxb-revoked-canary")
        first = tick(instance, env)
        assert first.run_requests == [] and first.asset_events == []  # no schema change
        assert (first.observed, first.failed) == (2, 1)  # slack, alone, could not be sampled

        mutate(
            pristine.apis["pipedrive"],
            "deals",
            {"op": "rename", "field": "title", "to": "deal_title"},
        )
        second = tick(instance, env, first.cursor)
        (request,) = second.run_requests
        (observation,) = second.asset_events  # on the raw asset's timeline, for acme only
        assert observation.asset_key.path == ["raw", "pipedrive", "deals"]
        assert observation.partition == "acme" and observation.metadata["drift_changes"].value == 1
        assert request.partition_key == "acme" and request.tags["tenant"] == "acme"
        assert all(k.path[1] == "pipedrive" for k in request.asset_selection if k.path[0] == "raw")
        rebuilt = {k.path[1] for k in request.asset_selection if k.path[0] == "canonical"}
        assert rebuilt == set(get_spec("pipedrive").entities)  # only what pipedrive feeds
        store = SchemaStore(get_engine(env))
        (event,) = store.events()
        assert (event.tenant_id, event.source_table) == ("acme", "deals")
        assert event.changes == [
            {
                "kind": "renamed_suspected",
                "column": "title",
                "old_type": "text",
                "new_type": "text",
                "renamed_to": "deal_title",
                "evidence": {
                    "name_similarity": round(name_similarity("title", "deal_title"), 3),
                    "value_overlap": 1.0,  # the renamed column still carries its values
                    "values_compared": True,
                },
            }
        ]
        assert store.events(tenant_id="beta") == []

        restarted = tick(instance, env, second.cursor)  # a new process, the saved cursor
        assert restarted.run_requests == [] and len(store.events()) == 1
        assert json.loads(restarted.cursor)["last_event_id"] == event.id


def test_drift_cli_observes_lists_and_shows_events(env, pristine):
    from tests.test_cli import run

    assert run(["tenants", "add", "acme", "--connectors", "pipedrive"]).returncode == 0
    first = run(["drift", "observe"])
    assert first.returncode == 0 and "acme/pipedrive: no change" in first.stdout
    dropped = run(["sandbox", "mutate", "pipedrive", "persons", "--drop", "job_title"])
    assert dropped.returncode == 0 and "applied to" in dropped.stdout
    assert all("job_title" not in p for p in pristine.apis["pipedrive"].data["persons"])
    refused = run(["sandbox", "mutate", "pipedrive", "leads", "--drop", "x"])
    assert refused.returncode == 2 and "has no resource 'leads'" in refused.stderr
    unclear = run(["sandbox", "mutate", "pipedrive", "deals", "--rename", "title"])
    assert unclear.returncode == 2 and "--rename needs FIELD=NEW" in unclear.stderr
    # the CLI samples the session sandbox over HTTP; the mutation is in the server's memory
    second = run(["drift", "observe", "--tenant", "acme"])
    assert "drift event" in second.stdout and "removed job_title" in second.stdout
    listed = run(["drift", "list", "--tenant", "acme"])
    assert "pipedrive.persons" in listed.stdout and "open" in listed.stdout
    event_id = listed.stdout.split()[0]
    shown = run(["drift", "show", event_id])
    assert shown.returncode == 0 and '"kind": "removed"' in shown.stdout and "->" in shown.stdout
    missing = run(["drift", "show", "999999"])
    assert missing.returncode == 2 and "no drift event 999999" in missing.stderr


def test_a_source_that_cannot_be_sampled_fails_clearly_without_its_secret(env, monkeypatch):
    from autonomos_pipelines.aam.specs.spec_loader import get_spec
    from autonomos_pipelines.core.errors import SourceError

    open_registry(env).add_tenant("acme", {"pipedrive": {}}, actor="t")
    # Pipedrive puts the token in the query string, so it is in every failing URL
    monkeypatch.setenv(secret_env_var("acme", "pipedrive", "api_token"), "canary-token-123")
    with pytest.raises(SourceError) as raised:
        sandboxed(env).observe(get_spec("pipedrive"), "acme", {})
    message = str(raised.value)
    assert "pipedrive: could not sample" in message and "401" in message
    assert "canary-token-123" not in message


def test_sandbox_mutate_names_the_url_when_no_sandbox_answers(env, monkeypatch):
    from tests.test_cli import run

    monkeypatch.setenv("AUTONOMOS_SANDBOX_URL", "http://127.0.0.1:9")  # discard: nobody there
    result = run(["sandbox", "mutate", "pipedrive", "deals", "--drop", "title"])
    assert result.returncode == 2
    assert "no sandbox answers at http://127.0.0.1:9" in result.stderr
