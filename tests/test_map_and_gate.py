"""`autonomos map` (the batch contract) and the review gate, end to end."""

from __future__ import annotations

import json

import pytest
import sqlalchemy as sa
from dagster import instance_for_test
from typer.testing import CliRunner

from autonomos_pipelines.cli.common import os_account
from autonomos_pipelines.cli.main import app
from autonomos_pipelines.dcl.registry.bootstrap import open_registry
from autonomos_pipelines.dcl.registry.workflow import FieldRef, Workflow
from autonomos_pipelines.operations.onboarding import onboard_tenant
from autonomos_pipelines.operations.runs import run_tenant
from autonomos_pipelines.sandbox.definitions import sandbox_definitions

pytestmark = pytest.mark.postgres
FIELDS = [
    {"source_system": "stripe", "source_entity": "invoices", "field": "total"},
    {
        "source_system": "acme_crm",
        "source_entity": "people",
        "field": "cust_email",
        "samples": ["a@b.com", "c@d.org"],
        "extra_key": "kept",
    },
    {"source_system": "acme_crm", "source_entity": "people", "field": "favourite_colour"},
    {"source_system": "stripe", "source_entity": "customers", "field": "email"},
]


def mapping_rows(env) -> int:
    with open_registry(env).engine.connect() as connection:
        return connection.execute(sa.text("SELECT count(*) FROM field_mappings")).scalar()


def test_map_contract_same_lines_same_order_read_only(env, tmp_path):
    source, out = tmp_path / "fields.jsonl", tmp_path / "out.jsonl"
    source.write_text("".join(json.dumps(f) + "\n" for f in FIELDS))
    before = mapping_rows(env)
    result = CliRunner().invoke(
        app, ["map", "--input", str(source), "--output", str(out), "--top-k", "3", "--no-llm"]
    )
    assert result.exit_code == 0, result.output
    rows = [json.loads(line) for line in out.read_text().splitlines()]
    assert [r["field"] for r in rows] == [f["field"] for f in FIELDS]
    assert rows[1]["extra_key"] == "kept" and rows[1]["samples"] == ["a@b.com", "c@d.org"]
    for row in rows:
        assert set(row) >= {"candidates", "mapping", "confidence", "method", "status"}
        assert len(row["candidates"]) <= 3 and 0 <= row["confidence"] <= 1
        assert row["method"] in ("registry", "rag", "llm", "none")
        assert row["status"] in ("auto_approved", "pending_review", "unmapped")
    assert rows[0]["method"] == "registry" and rows[0]["mapping"] == "invoice.total_amount"
    assert rows[3]["method"] == "registry" and rows[3]["status"] == "unmapped"  # decided: none
    assert rows[2]["mapping"] is None and rows[2]["status"] == "unmapped"
    # a table's entity decision and why, for fields the registry did not answer
    people = rows[1]["table"]
    assert people["entity"] in ("contact", "user")
    assert f"fit {people['entity']} best" in people["why"]
    assert rows[2]["table"] == people  # one decision per table
    assert "table" not in rows[0] and rows[0]["reason"] == "approved mapping in the registry"
    assert mapping_rows(env) == before  # read-only


def test_map_any_target_schema_and_bad_input(env, tmp_path):
    schema = {
        "entities": [
            {
                "name": "person",
                "description": "A human being",
                "fields": [
                    {"name": "email_address", "type": "string", "description": "Where to write to"},
                    {"name": "birth_date", "type": "date", "description": "Date of birth"},
                ],
            }
        ]
    }
    (tmp_path / "schema.json").write_text(json.dumps(schema))
    (tmp_path / "in.jsonl").write_text(json.dumps(FIELDS[1]) + "\n")
    out = tmp_path / "out.jsonl"
    args = [
        "map",
        "--input",
        str(tmp_path / "in.jsonl"),
        "--output",
        str(out),
        "--no-llm",
        "--target-schema",
        str(tmp_path / "schema.json"),
    ]
    assert CliRunner().invoke(app, args).exit_code == 0
    assert json.loads(out.read_text())["candidates"][0]["target"] == "person.email_address"
    (tmp_path / "in.jsonl").write_text(json.dumps(FIELDS[1]) + "\n{not json\n")
    out.unlink()
    result = CliRunner().invoke(app, args)
    assert result.exit_code == 2 and "in.jsonl:2: not JSON" in result.output
    assert not out.exists()  # nothing half-written


@pytest.mark.e2e
def test_gate_holds_canonical_until_a_reviewer_approves(env, tmp_path):
    with instance_for_test() as instance:
        registry = open_registry(env)
        onboard_tenant("acme", ["stripe"], {}, registry, instance, "test")
        flow = Workflow(registry)
        flow.set_role("rita", "reviewer", flow.set_role("alice", "admin", "alice") or "alice")
        flow.set_role(os_account(), "admin", "alice")  # so that --user below acts for rita
        ref = FieldRef("acme", "stripe", "customers", "email")  # decided "none" in the baseline
        proposal = flow.propose(
            ref, "account.email_domain" if False else "account.domain", 0.7, "rag", "system:dcl"
        )
        held = run_tenant(sandbox_definitions(), "acme", ["stripe"], instance, env)
        assert not held.success and held.canonical_rows == {}
        assert held.checks["dcl/field_mappings"] is False
        check = instance.event_log_storage.get_latest_asset_check_execution_by_key(
            [
                __import__("dagster").AssetCheckKey(
                    __import__("dagster").AssetKey(["dcl", "field_mappings"]), "mapping_review_gate"
                )
            ]
        )
        assert check
        result = CliRunner().invoke(app, ["review", "approve", str(proposal), "--user", "rita"])
        assert result.exit_code == 0, result.output
        released = run_tenant(sandbox_definitions(), "acme", ["stripe"], instance, env)
        assert released.success and released.canonical_rows["account"] > 0
        import duckdb

        with duckdb.connect(str(env.warehouse_dir / "acme.duckdb"), read_only=True) as db:
            (filled,) = db.sql("SELECT count(domain) FROM canonical.account").fetchall()[0]
        assert filled == released.canonical_rows["account"]  # the approved mapping is used


def test_review_cli_refuses_users_without_the_role(env):
    registry = open_registry(env)
    registry.add_tenant("acme", {"stripe": {"endpoint": "sandbox"}}, "test")
    ref = FieldRef("acme", "stripe", "customers", "email")
    proposal = Workflow(registry).propose(ref, "contact.email", 0.7, "rag", "system:dcl")
    listed = CliRunner().invoke(app, ["review", "list", "--tenant", "acme"])
    assert f"{proposal:>6}  acme  stripe.customers.email -> contact.email" in listed.output
    refused = CliRunner().invoke(app, ["review", "approve", str(proposal)])  # as this OS account
    assert refused.exit_code == 2 and f"'{os_account()}' may not approve" in refused.output
