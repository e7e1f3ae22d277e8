"""What the CLI shows of the registry agrees with itself and with the API: `mappings export`
writes what applies to a tenant (own and inherited, marked as the API marks them) and
`mappings import` takes it back without copying the baseline into the tenant; `review list`
prints the same lines for an item with or without --tenant."""

from __future__ import annotations

import pytest
import yaml
from typer.testing import CliRunner

from autonomos_pipelines.cli.common import os_account
from autonomos_pipelines.cli.main import app
from autonomos_pipelines.dcl.registry.bootstrap import open_registry
from autonomos_pipelines.dcl.registry.listing import applying, target_of
from autonomos_pipelines.dcl.registry.refs import FieldRef
from autonomos_pipelines.dcl.registry.workflow import Workflow

pytestmark = pytest.mark.postgres


def cli(*args: str) -> str:
    result = CliRunner().invoke(app, list(args))
    assert result.exit_code == 0, result.output
    return result.output


@pytest.fixture
def flow(env):
    registry = open_registry(env)
    for tenant in ("acme", "globex"):
        registry.add_tenant(tenant, {"stripe": {}, "hubspot": {}}, "test")
    workflow = Workflow(registry)
    workflow.set_role(os_account(), "admin", os_account())  # the CLI acts as this account
    return workflow


def stripe_baseline(flow: Workflow, count: int) -> list:
    mapped = [m for m in applying(flow.registry, None) if m.connector == "stripe"]
    return [m for m in mapped if m.canonical_field][:count]


def own_rows(flow: Workflow, tenant: str) -> list:
    return [m for m in flow.registry.active_mappings(tenant) if m.tenant_id == tenant]


def test_export_holds_own_and_inherited_rows_and_import_keeps_them_apart(flow, tmp_path):
    overridden, inherited = stripe_baseline(flow, 2)
    ref = FieldRef("acme", "stripe", overridden.source_table, overridden.source_field)
    flow.edit(ref, target_of(inherited), "none", os_account())
    applies = applying(flow.registry, "acme")
    out = tmp_path / "acme.yaml"
    said = cli("mappings", "export", str(out), "--tenant", "acme")
    assert f"exported {len(applies)} mappings (1 own, {len(applies) - 1} inherited" in said
    document = yaml.safe_load(out.read_text())
    scopes = {row["field"]: row["scope"] for row in document["mappings"]}
    assert scopes[ref.key] == "tenant" and len(scopes) == len(applies) > 1
    assert set(scopes.values()) == {"tenant", "global"}

    unchanged = cli("mappings", "import", str(out))  # the round trip: nothing to do
    assert f"0 changed, 1 unchanged, {len(applies) - 1} inherited" in unchanged
    assert len(own_rows(flow, "acme")) == 1  # the baseline was not copied into the tenant

    for row in document["mappings"]:  # edit both kinds of row in the file
        if row["field"] in (ref.key, f"stripe.{inherited.source_table}.{inherited.source_field}"):
            row["target"] = None
    out.write_text(yaml.safe_dump(document))
    assert "1 changed" in cli("mappings", "import", str(out))
    assert [m.canonical_field for m in own_rows(flow, "acme")] == [None]
    assert flow.registry.lookup("acme", "stripe", inherited.source_table, inherited.source_field)

    document["mappings"] = [r for r in document["mappings"] if r["scope"] == "global"][:2]
    out.write_text(yaml.safe_dump(document))  # pinning two inherited rows
    assert "2 changed, 0 unchanged" in cli("mappings", "import", str(out), "--pin-inherited")
    assert len(own_rows(flow, "acme")) == 3
    assert own_rows(flow, "globex") == []  # another tenant's file never reaches it


def test_review_list_prints_the_same_lines_with_and_without_a_tenant(flow):
    first, second = stripe_baseline(flow, 2)
    for tenant in ("acme", "globex"):  # a proposal disagreeing with the approved target
        ref = FieldRef(tenant, "stripe", first.source_table, first.source_field)
        flow.propose(ref, target_of(second), 0.7, "rag", "system:dcl")
    everyone = cli("review", "list").splitlines()
    for tenant in ("acme", "globex"):
        one = cli("review", "list", "--tenant", tenant).splitlines()
        items = [line for line in one if "await review" not in line]  # not the count line
        conflicts = [line for line in items if line.startswith(f"conflict: {tenant}: ")]
        assert conflicts and f"proposes {target_of(second)}" in conflicts[0]
        assert len(items) > len(conflicts)  # its pending row too
        assert set(items) <= set(everyone)
