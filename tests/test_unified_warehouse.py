"""Entity unification in a tenant's DuckDB warehouse (no Dagster): golden records by
survivorship rule, crosswalk ids that survive re-runs, linked tables, integrity figures."""

from __future__ import annotations

from datetime import UTC, datetime

import duckdb
import pytest

from autonomos_pipelines.canonical.unification import (
    _company_lines,
    linker_input_sql,
    unify_in_warehouse,
)
from autonomos_pipelines.canonical.unified_sql import linked_select, records_select
from autonomos_pipelines.core.settings import Settings
from autonomos_pipelines.dcl.model.canonical_model import canonical_model
from autonomos_pipelines.dcl.unify.model import Survivorship, Thresholds
from autonomos_pipelines.warehouse.dialects import DuckDbDialect
from autonomos_pipelines.warehouse.store import Warehouse, WarehouseSession
from quality_checks.unified_gx import validate_crosswalk
from tests.unified_rows import TENANT, account_row, contact_row, insert_rows

MODEL = canonical_model()


ACCOUNTS = [
    account_row("salesforce", "001", "ACME, Inc.", domain="acme.com", phone="+1 555 010 1234",
             industry="Software", updated_at=datetime(2024, 1, 1, tzinfo=UTC)),
    account_row("stripe", "cus_1", "Acme Incorporated", website="https://www.acme.com",
             phone="5550101234", industry="Retail", updated_at=datetime(2025, 1, 1, tzinfo=UTC)),
    account_row("zendesk", "77", "Globex GmbH", domain="globex.de"),
]  # fmt: skip


@pytest.fixture
def session(tmp_path):
    connection = duckdb.connect(str(tmp_path / "tenant.duckdb"))
    yield WarehouseSession(connection, DuckDbDialect())
    connection.close()


def _unify(session, rules=Survivorship(), entity="account"):
    return unify_in_warehouse(
        session, MODEL[entity], TENANT, "canonical", "unified", rules, Thresholds()
    )


def _ids(session) -> dict[tuple[str, str], str]:
    rows = session.rows("SELECT connector, record_id, unified_id FROM unified.account_crosswalk")
    return {(c, r): u for c, r, u in rows}


def test_golden_records_follow_the_survivorship_rule(session):
    insert_rows(session, "account", ACCOUNTS)
    unified = _unify(session)
    assert (unified.records, unified.entities) == (3, 2)
    assert unified.cluster_sizes == {1: 1, 2: 1}
    recent = session.rows(
        "SELECT industry, member_count FROM unified.account WHERE member_count = 2"
    )
    assert recent == [("Retail", 2)]  # stripe's record is the most recent
    _unify(session, Survivorship(default="most_trusted", source_priority=("salesforce",)))
    trusted = session.rows(
        "SELECT industry, source_systems FROM unified.account WHERE member_count = 2"
    )
    assert trusted[0][0] == "Software" and set(trusted[0][1].split(",")) == {"salesforce", "stripe"}


def test_ids_stay_put_across_runs_and_new_records(session):
    insert_rows(session, "account", ACCOUNTS)
    _unify(session)
    first = _ids(session)
    assert first[("salesforce", "001")] == first[("stripe", "cus_1")] != first[("zendesk", "77")]
    initech = account_row("hubspot", "9", "Initech LLC", domain="initech.com")
    insert_rows(session, "account", [initech])
    _unify(session)
    second = _ids(session)
    assert {k: second[k] for k in first} == first
    assert second[("hubspot", "9")] not in first.values()


def test_linked_tables_carry_the_unifiedaccount_row(session):
    insert_rows(session, "account", ACCOUNTS)
    _unify(session)
    invoice = {"_tenant_id": str(TENANT), "_source_system": "stripe", "_source_connector": "stripe",
               "_source_record_id": "in_1", "invoice_id": "in_1", "account_id": "cus_1",
               "total_amount": 120}  # fmt: skip
    insert_rows(session, "invoice", [invoice])
    crosswalks = {"account": "unified.account_crosswalk"}
    select = linked_select(MODEL["invoice"], "canonical.invoice", crosswalks, DuckDbDialect())
    session.replace_table("unified", "invoice", select)
    ids = _ids(session)
    assert session.rows("SELECT unified_account_id FROM unified.invoice") == [
        (ids[("salesforce", "001")],)
    ]


def test_hostile_source_values_stay_values(session):
    hostile = "x'); DROP TABLE canonical.account; --"
    insert_rows(session, "account", [account_row(hostile, hostile, hostile)])
    unified = _unify(session, Survivorship(source_priority=(hostile,)))
    assert unified.entities == 1
    assert session.rows("SELECT name FROM unified.account") == [(hostile,)]


def test_the_crosswalk_suite_fails_on_a_dangling_member_and_a_mixed_tenant(tmp_path, monkeypatch):
    monkeypatch.setenv("AUTONOMOS_HOME", str(tmp_path))
    monkeypatch.delenv("WAREHOUSE_URL", raising=False)
    warehouse = Warehouse(Settings.from_env())
    with warehouse.session(TENANT) as session:
        insert_rows(session, "account", ACCOUNTS)
        _unify(session)
    rows, outcomes = validate_crosswalk(warehouse, TENANT, "account", "clean")
    assert rows == 3 and all(o.success for o in outcomes) and len(outcomes) == 6
    with warehouse.session(TENANT) as session:
        shared = _ids(session)[("salesforce", "001")]
        session.execute(
            "INSERT INTO unified.account_crosswalk VALUES "
            "('hubspot', '5', 'hubspot', 'acc_9999999', 1.0, ?), "
            "('hubspot', '6', 'hubspot', ?, 0.99, 'globex')",
            (str(TENANT), shared),
        )
    _, outcomes = validate_crosswalk(warehouse, TENANT, "account", "tampered")
    failed = {o.column: o for o in outcomes if not o.success}
    assert set(failed) == {"has_golden_record", "tenants_in_entity", "_tenant_id"}
    assert failed["has_golden_record"].unexpected_count == 1
    assert failed["tenants_in_entity"].unexpected_count == 3  # both members and the intruder


def test_contacts_are_linked_knowing_where_each_person_works(session):
    insert_rows(session, "account", ACCOUNTS)
    _unify(session)  # accounts first, as the asset graph orders them
    insert_rows(session, "contact", [
        contact_row("salesforce", "003A", "Ada", "Lovelace", account_id="001"),
        contact_row("stripe", "c_9", "Ada", "Lovelace", account_id="cus_1"),
        contact_row("zendesk", "u_5", "Ada", "Lovelace", account_id="77"),
        # other people, so that a name's frequency means what it means in a real tenant
        *(contact_row("hubspot", f"h{i}", first, last) for i, (first, last) in enumerate(
            [("Grace", "Hopper"), ("Alan", "Turing"), ("Linus", "Torvalds"), ("Tim", "Wilson"),
             ("Radia", "Perlman"), ("Vint", "Cerf"), ("Hedy", "Lamarr"), ("Guido", "Rossum"),
             ("Ken", "Thompson"), ("Donald", "Knuth"), ("Edsger", "Dijkstra"), ("Niklaus", "Wirth")]
        )),
    ])  # fmt: skip
    contact = MODEL["contact"]
    records = session.dataframe(
        records_select(contact, "canonical.contact", session.dialect, "unified.account_crosswalk")
    ).set_index("record_id")["unified_account_id"]
    assert records["003A"] == records["c_9"] != records["u_5"]  # Acme twice, Globex once
    # nothing links (upper 1): every scored pair waits in review with its evidence
    unified = unify_in_warehouse(
        session, contact, TENANT, "canonical", "unified", Survivorship(), Thresholds(1e-4, 1.0)
    )
    scored = {frozenset((str(p.left), str(p.right))): p for p in unified.pending}
    acme = scored[frozenset(("salesforce:003A", "stripe:c_9"))]
    globex = scored[frozenset(("salesforce:003A", "zendesk:u_5"))]
    assert (acme.evidence["workplace"], globex.evidence["workplace"]) == ("exact", "differs")
    # the same name at the same firm is far likelier one person than at another firm
    odds = [p.probability / (1 - p.probability) for p in (acme, globex)]
    assert odds[0] > 100 * odds[1]


def test_a_work_address_meets_the_domain_of_the_account_a_person_is_filed_under(session):
    insert_rows(session, "account", ACCOUNTS)
    _unify(session)
    insert_rows(session, "contact", [
        contact_row("salesforce", "003A", "Ada", "Lovelace", account_id="001"),  # no e-mail
        contact_row("hubspot", "h_1", "Ada", "Lovelace", email="Ada.Lovelace@ACME.com"),
        contact_row("intercom", "i_2", "Ada", "Lovelace", email="ada@globex.de"),
        contact_row("zendesk", "u_5", "Ada", "Lovelace", account_id="77"),
        *(contact_row("hubspot", f"h{i}", first, last) for i, (first, last) in enumerate(
            [("Grace", "Hopper"), ("Alan", "Turing"), ("Linus", "Torvalds"), ("Tim", "Wilson"),
             ("Radia", "Perlman"), ("Vint", "Cerf"), ("Hedy", "Lamarr"), ("Guido", "Rossum")]
        )),
    ])  # fmt: skip
    records = session.dataframe(
        linker_input_sql(session, MODEL["contact"], "canonical.contact", "unified")
    ).set_index("record_id")
    # Acme's golden record has its domain; Globex's has only what zendesk gave it
    assert records.loc["003A", "unified_account_domain"] == "acme.com"
    assert records.loc["u_5", "unified_account_domain"] == "globex.de"
    assert records["unified_account_domain"].isna().sum() == len(records) - 2
    unified = unify_in_warehouse(
        session, MODEL["contact"], TENANT, "canonical", "unified", Survivorship(),
        Thresholds(lower=1e-4, upper=1.0),  # nothing links: every scored pair shows evidence
    )  # fmt: skip
    scored = {frozenset((str(p.left), str(p.right))): p for p in unified.pending}
    workplace = {
        pair: scored[frozenset(pair)].evidence["workplace"]
        for pair in [("salesforce:003A", "hubspot:h_1"), ("salesforce:003A", "intercom:i_2"),
                     ("zendesk:u_5", "intercom:i_2")]
    }  # fmt: skip
    assert list(workplace.values()) == ["exact", "differs", "exact"]


def test_contacts_read_no_account_domain_before_the_accounts_have_golden_records(session):
    insert_rows(session, "contact", [contact_row("hubspot", "h_1", "Ada", "Lovelace")])
    sql = linker_input_sql(session, MODEL["contact"], "canonical.contact", "unified")
    assert "unified_account_domain" not in sql and "unified_account_id" not in sql


def test_an_empty_golden_domain_gives_way_to_the_website(session):
    insert_rows(session, "account", [account_row("stripe", "cus_7", "Initech", domain="",
                                                 website="https://www.initech.com/")])  # fmt: skip
    _unify(session)
    insert_rows(session, "contact", [contact_row("stripe", "c_1", "Bill", "L", account_id="cus_7")])
    records = session.dataframe(
        linker_input_sql(session, MODEL["contact"], "canonical.contact", "unified")
    )
    assert list(records["unified_account_domain"]) == ["https://www.initech.com/"]


def test_contacts_are_told_the_phones_of_the_tenants_accounts(session):
    assert _company_lines(session, MODEL["contact"], "canonical") == frozenset()  # no accounts
    insert_rows(session, "account", ACCOUNTS)
    assert _company_lines(session, MODEL["contact"], "canonical") == {"5550101234"}
    assert _company_lines(session, MODEL["account"], "canonical") == frozenset()
