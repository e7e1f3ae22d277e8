"""What the mapping step shows in the Dagster UI and its run log (mapping_assets/mappings/
metadata.py): the tables a pass made feed canonical ones without a person, and a field table
that hostile source names cannot break."""

from __future__ import annotations

from autonomos_pipelines.dcl.mapping_outcomes import FieldOutcome, MappingRun
from autonomos_pipelines.dcl.matching.source_field import SourceField
from mapping_assets.mappings.metadata import (
    awaiting_note,
    feeding_note,
    fields_table,
    mapping_metadata,
    settled_note,
    unfounded_note,
)


def _run(feeding: dict[str, str], settled: int = 0, keys: int = 0) -> MappingRun:
    source = SourceField("zorg", "invoices", "invoice_id", "text")
    outcome = FieldOutcome(source, "mapped", "rag", 0.95, "invoice.invoice_id", 7)
    return MappingRun(
        [outcome],
        resolved_now=1,
        auto_approved=1,
        tables_now_feeding=feeding,
        references_settled=settled,
        keys_settled=keys,
    )


def test_the_keys_and_references_the_structure_settled_are_counted_and_logged():
    assert mapping_metadata(_run({}, settled=2))["references_settled_this_run"] == 2
    assert settled_note(_run({}, settled=2)) == (
        "; 2 reference(s) approved by their source's structure"
    )
    both = _run({}, settled=2, keys=3)
    assert mapping_metadata(both)["keys_settled_this_run"] == 3
    assert (
        settled_note(both) == "; 3 key(s) and 2 reference(s) approved by their source's structure"
    )
    assert mapping_metadata(_run({}))["references_settled_this_run"] == 0
    assert mapping_metadata(_run({}))["keys_settled_this_run"] == 0
    assert settled_note(_run({})) == ""


def test_the_fields_held_for_an_unfounded_table_are_counted_and_logged():
    run = _run({})
    assert mapping_metadata(run)["held_unfounded_this_run"] == 0 and unfounded_note(run) == ""
    run.held_unfounded = 4
    assert mapping_metadata(run)["held_unfounded_this_run"] == 4
    assert unfounded_note(run) == (
        "; 4 field(s) held for a person: their table, or the one they reference, is nothing "
        "canonical as far as its fields show"
    )


def test_the_tables_now_feeding_canonical_ones_are_counted_listed_and_logged():
    metadata = mapping_metadata(_run({"zorg.invoices": "invoice", "zorg.a|b": "account"}))
    assert metadata["tables_now_feeding_canonical"] == 2
    listed = metadata["tables_now_feeding_canonical_list"].value
    assert "| zorg.invoices | invoice |" in listed
    assert "| zorg.a\\|b | account |" in listed  # a pipe in a source's name ends no cell
    note = feeding_note({f"zorg.t{i:02}": "account" for i in range(12)})
    assert note.startswith("; 12 table(s) now feed canonical ones")
    assert "zorg.t09 -> account" in note and "zorg.t10" not in note and "and 2 more" in note
    assert "\n" not in feeding_note({"zorg.a\nINFO forged": "account"})  # one log line


def test_a_pass_that_made_no_table_feed_a_canonical_one_says_nothing_of_it():
    metadata = mapping_metadata(_run({}))
    assert metadata["tables_now_feeding_canonical"] == 0
    assert "tables_now_feeding_canonical_list" not in metadata
    assert feeding_note({}) == ""


def test_a_hostile_field_name_stays_in_its_cell_of_the_field_table():
    source = SourceField("zorg", "t|x", "a|b\nc`d", "text")
    table = fields_table([FieldOutcome(source, "unmapped", "none", None, None)])
    row = table.splitlines()[2]
    assert row == "| unmapped | zorg.t\\|x | `a\\|b c'd` |  | none |  |"


def test_the_tables_awaiting_their_identity_are_counted_listed_and_logged():
    run = _run({})
    assert mapping_metadata(run)["tables_awaiting_identity"] == 0
    assert "tables_awaiting_identity_list" not in mapping_metadata(run)
    assert awaiting_note({}) == ""
    waits = "3 contact field(s) approved; contact.contact_id waits for a person"
    run.tables_awaiting_identity = {"zorg.members": waits}
    metadata = mapping_metadata(run)
    assert metadata["tables_awaiting_identity"] == 1
    assert f"| zorg.members | {waits} |" in metadata["tables_awaiting_identity_list"].value
    assert awaiting_note(run.tables_awaiting_identity) == (
        f"; 1 table(s) feed nothing until their identity is approved: zorg.members ({waits})"
    )
