"""Trained weights that hold on real tenants: u counts strangers only (a rare exact name then
weighs what it should), and no disagreement is a veto (people change jobs and mailboxes)."""

from __future__ import annotations

import duckdb
import pandas as pd
import pytest

from autonomos_pipelines.dcl.unify import linker, strangers, training
from autonomos_pipelines.dcl.unify.features import company_lines, prepare
from autonomos_pipelines.dcl.unify.model import RecordKey, Thresholds
from autonomos_pipelines.sandbox.data.world import PERSONAL, bench_records, bench_world


def test_u_loses_the_duplicates_among_random_pairs_and_never_grows():
    # 3e6 random pairs, 100 agree; 1 pair in 30,000 is a duplicate, 85 % of those agree
    lowered = strangers.stranger_u(100 / 3e6, 0.85, 1 / 30_000, 3e6)
    assert lowered < 0.5 * 100 / 3e6
    assert strangers.stranger_u(0.14, 0.85, 1 / 30_000, 3e6) == pytest.approx(0.14, rel=1e-3)
    assert strangers.stranger_u(1e-6, 0.85, 0.0, 3e6) == 1e-6  # the bound never exceeds it


def test_a_value_only_one_entitys_copies_hold_falls_to_the_floor():
    # "velora" in four systems once each: one company; "acme" 100 times in each: 100 firms
    names = ["velora"] * 4 + ["acme"] * 400 + [f"n{i}" for i in range(9596)]
    systems = ["crm", "billing", "support", "marketing"] * 101 + ["crm"] * 9596
    values = pd.Series(names, name="name")
    table = strangers.stranger_term_frequencies(values, pd.Series(systems), 1e-6)
    table = table.set_index("name")
    assert table.loc["velora", "tf_name"] == 1e-6
    # a record of one of them: 396 of the others belong to the other 99 firms
    assert table.loc["acme", "tf_name"] == pytest.approx(396 / 10_000)
    # three times in one CRM: three companies, each a stranger to the others
    crm = strangers.stranger_term_frequencies(
        pd.Series(["velora"] * 3 + ["x"] * 97, name="name"), pd.Series(["crm"] * 100), 1e-6
    ).set_index("name")
    assert crm.loc["velora", "tf_name"] == pytest.approx(2 / 100)


def test_u_rests_on_the_pairs_a_comparison_compares():
    frame = pd.DataFrame({"phone": ["1", "2", None, None], "domain": ["a", None, "b", None]})
    # one pair of 4 * 3 / 2 has a phone on both sides
    assert strangers.compared_share(
        '"phone_l" IS NULL OR "phone_r" IS NULL', ["phone"], frame
    ) == pytest.approx(1 / 6)
    # null only when neither column can be compared: rows 0-1 (phone), 0-2 (domain)
    either = (
        '("phone_l" IS NULL OR "phone_r" IS NULL) AND ("domain_l" IS NULL OR "domain_r" IS NULL)'
    )
    assert strangers.compared_share(either, ["phone", "domain"], frame) == pytest.approx(2 / 6)
    assert strangers.compared_share(either, ["phone", "domain"], frame.iloc[:1]) == 0.0


def _brute_share(null_condition: str, columns: list[str], prepared: pd.DataFrame) -> float:
    """The share of ordered record pairs that ``null_condition`` leaves compared, counted
    over every pair (a self-join), apart from compared_share's patterns of missing values."""
    records = prepared[columns].reset_index(drop=True).rename_axis("rid").reset_index()
    connection = duckdb.connect()
    connection.register("records", records)
    sides = ", ".join(f'l."{c}" AS "{c}_l", r."{c}" AS "{c}_r"' for c in columns)
    query = (
        f"SELECT count(*) FROM (SELECT {sides} FROM records l JOIN records r "  # noqa: S608
        f"ON l.rid <> r.rid) WHERE NOT ({null_condition})"
    )
    compared = connection.execute(query).fetchone()[0]  # type: ignore[index]
    connection.close()
    return compared / (len(records) * (len(records) - 1))


@pytest.mark.parametrize("entity", ["account", "contact"])
def test_each_comparisons_u_is_bounded_over_the_pairs_it_compares(monkeypatch, entity):
    records, _ = bench_records(entity, 3000, seed=11)
    prepared = prepare(entity, records, frozenset())
    prepared.index += 100  # compared_share reads records by position, not by label
    seen: set[int] = set()
    real = strangers.stranger_u

    def spy(u: float, m: float, match_rate: float, pairs: float) -> float:
        seen.add(round(pairs))
        return real(u, m, match_rate, pairs)

    monkeypatch.setattr(strangers, "stranger_u", spy)
    trained, _ = training.trained_linker(entity, prepared)
    sampled = min(training.U_SAMPLE_PAIRS, len(prepared) * (len(prepared) - 1) / 2)
    expected, widths = set(), set()
    for comparison in trained._settings_obj.comparisons:
        null = next(lvl for lvl in comparison.comparison_levels if lvl.is_null_level)
        columns = [c.input_name for c in comparison._input_columns_used_by_case_statement]
        share = strangers.compared_share(null.sql_condition, columns, prepared)
        assert share == pytest.approx(_brute_share(null.sql_condition, columns, prepared))
        expected.add(round(sampled * share))
        widths.add(len(columns))
    assert seen == expected and len(seen) > 2  # sparse columns rest on fewer pairs
    if entity == "contact":
        assert widths == {1, 2}  # e-mail and workplace read two columns each


def _with(frame: pd.DataFrame, rows: list[dict]) -> pd.DataFrame:
    extra = pd.DataFrame(rows).assign(source_system=lambda f: f["connector"])
    return pd.concat([frame, extra], ignore_index=True)


def _probability(
    entity: str, frame: pd.DataFrame, a: str, b: str, lines: frozenset[str] = frozenset()
) -> float:
    pairs, _ = linker.score_pairs(entity, prepare(entity, frame, lines), Thresholds(lower=0.0))
    wanted = {RecordKey.parse(a), RecordKey.parse(b)}
    return next((p.probability for p in pairs if {p.left, p.right} == wanted), 0.0)


def test_a_rare_exact_company_name_in_one_city_weighs_as_rare(monkeypatch):
    accounts, _ = bench_records("account", 4000, seed=11)
    frame = _with(accounts, [
        {"connector": "crm", "record_id": "1", "name": "Quorbital Dynamics", "city": "Berlin"},
        {"connector": "billing", "record_id": "2", "name": "QUORBITAL DYNAMICS GmbH",
         "city": "Berlin"},
    ])  # fmt: skip
    # high in the review band: a name and a city, and the world has a few homonymous firms
    assert _probability("account", frame, "crm:1", "billing:2") > 0.8
    # Splink's own u and term frequencies count each firm's copies as strangers: a coin toss
    monkeypatch.setattr(strangers, "discount_duplicates", lambda *_: 0)
    assert _probability("account", frame, "crm:1", "billing:2") < 0.6


def test_a_job_change_is_evidence_against_a_match_not_a_veto():
    contacts, _ = bench_world(8000, seed=12)["contact"]
    person = {"first_name": "Ada", "last_name": "Quorbitalova", "phone": "+1 555 010 7788"}
    frame = _with(contacts, [
        {"connector": "crm", "record_id": "1", "email": "ada.q@acme.com", **person},
        {"connector": "desk", "record_id": "2", "email": "ada.q@globex.de", **person},
    ])  # fmt: skip
    _, weights = training.trained_linker("contact", prepare("contact", frame))
    assert "m raised to" in weights  # this world's training pairs never change job
    # a rare full name and the same phone outweigh two employers' addresses
    assert _probability("contact", frame, "crm:1", "desk:2") >= Thresholds().lower


def test_some_people_of_the_world_changed_jobs():
    contacts, truth = bench_world(6000, seed=5)["contact"]
    keys = zip(contacts["connector"], contacts["record_id"], strict=True)
    work = contacts.assign(person=[truth[RecordKey(c, r)] for c, r in keys])
    work = work[work["email"].str.contains("@", na=False)]
    work = work.assign(domain=work["email"].str.lower().str.split("@").str[1])
    employers = work[~work["domain"].isin(PERSONAL)].groupby("person")["domain"].nunique()
    assert 0.01 < (employers >= 2).mean() < 0.2


def test_colleagues_who_share_the_company_switchboard_stay_two_people():
    world = bench_world(8000, seed=13)
    accounts, contacts = world["account"][0], world["contact"][0]
    switchboard = "+1 (555) 010-4242"
    accounts.loc[0, "phone"] = switchboard
    at_acme = {"phone": switchboard, "mailing_city": "Berlin"}
    frame = _with(contacts, [
        {"connector": "crm", "record_id": "1", "first_name": "Ada", "last_name": "Quorbital",
         "email": "ada.quorbital@acme-widgets.com", **at_acme},
        {"connector": "desk", "record_id": "2", "first_name": "Brun", "last_name": "Velmorano",
         "unified_account_domain": "acme-widgets.com", **at_acme},
    ])  # fmt: skip
    lines = company_lines(accounts["phone"])
    assert "5550104242" in lines
    # the switchboard is no longer the person's phone: nothing even pairs the two
    prepared = prepare("contact", frame, lines).set_index("unique_id")
    assert prepared.loc["crm:1", "phone"] is None and prepared.loc["desk:2", "phone"] is None
    assert _probability("contact", frame, "crm:1", "desk:2", lines) < Thresholds().lower
    # without knowing it is the company's line, a shared number and workplace nearly
    # outweigh two different names
    assert _probability("contact", frame, "crm:1", "desk:2") > 0.2


def test_a_persons_own_mobile_stays_when_their_phone_is_the_switchboard():
    records = pd.DataFrame(
        [("crm", "1", "+1 555 010 4242", "+1 555 777 1234"), ("crm", "2", "555-777-9999", None)],
        columns=["connector", "record_id", "phone", "mobile_phone"],
    ).assign(source_system="crm")
    phones = prepare("contact", records, frozenset({"5550104242"}))["phone"].tolist()
    assert phones == ["5557771234", "5557779999"]
