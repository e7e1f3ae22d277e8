"""Usage per tenant: counted by the real assets into Postgres, reported per tenant only."""

from __future__ import annotations

import pytest
from dagster import AssetRecordsFilter, instance_for_test

from autonomos_pipelines.aam.specs.spec_loader import get_spec
from autonomos_pipelines.aam.specs.spec_model import resource_names
from autonomos_pipelines.asset_graph.keys import FIELD_MAPPINGS_KEY
from autonomos_pipelines.core.usage import UsageMeter
from autonomos_pipelines.dcl.registry.bootstrap import open_registry
from autonomos_pipelines.operations.onboarding import onboard_tenant
from autonomos_pipelines.operations.runs import run_tenant
from autonomos_pipelines.sandbox.definitions import sandbox_definitions
from tests.test_cli import run


def api_calls(sandbox, api: str) -> int:  # type: ignore[no-untyped-def]
    return sum(n for path, n in sandbox.request_counts.items() if path.startswith(f"/{api}/"))


@pytest.mark.e2e
def test_each_tenants_runs_are_counted_against_that_tenant_only(env, pristine):
    with instance_for_test() as instance:
        registry = open_registry(env)
        onboard_tenant("acme", ["stripe"], {}, registry, instance, "t")
        onboard_tenant("beta", ["pipedrive"], {}, registry, instance, "t")
        calls_before = api_calls(pristine, "stripe")
        acme = run_tenant(sandbox_definitions(), "acme", ["stripe"], instance, env)
        acme_calls = api_calls(pristine, "stripe") - calls_before
        assert acme.success
        assert run_tenant(sandbox_definitions(), "beta", ["pipedrive"], instance, env).success
        plotted = {
            tenant: instance.fetch_materializations(
                AssetRecordsFilter(asset_key=FIELD_MAPPINGS_KEY, asset_partitions=[tenant]),
                limit=1,
            )
            .records[0]
            .asset_materialization.metadata
            for tenant in ("acme", "beta")
        }

    totals = UsageMeter.for_settings(env).totals()
    for tenant in ("acme", "beta"):  # each partition plots its own tenant's totals
        shown = plotted[tenant]["usage_30d_records_fetched"].value
        assert shown == totals[tenant]["records_fetched"]
    stripe = pristine.apis["stripe"].data
    assert totals["acme"]["records_fetched"] == sum(
        len(stripe[r]) for r in resource_names(get_spec("stripe"))
    )
    # the first load also samples the source once for the drift baseline: counted too
    assert totals["acme"]["api_calls"] == acme_calls
    assert totals["acme"]["rows_produced"] == sum(acme.canonical_rows.values())
    assert totals["beta"]["records_fetched"] > 0 and "llm_calls" not in totals["acme"]

    only_acme = run(["tenants", "usage", "--tenant", "acme"])
    assert only_acme.returncode == 0 and "acme" in only_acme.stdout
    assert "beta" not in only_acme.stdout
    both = run(["tenants", "usage"])
    assert "acme" in both.stdout and "beta" in both.stdout
