"""A mapping pass in parts (dcl/decision_parts.py): whole sources per part, each part written
on a thread of its own while the next is matched, failures raised, and every field decided as
in a pass of one part (on real PostgreSQL with the real encoder)."""

from __future__ import annotations

import threading
import time

import pytest

from autonomos_pipelines.dcl import decision_parts
from autonomos_pipelines.dcl.decision_parts import WriteBehind, parts_of_whole_sources
from autonomos_pipelines.dcl.mapping_outcomes import MappingRun
from autonomos_pipelines.dcl.mapping_run import map_tenant_fields
from autonomos_pipelines.dcl.matching.source_field import SourceField
from autonomos_pipelines.dcl.registry.bootstrap import open_registry


def _fields(system: str, table: str, names: list[str]) -> list[SourceField]:
    return [SourceField(system, table, name, "text") for name in names]


SOURCES = {  # source: its fields, over two tables
    "crm": _fields("crm", "contacts", ["id", "email", "first_name"])
    + _fields("crm", "deals", ["id", "contact_id", "amount", "stage"]),
    "desk": _fields("desk", "tickets", ["id", "subject", "priority", "requester_id"])
    + _fields("desk", "agents", ["id", "name"])
    + [  # a nested list: its field is proposed as an aggregate on tickets
        SourceField("desk", "tickets__tags", "_dlt_parent_id", "text", samples=("x1",)),
        SourceField("desk", "tickets__tags", "value", "text", samples=("billing", "vip")),
    ],
    "bill": _fields("bill", "invoices", ["id", "total", "currency", "due_date", "customer"]),
}
FIELDS = [f for fields in SOURCES.values() for f in fields]


@pytest.mark.parametrize(
    ("size", "expected"),
    [
        (100, [["crm", "desk", "bill"]]),  # all fit one part
        (15, [["crm", "desk"], ["bill"]]),  # 7 + 8 fit, 5 more would not
        (7, [["crm"], ["desk"], ["bill"]]),
        (3, [["crm"], ["desk"], ["bill"]]),  # a source larger than a part is one of its own
    ],
)
def test_a_part_holds_whole_sources_in_the_order_they_come(size, expected):
    parts = list(parts_of_whole_sources(FIELDS, size))
    assert [list(dict.fromkeys(f.source_system for f in part)) for part in parts] == expected
    assert [f for part in parts for f in part] == FIELDS  # none lost, none twice


def test_a_sources_fields_come_together_wherever_they_are_listed():
    shuffled = FIELDS[::2] + FIELDS[1::2]
    (part,) = parts_of_whole_sources(shuffled, 100)
    assert [f.source_system for f in part] == sorted(
        (f.source_system for f in shuffled), key=list(SOURCES).index
    )


def test_parts_are_written_in_order_on_a_thread_of_their_own():
    written: list[tuple[dict, str]] = []
    run = MappingRun()
    with WriteBehind(
        lambda part: written.append((part, threading.current_thread().name)), run
    ) as w:
        for number in range(3):
            w.submit({number: "decided"})
    assert [part for part, _ in written] == [{0: "decided"}, {1: "decided"}, {2: "decided"}]
    assert {name for _, name in written} != {threading.current_thread().name}
    assert run.seconds["writing"] > 0


def test_a_failed_write_is_raised_and_no_later_part_is_written():
    """Parts queued behind a failed one are not written (the next pass resolves them), and
    the failure is raised: at the next submit, or on leaving the block."""
    release, written = threading.Event(), []

    def write(part: dict) -> None:
        release.wait(5)  # the later parts are queued before the first fails
        if "bad" in part:
            raise RuntimeError("PostgreSQL refused the batch")
        written.append(part)

    with pytest.raises(RuntimeError, match="refused the batch"):
        with WriteBehind(write, MappingRun()) as writer:
            for part in ({"bad": 0}, {"good": 1}, {"good": 2}):
                writer.submit(part)
            release.set()
    assert written == []
    with pytest.raises(RuntimeError, match="refused the batch"):
        writer.submit({"good": 3})  # a failed writer takes nothing more


def test_a_failure_while_matching_still_writes_every_part_matched():
    written: list[dict] = []

    def write(part: dict) -> None:
        time.sleep(0.05)  # slower than matching: parts wait in the queue
        written.append(part)

    with pytest.raises(ValueError, match="matching failed") as raised:
        with WriteBehind(write, MappingRun()) as writer:
            for number in range(3):
                writer.submit({number: "decided"})
            raise ValueError("matching failed")
    assert written == [{0: "decided"}, {1: "decided"}, {2: "decided"}]
    assert not getattr(raised.value, "__notes__", None)  # no write failed


def test_a_write_failure_beside_a_matching_failure_is_noted_on_it():
    def write(part: dict) -> None:
        raise RuntimeError("PostgreSQL refused the batch")

    with pytest.raises(ValueError, match="matching failed") as raised:
        with WriteBehind(write, MappingRun()) as writer:
            writer.submit({0: "decided"})
            raise ValueError("matching failed")
    assert raised.value.__notes__ == ["writing a part failed too (RuntimeError)"]


@pytest.mark.postgres
def test_a_pass_in_parts_decides_each_field_as_a_pass_in_one(env, monkeypatch):
    """The same fields for two tenants, one pass in one part, one in a part per source: the
    same decision for every field (a source's tables are matched together either way)."""
    registry = open_registry(env)

    def decisions(tenant: str) -> tuple[int, dict]:
        registry.add_tenant(tenant, {}, "test")
        run = map_tenant_fields(registry, tenant, FIELDS)
        assert run.resolved_now == len(FIELDS)
        return run.aggregates_proposed, {
            (o.source.source_system, o.source.source_entity, o.source.field): (o.status, o.target)
            for o in run.outcomes
        }

    whole = decisions("whole")
    monkeypatch.setattr(decision_parts, "PART_FIELDS", 7)  # a part per source
    parts = decisions("parts")
    assert parts == whole
    assert whole[0] == 1  # the tags' aggregate, counted though its part is not the last
    assert any(status == "mapped" for status, _ in whole[1].values())  # not only misses
