"""Drift end to end: a sandbox mutation -> the observer sensor's drift event -> the run it
requests -> the DCL's repair -> canonical rows (real Postgres, DuckDB, Dagster, sandbox)."""

from __future__ import annotations

import duckdb
import pytest
import sqlalchemy as sa
from dagster import instance_for_test
from typer.testing import CliRunner

from autonomos_pipelines.aam.drift.store import SchemaStore
from autonomos_pipelines.cli.main import app
from autonomos_pipelines.core.database import get_engine
from autonomos_pipelines.dcl.drift.events import DriftInput
from autonomos_pipelines.dcl.drift.rename_confidence import rename_confidence
from autonomos_pipelines.dcl.drift.repair import _matcher_fits
from autonomos_pipelines.dcl.matching.embeddings import default_embedder
from autonomos_pipelines.dcl.matching.matcher import Matcher
from autonomos_pipelines.dcl.matching.resolver import AUTO_APPROVE, Resolver
from autonomos_pipelines.dcl.matching.source_field import SourceField
from autonomos_pipelines.dcl.matching.targets import canonical_targets
from autonomos_pipelines.dcl.registry.bootstrap import open_registry
from autonomos_pipelines.dcl.registry.store import Mapping
from autonomos_pipelines.dcl.registry.workflow import Workflow
from autonomos_pipelines.operations.onboarding import onboard_tenant
from autonomos_pipelines.operations.runs import run_tenant
from autonomos_pipelines.sandbox.apis.controls import mutate
from autonomos_pipelines.sandbox.definitions import sandbox_definitions
from tests.sensor_tick import tick


def test_rename_confidence_joins_matcher_and_structure():
    assert 0.5 < rename_confidence(0.0, "title", "title_v2") < 0.85  # names alone: review
    assert rename_confidence(0.0, "title", "title_v2", value_overlap=1.0) < 0.96
    assert rename_confidence(0.3, "title", "deal_title", value_overlap=1.0) >= 0.85  # apply
    assert rename_confidence(0.3, "origin", "region", value_overlap=0.0) < 0.85
    # a confident matcher and alike names, but the values were compared and do not match
    assert rename_confidence(0.95, "created", "created_at", 0.0, values_compared=True) < 0.85
    assert rename_confidence(0.95, "created", "created_at", 0.0, values_compared=False) >= 0.85


def execute(instance, request):
    job = sandbox_definitions().resolve_implicit_global_asset_job_def()
    return job.execute_in_process(
        instance=instance,
        partition_key=request.partition_key,
        asset_selection=request.asset_selection,
        tags=request.tags,
        raise_on_error=False,
    )


def loaded_acme(env, instance):  # type: ignore[no-untyped-def]
    """Tenant acme with Pipedrive, loaded, mapped and built once; returns the registry."""
    registry = open_registry(env)
    onboard_tenant("acme", ["pipedrive"], {}, registry, instance, "t")
    assert run_tenant(sandbox_definitions(), "acme", ["pipedrive"], instance, env).success
    return registry


def deal_names(env) -> dict[str, tuple[str, int]]:
    with duckdb.connect(str(env.warehouse_dir / "acme.duckdb"), read_only=True) as db:
        rows = db.sql(
            "SELECT opportunity_id, name, _mapping_version FROM canonical.opportunity "
            "WHERE _source_connector = 'pipedrive'"
        ).fetchall()
    return {row[0]: (row[1], row[2]) for row in rows}


@pytest.mark.e2e
def test_renamed_mapped_field_is_detected_repaired_and_canonical_keeps_its_values(env, pristine):
    deals = pristine.apis["pipedrive"].data["deals"]
    with instance_for_test() as instance:
        registry = loaded_acme(env, instance)
        before = deal_names(env)
        assert before[str(deals[0]["id"])][0] == deals[0]["title"]
        baseline = tick(instance, env)

        mutate(
            pristine.apis["pipedrive"],
            "deals",
            {"op": "rename", "field": "title", "to": "deal_title"},
        )
        detected = tick(instance, env, baseline.cursor)
        (request,) = detected.run_requests
        result = execute(instance, request)
        assert result.success, [e.message for e in result.all_events if e.is_failure]

        (event,) = SchemaStore(get_engine(env)).events(tenant_id="acme")
        assert event.status == "repaired" and event.resolved_at is not None
        # detected within the time since the previous tick saw the old schema
        assert 0 < event.detection_window_seconds < 60
        (mapped,) = [
            e.materialization.metadata
            for e in result.get_asset_materialization_events()
            if e.asset_key.path == ["dcl", "field_mappings"]
        ]
        assert mapped["drift_events_settled"].value == 1
        (raw_check,) = [
            e
            for e in result.get_asset_check_evaluations()
            if e.asset_key.path == ["raw", "pipedrive", "deals"]
            and e.check_name == "schema_changes"
        ]
        assert not raw_check.passed and raw_check.metadata["drift_events"].value == 1
        assert raw_check.metadata["schema_changes_in_load"].value == 1  # dlt added deal_title
        assert "`deal_title` added" in raw_check.metadata["changes"].value
        assert mapped["drift_time_to_repair_s"].value == round(event.repair_seconds, 3)
        assert mapped["drift_detection_window_s"].value == round(event.detection_window_seconds, 3)
        after = deal_names(env)
        assert {k: v[0] for k, v in after.items()} == {k: v[0] for k, v in before.items()}
        assert all(after[k][1] > before[k][1] for k in after)  # the new mapping version
        mapping = registry.lookup("acme", "pipedrive", "deals", "deal_title")
        assert (
            mapping
            and (mapping.canonical_entity, mapping.canonical_field) == ("opportunity", "name")
            and mapping.tenant_id == "acme"
        )
        with registry.engine.connect() as db:
            status = db.execute(
                sa.text("SELECT drift_status FROM tenant_connectors WHERE tenant_id = 'acme'")
            ).scalar_one()
            audited = db.execute(
                sa.text("SELECT count(*) FROM audit_log WHERE actor = 'system:drift'")
            ).scalar_one()
        assert status == "active" and audited >= 2


@pytest.mark.e2e
def test_type_change_is_held_for_review_and_a_drop_nulls_the_column(env, pristine):
    with instance_for_test() as instance:
        registry = loaded_acme(env, instance)
        baseline = tick(instance, env)
        mutate(
            pristine.apis["pipedrive"],
            "deals",
            {"op": "retype", "field": "value", "type": "string"},
        )
        mutate(pristine.apis["pipedrive"], "deals", {"op": "drop", "field": "expected_close_date"})
        (request,) = tick(instance, env, baseline.cursor).run_requests
        held = execute(instance, request)
        assert not held.success  # the review gate holds the canonical tables
        (event,) = SchemaStore(get_engine(env)).events(tenant_id="acme")
        assert event.status == "needs_review"
        kinds = {change["kind"]: change["column"] for change in event.changes}
        assert kinds == {"type_changed": "value", "removed": "expected_close_date"}
        dropped = registry.lookup("acme", "pipedrive", "deals", "expected_close_date")
        assert dropped and dropped.canonical_field is None and dropped.tenant_id == "acme"

        flow = Workflow(registry)
        flow.set_role("rita", "reviewer", flow.set_role("alice", "admin", "alice") or "alice")
        (proposal,) = flow.pending("acme")
        assert proposal["source_field"] == "value" and "type changed" in proposal["reason"]
        flow.approve(proposal["id"], "rita")  # the reviewer accepts the cast
        released = run_tenant(sandbox_definitions(), "acme", ["pipedrive"], instance, env)
        assert released.success and released.canonical_rows["opportunity"] > 0
        (settled,) = SchemaStore(get_engine(env)).events(tenant_id="acme")
        assert settled.status == "repaired"
        with duckdb.connect(str(env.warehouse_dir / "acme.duckdb"), read_only=True) as db:
            (dates,) = db.sql(
                "SELECT count(close_date) FROM canonical.opportunity "
                "WHERE _source_connector = 'pipedrive'"
            ).fetchall()[0]
        assert dates == 0  # the dropped field's canonical column is null, not guessed
        lost = released.warnings["canonical/opportunity lost_source_fields"]
        assert "close_date ← pipedrive.expected_close_date" in lost  # and a check says so


@pytest.mark.e2e
def test_added_fields_are_resolved_and_an_uncertain_one_holds_canonical_until_approved(
    env, pristine
):
    deals = pristine.apis["pipedrive"].data["deals"]
    with instance_for_test() as instance:
        registry = loaded_acme(env, instance)
        baseline = tick(instance, env)
        for deal in deals:
            # a name the matcher is unsure of (0.6-0.85), its values a description's
            deal["free_text"] = f"Renewal of the {deal['title']} contract for next year"
            deal["x_ref_code"] = f"Q{deal['id'] % 7}-{deal['id'] % 3}"
        (request,) = tick(instance, env, baseline.cursor).run_requests
        held = execute(instance, request)
        assert not held.success  # a proposal waits: the gate holds canonical
        (event,) = SchemaStore(get_engine(env)).events(tenant_id="acme")
        assert {c["column"] for c in event.changes if c["kind"] == "added"} == {
            "free_text",
            "x_ref_code",
        }
        flow = Workflow(registry)
        (proposal,) = flow.pending("acme")  # the meaningful field, in the review band
        assert (proposal["source_field"], proposal["canonical_field"]) == (
            "free_text",
            "description",
        )
        assert 0.6 <= proposal["confidence"] < 0.85
        shown = CliRunner().invoke(app, ["review", "show", str(proposal["id"])])
        assert shown.exit_code == 0, shown.output  # the reviewer sees what the table was taken for
        assert "table taken for opportunity: its approved mappings are opportunity" in shown.output
        assert registry.lookup("acme", "pipedrive", "deals", "x_ref_code") is None  # unmapped
        flow.set_role("rita", "reviewer", flow.set_role("alice", "admin", "alice") or "alice")
        flow.approve(proposal["id"], "rita")
        released = run_tenant(sandbox_definitions(), "acme", ["pipedrive"], instance, env)
        assert released.success
        with duckdb.connect(str(env.warehouse_dir / "acme.duckdb"), read_only=True) as db:
            described, extra = db.sql(
                "SELECT count(description), count(json_extract(extras, '$.x_ref_code')) "
                "FROM canonical.opportunity WHERE _source_connector = 'pipedrive'"
            ).fetchall()[0]
        assert described == len(deals) and extra == len(deals)  # unmapped values kept


@pytest.mark.e2e
def test_an_added_field_that_maps_with_high_confidence_is_applied_in_the_drift_run(env, pristine):
    deals = pristine.apis["pipedrive"].data["deals"]
    sources = ["Web form", "Referral", "Partner", "Cold call", "Event"]
    with instance_for_test() as instance:
        registry = loaded_acme(env, instance)
        baseline = tick(instance, env)
        for deal in deals:  # the CRM admin adds a "lead source" field to deals
            deal["lead_source"] = sources[deal["id"] % len(sources)]
        (request,) = tick(instance, env, baseline.cursor).run_requests
        result = execute(instance, request)
        assert result.success  # nothing waits for review: no gate, canonical rebuilt

        (event,) = SchemaStore(get_engine(env)).events(tenant_id="acme")
        assert event.status == "repaired"
        assert [(c["kind"], c["column"]) for c in event.changes] == [("added", "lead_source")]
        mapping = registry.lookup("acme", "pipedrive", "deals", "lead_source")
        assert mapping and mapping.status == "active" and mapping.confidence >= 0.85
        assert (mapping.canonical_entity, mapping.canonical_field) == ("opportunity", "lead_source")
        with duckdb.connect(str(env.warehouse_dir / "acme.duckdb"), read_only=True) as db:
            values = dict(
                db.sql(
                    "SELECT opportunity_id, lead_source FROM canonical.opportunity "
                    "WHERE _source_connector = 'pipedrive'"
                ).fetchall()
            )
        assert values == {str(d["id"]): sources[d["id"] % len(sources)] for d in deals}


@pytest.mark.e2e
def test_a_run_that_loads_a_rename_before_the_sensor_ticks_repairs_it_before_canonical(
    env, pristine
):
    deals = pristine.apis["pipedrive"].data["deals"]
    with instance_for_test() as instance:
        loaded_acme(env, instance)
        store = SchemaStore(get_engine(env))
        assert store.latest_schemas("acme", "pipedrive", "observer")  # the load's baseline
        mutate(
            pristine.apis["pipedrive"], "deals", {"op": "rename", "field": "title", "to": "name"}
        )
        # a scheduled run, no sensor tick in between: the load itself notices the new shape
        summary = run_tenant(sandbox_definitions(), "acme", ["pipedrive"], instance, env)
        assert summary.success
        (event,) = store.events(tenant_id="acme")
        assert event.changes[0]["kind"] == "renamed_suspected" and event.status == "repaired"
        names = {k: v[0] for k, v in deal_names(env).items()}
        assert names == {str(d["id"]): d["name"] for d in deals}  # never NULL, never stale


@pytest.mark.e2e
def test_a_renamed_column_an_expression_reads_is_followed_and_canonical_keeps_its_values(
    env, pristine
):
    deals = pristine.apis["pipedrive"].data["deals"]
    with instance_for_test() as instance:
        registry = loaded_acme(env, instance)
        baseline = tick(instance, env)
        mutate(
            pristine.apis["pipedrive"],
            "deals",
            {"op": "rename", "field": "status", "to": "deal_status"},
        )
        (request,) = tick(instance, env, baseline.cursor).run_requests
        result = execute(instance, request)
        assert result.success, [e.message for e in result.all_events if e.is_failure]
        mapping = registry.lookup("acme", "pipedrive", "deals", "is_won")
        assert mapping and mapping.expression == "deal_status = 'won'"
        with duckdb.connect(str(env.warehouse_dir / "acme.duckdb"), read_only=True) as db:
            won = dict(
                db.sql(
                    "SELECT opportunity_id, is_won FROM canonical.opportunity "
                    "WHERE _source_connector = 'pipedrive'"
                ).fetchall()
            )
        assert won == {str(d["id"]): d["deal_status"] == "won" for d in deals}
        (computed,) = [
            e
            for e in result.get_asset_check_evaluations()
            if e.asset_key.path == ["canonical", "opportunity"]
            and e.check_name == "computed_mappings"
        ]
        assert computed.passed


def test_a_renamed_fields_fit_is_read_beside_its_tables_mapped_fields():
    """The renamed field is ranked alone, its table's other fields only observed: their
    mappings found the table (dcl/matching/unfounded_tables.py), so the matcher's fit, which
    joins the rename's confidence, is the trees' own and not capped for a person."""
    deals = ("pipedrive", "deals")
    mapped = {"id": "opportunity_id", "title": "name", "value": "amount", "stage_id": "stage"}
    index = {
        (*deals, name): Mapping(
            n, "acme", *deals, name, "opportunity", field, "none", 1.0, "rag", "active", 1, None
        )  # fmt: skip
        for n, (name, field) in enumerate(mapped.items(), start=1)
    }
    observed = ["id", "deal_title", "value", "stage_id", "currency"]  # `title` is gone
    by_key = {(*deals, name): SourceField(*deals, name, "text") for name in observed}
    rename = {"kind": "renamed_suspected", "column": "title", "renamed_to": "deal_title"}
    events = [DriftInput(1, *deals, [rename])]

    def resolver() -> Resolver:
        return Resolver(Matcher(canonical_targets(), default_embedder()))

    fits = _matcher_fits(None, "acme", events, index, by_key, resolver)
    assert fits[(*deals, "deal_title")]["opportunity.name"] >= AUTO_APPROVE
