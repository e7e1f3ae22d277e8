"""The `stranded_mappings` check: active mappings onto an entity from source tables that do not
feed it (their key is not mapped to the entity's identity, or they are dlt child tables) are
named, with why no canonical row gets them; end to end on the sandbox (real Postgres, DuckDB,
Dagster)."""

from __future__ import annotations

import duckdb
import pytest
from dagster import instance_for_test

from autonomos_pipelines.canonical.sql_builder import SourceTable
from autonomos_pipelines.dcl.model.canonical_model import canonical_model
from autonomos_pipelines.dcl.registry.bootstrap import open_registry
from autonomos_pipelines.dcl.registry.refs import FieldRef
from autonomos_pipelines.dcl.registry.store import Mapping
from autonomos_pipelines.dcl.registry.workflow import Workflow
from autonomos_pipelines.operations.onboarding import onboard_tenant
from autonomos_pipelines.operations.runs import run_tenant
from autonomos_pipelines.sandbox.definitions import sandbox_definitions
from quality_checks.stranded_mappings import (
    stranded_mappings,
    stranded_mappings_result,
    why_stranded,
)

OPPORTUNITY = canonical_model()["opportunity"]
CHECK = "canonical/opportunity stranded_mappings"
COLUMNS = {"id": "VARCHAR", "title": "VARCHAR", "value": "DOUBLE"}


def mapping(field: str, target: str, table: str = "deals") -> Mapping:
    entity, _, canonical = target.partition(".")
    return Mapping(1, None, "crm", table, field, entity, canonical, "none", 1.0, "manual",
                   "active", 1)  # fmt: skip


def table(mappings: list[Mapping], columns: dict[str, str] = COLUMNS, name="deals") -> SourceTable:
    return SourceTable("crm", "crm", "raw_crm", name, columns, "id", mappings)


@pytest.mark.parametrize(
    ("source", "stranded"),
    [
        # its key feeds the entity: every mapping reaches a row
        (table([mapping("id", "opportunity.opportunity_id"), mapping("title", "opportunity.name")]),
         []),
        # approved fields, but the key is not mapped: nothing of it reaches a row
        (table([mapping("title", "opportunity.name"), mapping("value", "opportunity.amount")]),
         ["title", "value"]),
        # mapped onto another entity: not this table's concern
        (table([mapping("title", "account.name")]), []),
        # the column is not loaded yet: nothing to strand
        (table([mapping("stage", "opportunity.stage")]), []),
        # a list nested in the deals' records: list items, not opportunities
        (table([mapping("value", "opportunity.amount", "deals__products")],
               {**COLUMNS, "_dlt_parent_id": "VARCHAR"}, "deals__products"),
         ["value"]),
    ],
)  # fmt: skip
def test_which_mappings_are_stranded(source, stranded):
    found = stranded_mappings(OPPORTUNITY, [source])
    assert [m.source_field for _, onto in found for m in onto] == stranded


def test_the_check_says_why_and_what_to_map():
    keyless = table([mapping("title", "opportunity.name")])
    nested = table(
        [mapping("value", "opportunity.amount", "deals|items")],
        {**COLUMNS, "_dlt_parent_id": "VARCHAR"},
        "deals|items",
    )
    result = stranded_mappings_result(
        OPPORTUNITY, stranded_mappings(OPPORTUNITY, [keyless, nested])
    )
    assert not result.passed and result.metadata["stranded_mappings"].value == 2
    assert result.description == (
        "2 active mapping(s) onto opportunity reach no canonical row, from crm.deals, "
        "crm.deals|items"
    )
    report = result.metadata["report"].value
    assert "map 'id' there to feed opportunity" in report
    assert "opportunity.opportunity_id" in report
    assert "a list nested in another table's records" in report
    assert "map the parent's field with an aggregate of the list instead" in report
    assert "| crm.deals\\|items |" in report  # a pipe in a name stays inside its cell
    assert stranded_mappings_result(OPPORTUNITY, []).passed


def test_the_advice_fits_the_identity_and_a_key_the_source_stopped_sending():
    cost = canonical_model()["cloud_cost"]  # identified by a date, not by the record id
    daily = SourceTable("aws", "aws", "raw_aws", "costs", {"record_id": "VARCHAR",
                        "cost": "DOUBLE"}, "record_id",
                        [mapping("cost", "cloud_cost.cost", "costs")])  # fmt: skip
    assert why_stranded(cost, daily) == (
        "no field of it is mapped to cloud_cost.usage_date: map the field holding its "
        "usage_date there to feed cloud_cost"
    )
    onto = [mapping("id", "opportunity.opportunity_id"), mapping("title", "opportunity.name")]
    keyless = table(onto, {"title": "VARCHAR"})
    assert why_stranded(OPPORTUNITY, keyless) == (
        "its key 'id' is mapped to opportunity.opportunity_id but is no longer in the table"
    )


def test_a_long_field_list_says_how_many_it_leaves_out_and_names_stay_in_their_cells():
    columns = {f"custom_field_{i}": "VARCHAR" for i in range(40)} | {"a\\|b": "VARCHAR"}
    onto = [mapping(name, "opportunity.name") for name in columns]
    report = (
        stranded_mappings_result(
            OPPORTUNITY, stranded_mappings(OPPORTUNITY, [table(onto, columns)])
        )
        .metadata["report"]
        .value
    )
    assert "… and " in report and " more |" in report
    hidden = int(report.split("… and ")[1].split(" more")[0])
    assert report.count("→ name") + hidden == 41
    wide = (
        stranded_mappings_result(
            OPPORTUNITY, stranded_mappings(OPPORTUNITY, [table(onto[-1:], columns)])
        )
        .metadata["report"]
        .value
    )
    assert "| a\\\\\\|b → name |" in wide  # the backslash escaped, then the pipe


@pytest.mark.e2e
@pytest.mark.postgres
def test_a_table_whose_key_is_retired_is_named_on_its_canonical_table(env, sandbox):
    registry = open_registry(env)
    with instance_for_test() as instance:
        onboard_tenant("acme", ["pipedrive"], {}, registry, instance, "t")
        first = run_tenant(sandbox_definitions(), "acme", ["pipedrive"], instance, env)
        assert first.success and CHECK not in first.warnings
        # the tenant decides its deals' id is no opportunity's: its rows stop being records
        ref = FieldRef("acme", "pipedrive", "deals", "id")
        Workflow(registry).propose(ref, None, 1.0, "none", "t", activate=True, reason="test")
        second = run_tenant(sandbox_definitions(), "acme", ["pipedrive"], instance, env)

    assert second.success
    warning = second.warnings[CHECK]
    assert "reach no canonical row, from pipedrive.deals" in warning
    with duckdb.connect(str(env.warehouse_dir / "acme.duckdb"), read_only=True) as db:
        sources = db.sql("SELECT DISTINCT _source_table FROM canonical.opportunity").fetchall()
    assert ("deals",) not in sources
