"""People decide what entity unification is unsure of: verdicts are versioned, audited, kept
across runs and obeyed by the next run (merge and split by unified id included); settings
change thresholds and survivorship per tenant; the CLI drives it on a real warehouse."""

from __future__ import annotations

import pytest
import sqlalchemy as sa

from autonomos_pipelines.canonical.unify_tenant import unify_tenant
from autonomos_pipelines.cli.common import os_account
from autonomos_pipelines.core.database import admin_session
from autonomos_pipelines.core.errors import InputRefused
from autonomos_pipelines.dcl.registry.bootstrap import open_registry
from autonomos_pipelines.dcl.registry.refs import PermissionDenied
from autonomos_pipelines.dcl.registry.workflow import Workflow
from autonomos_pipelines.dcl.unify.decisions import UnifyDecisions
from autonomos_pipelines.dcl.unify.model import Decision, RecordKey, Thresholds
from autonomos_pipelines.dcl.unify.settings import UnifySettings
from autonomos_pipelines.warehouse.store import Warehouse
from mapping_assets.unified.metadata import unified_metadata
from tests.cli_runner import cli
from tests.unified_rows import TENANT, account_row, insert_rows

pytestmark = pytest.mark.postgres
SF, STRIPE = RecordKey("salesforce", "001"), RecordKey("stripe", "cus_1")
ACCOUNTS = [
    account_row("salesforce", "001", "ACME, Inc.", domain="acme.com", phone="+1 555 010 1234"),
    account_row("stripe", "cus_1", "Acme Incorporated", website="https://www.acme.com",
                phone="5550101234"),
    account_row("zendesk", "77", "Globex GmbH", domain="globex.de", billing_city="Berlin"),
    account_row("hubspot", "9", "Globex", billing_city="Berlin"),
    account_row("hubspot", "10", "Initech LLC", domain="initech.com"),
]  # fmt: skip


@pytest.fixture
def flow(env):
    registry = open_registry(env)
    for tenant in (TENANT, "globex"):
        registry.add_tenant(tenant, {"stripe": {}, "salesforce": {}}, "test")
    workflow = Workflow(registry)
    workflow.set_role(os_account(), "admin", os_account())  # the CLI acts as this account
    workflow.set_role("rita", "reviewer", os_account())
    return workflow


def audit_actions(flow: Workflow, object_type: str) -> list[str]:
    with admin_session(flow.engine) as db:
        return list(
            db.execute(
                sa.text("SELECT action FROM audit_log WHERE object_type = :o ORDER BY id"),
                {"o": object_type},
            ).scalars()
        )


def test_a_verdict_is_a_new_version_each_time_and_audited(flow):
    store = UnifyDecisions(flow)
    first = store.decide(TENANT, "account", (STRIPE, SF), "same", "rita", "same VAT number")
    assert (first["left_record"], first["right_record"], first["version"]) == (
        "salesforce:001", "stripe:cus_1", 1,
    )  # fmt: skip
    assert store.active(TENANT, "account") == [Decision(SF, STRIPE, "same", 1, "rita")]
    store.decide(TENANT, "account", (SF, STRIPE), "different", "rita")
    assert [d.verdict for d in store.active(TENANT, "account")] == ["different"]
    store.decide(TENANT, "account", (SF, STRIPE), "undecided", "rita")
    assert store.active(TENANT, "account") == []
    history = store.history(TENANT, "account", SF)
    assert [(h["version"], h["verdict"], h["is_active"]) for h in history] == [
        (3, "undecided", True), (2, "different", False), (1, "same", False),
    ]  # fmt: skip
    assert audit_actions(flow, "entity_pair") == ["unify.same", "unify.different",
                                                  "unify.undecided"]  # fmt: skip
    assert store.active("globex", "account") == []  # another tenant sees none of it


def test_only_reviewers_decide_and_a_refusal_is_audited(flow):
    flow.set_role("vic", "viewer", os_account())
    with pytest.raises(PermissionDenied, match="needs role reviewer or admin"):
        UnifyDecisions(flow).decide(TENANT, "account", (SF, STRIPE), "same", "vic")
    assert UnifyDecisions(flow).active(TENANT, "account") == []
    assert audit_actions(flow, "entity_pair") == ["unify.decide.refused"]


@pytest.mark.parametrize(
    ("entity", "pair", "verdict", "message"),
    [
        ("opportunity", (SF, STRIPE), "same", "unification covers account, contact"),
        ("account", (SF, STRIPE), "maybe", "verdict 'maybe'"),
        ("account", (SF, SF), "same", "salesforce:001 cannot be compared with itself"),
    ],
)
def test_a_malformed_verdict_is_refused_by_name(flow, entity, pair, verdict, message):
    with pytest.raises(InputRefused, match=message):
        UnifyDecisions(flow).decide(TENANT, entity, pair, verdict, "rita")


def test_settings_change_per_tenant_and_refuse_what_the_model_lacks(flow):
    store = UnifySettings(flow)
    assert store.get(TENANT, "account")[0] == Thresholds()
    thresholds, rules = store.set(
        TENANT, "account", "rita", upper=0.9, field_rules={"phone": "most_trusted"},
        source_priority=["salesforce", "stripe"],
    )  # fmt: skip
    assert (thresholds.upper, thresholds.lower) == (0.9, Thresholds().lower)
    assert store.get(TENANT, "account") == (thresholds, rules)
    assert rules.per_field == {"phone": "most_trusted"} and rules.default == "most_recent"
    assert store.get("globex", "account")[0] == Thresholds()
    for changes, message in (
        ({"field_rules": {"shoe_size": "most_recent"}}, "account.shoe_size is not a field"),
        ({"default_rule": "loudest"}, "rule 'loudest'"),
        ({"lower": 0.95, "upper": 0.9}, "need 0 < lower <= upper < 1"),
        ({"colour": "red"}, "unknown unification setting"),
    ):
        with pytest.raises(InputRefused, match=message):
            store.set(TENANT, "account", "rita", **changes)
    assert audit_actions(flow, "unify_settings") == ["unify.settings"]


def _ids(env) -> dict[str, str]:
    warehouse = Warehouse(env)
    with warehouse.session(TENANT) as session:
        rows = session.rows(
            "SELECT connector, record_id, unified_id FROM unified.account_crosswalk"
        )
    return {f"{c}:{r}": u for c, r, u in rows}


def test_review_merge_and_split_from_the_cli_are_kept_across_runs(env, flow):
    warehouse = Warehouse(env)
    with warehouse.session(TENANT) as session:
        insert_rows(session, "account", ACCOUNTS)
    # a low review threshold puts the two Globex records (same name and city) in review
    assert "review from 0.01" in cli("unify", "settings", TENANT, "account", "--lower", "0.01")
    first = unify_tenant(warehouse, flow, TENANT, "account")
    ids = _ids(env)
    assert ids["salesforce:001"] == ids["stripe:cus_1"] and first.unified.entities == 4
    queue = cli("unify", "review", TENANT, "account")
    assert "hubspot:9  ~  zendesk:77" in queue and "name exact" in queue
    assert f"{first.unified.review_pairs} pair(s) shown" in queue

    cli("unify", "same", TENANT, "account", "zendesk:77", "hubspot:9", "--reason", "one firm")
    cli("unify", "split", TENANT, "account", "stripe:cus_1")
    second = unify_tenant(warehouse, flow, TENANT, "account")
    again = _ids(env)
    assert again["zendesk:77"] == again["hubspot:9"] and second.verdicts == 2
    assert again["salesforce:001"] == ids["salesforce:001"] != again["stripe:cus_1"]
    assert "0 pair(s) shown" in cli("unify", "review", TENANT, "account")
    # the verdict is counted in its probability band: one "same", far too few to vouch for it
    assert sum(b.same for b in second.unified.calibration.bands) == 1
    shown = unified_metadata(second.unified, second.thresholds)
    assert "| 1 | 100% (≥ " in shown["review_calibration"].value
    assert shown["suggested_link_threshold"].startswith("keep reviewing")

    cli("unify", "merge", TENANT, "account", again["hubspot:10"], again["stripe:cus_1"])
    unify_tenant(warehouse, flow, TENANT, "account")
    merged = _ids(env)
    assert merged["hubspot:10"] == merged["stripe:cus_1"] == again["hubspot:10"]
    shown = cli("unify", "show", TENANT, "account", merged["hubspot:10"])
    assert "hubspot:10" in shown and "stripe:cus_1" in shown and "Initech" in shown
    history = cli("unify", "history", TENANT, "account")
    assert "3 verdict version(s)" in history and "one firm" in history


def test_the_cli_names_what_is_wrong(env, flow):
    said = cli("unify", "same", TENANT, "account", "no-colon", "stripe:1", code=2)
    assert "record key 'no-colon' is not CONNECTOR:RECORD_ID" in said
    said = cli("unify", "show", TENANT, "account", "acc_0000001", code=2)
    assert f"tenant {TENANT} has no unified account yet" in said
    said = cli("unify", "settings", TENANT, "account", "--field-rule", "phone", code=2)
    assert "expected FIELD=RULE" in said
    for command in (["review", "nobody_here", "account"], ["show", "nobody_here", "account", "x"]):
        said = cli("unify", *command, code=2)
        assert "no tenant 'nobody_here'" in said
    assert not (env.warehouse_dir / "nobody_here.duckdb").exists()
