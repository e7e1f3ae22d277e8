"""Where a mapping pass spends its time (MappingRun.stage): each stage timed and traced, the
encoder's share counted per thread, and all of it reported in the Dagster UI and the run log.
The pass runs for real on PostgreSQL with the real encoder; traces go to an in-memory
exporter, standing for an OTLP collector."""

from __future__ import annotations

import threading
import uuid
from collections.abc import Iterator

import pytest
from opentelemetry.sdk.trace.export import SimpleSpanProcessor
from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter

from autonomos_pipelines.core import tracing
from autonomos_pipelines.dcl.mapping_outcomes import STAGES, MappingRun
from autonomos_pipelines.dcl.mapping_run import map_tenant_fields
from autonomos_pipelines.dcl.matching.embeddings import computed_so_far, default_embedder
from autonomos_pipelines.dcl.matching.source_field import SourceField
from autonomos_pipelines.dcl.registry.bootstrap import open_registry
from mapping_assets.mappings.metadata import mapping_metadata, timing_note


@pytest.fixture
def memory_spans(monkeypatch) -> Iterator[InMemorySpanExporter]:
    for name in ("OTEL_EXPORTER_OTLP_ENDPOINT", "OTEL_EXPORTER_OTLP_TRACES_ENDPOINT"):
        monkeypatch.delenv(name, raising=False)
    exporter = InMemorySpanExporter()
    tracing.install(SimpleSpanProcessor(exporter))
    yield exporter
    tracing.uninstall()


@pytest.mark.postgres
def test_a_pass_times_and_traces_each_stage_and_counts_what_it_encoded(env, memory_spans):
    registry = open_registry(env)
    registry.add_tenant("acme", {}, "test")
    # names this process has never encoded, so the encoder has them to compute
    table = f"members_{uuid.uuid4().hex[:8]}"
    fields = [
        SourceField("qorvex", table, "qv_member_mail", "text", samples=("a@b.com",)),
        SourceField("qorvex", table, "qv_joined", "date", samples=("2024-01-02",)),
    ]
    run = map_tenant_fields(registry, "acme", fields)
    assert run.resolved_now == 2
    assert set(run.seconds) == {*STAGES, "encoding", "pass"}
    assert all(run.seconds[name] > 0 for name in STAGES)
    assert sum(run.seconds[name] for name in STAGES) <= run.seconds["pass"]
    assert run.texts_encoded > 0  # the new names' texts at least
    assert 0 < run.seconds["encoding"] <= run.seconds["preparing"] + run.seconds["matching"]
    spans = memory_spans.get_finished_spans()
    (whole,) = [s for s in spans if s.name == "mapping.pass"]
    stages = {s.name: s for s in spans if s.name in {f"mapping.{n}" for n in STAGES}}
    assert set(stages) == {f"mapping.{n}" for n in STAGES}
    assert all(s.parent.span_id == whole.context.span_id for s in stages.values())
    assert stages["mapping.matching"].attributes["fields"] == 2

    # a field left unmapped is resolved again; its texts are the encoder's already
    unmapped = sum(o.status == "unmapped" for o in run.outcomes)
    assert unmapped >= 1  # what makes the second pass resolve (and time) anything
    again = map_tenant_fields(registry, "acme", fields)
    assert again.resolved_now == unmapped
    assert again.texts_encoded == 0 and again.seconds.get("encoding", 0.0) == 0.0


def test_the_encoders_count_is_the_calling_threads_own():
    """Passes of several tenants may run side by side in one process: each reads only
    what its own calls computed."""
    embedder = default_embedder()
    new = uuid.uuid4().hex  # texts this process has never encoded
    before = computed_so_far()
    failed: list[BaseException] = []

    def elsewhere() -> None:
        try:
            embedder.encode([f"qorvex elsewhere {new}"])
        except BaseException as error:  # a thread's error would pass unseen
            failed.append(error)

    other = threading.Thread(target=elsewhere)
    other.start()
    other.join()
    assert failed == [] and computed_so_far() == before
    embedder.encode([f"qorvex first {new}", f"qorvex second {new}", f"qorvex first {new}"])
    texts, seconds = computed_so_far()
    assert texts == before[0] + 2 and seconds > before[1]
    embedder.encode([f"qorvex first {new}"])  # cached: costs nothing, counts nothing
    assert computed_so_far() == (texts, seconds)


def test_the_ui_and_the_run_log_say_where_the_time_went():
    run = MappingRun(resolved_now=40, texts_encoded=120)
    run.seconds = {"preparing": 0.25, "matching": 2.5, "writing": 0.75, "encoding": 1.5}
    run.seconds["pass"] = 4.0
    metadata = mapping_metadata(run)
    assert metadata["mapping_pass_seconds"].value == 4.0
    assert metadata["mapping_matching_seconds"].value == 2.5
    assert metadata["mapping_encoding_seconds"].value == 1.5
    assert metadata["texts_encoded_this_run"] == 120
    note = timing_note(run)
    assert "40 field(s) resolved in 4.0 s" in note and "matching 2.5 s" in note
    assert "writing 0.8 s" in note and "encoding 120 new text(s) 1.5 s" in note
    idle = mapping_metadata(MappingRun())  # every key every run, for the UI's plots
    assert idle["mapping_writing_seconds"].value == 0.0 and idle["texts_encoded_this_run"] == 0
    assert timing_note(MappingRun()) == ""
