"""Dagster's events of an in-process run, turned into progress lines: each connector's load
(tables, rows, requests, seconds), the mapping pass (coverage), each canonical table (rows)
and the checks. A logging handler on the run's logger, so it sees exactly what the run log
records and no run logic is repeated here."""

from __future__ import annotations

import logging
from collections import defaultdict
from typing import Any

from dagster import AssetCheckSeverity, DagsterEventType

from autonomos_pipelines.operations.progress import Progress


def _metadata(event: Any) -> tuple[list[str], dict[str, Any]]:
    materialization = event.event_specific_data.materialization
    values = {name: entry.value for name, entry in materialization.metadata.items()}
    return list(materialization.asset_key.path), values


class RunProgress(logging.Handler):
    def __init__(self, progress: Progress):
        super().__init__(logging.DEBUG)
        self.progress = progress
        self.tables: dict[str, int] = defaultdict(int)
        self.rows: dict[str, int] = defaultdict(int)
        self.requests: dict[str, int] = defaultdict(int)
        self.checks = {"passed": 0, "failed": 0, "warned": 0}

    def emit(self, record: logging.LogRecord) -> None:
        event = getattr(record, "dagster_event", None)
        if event is None:
            if record.levelno >= logging.INFO and "waiting for run" in record.getMessage():
                self.progress.line(record.getMessage())
            return
        kind, step = event.event_type, event.step_key or ""
        if kind == DagsterEventType.STEP_START:
            self.progress.now(f"running {step} …")
        elif kind == DagsterEventType.ASSET_MATERIALIZATION:
            self.materialized(*_metadata(event))
        elif kind == DagsterEventType.ASSET_CHECK_EVALUATION:
            evaluation = event.event_specific_data
            warned = evaluation.severity == AssetCheckSeverity.WARN
            self.checks["passed" if evaluation.passed else "warned" if warned else "failed"] += 1
        elif kind == DagsterEventType.STEP_SUCCESS:
            self.step_done(step, event.event_specific_data.duration_ms / 1000)
        elif kind == DagsterEventType.STEP_FAILURE:
            self.progress.line(f"  FAILED  {step} (traceback in the run log)")
        elif kind in (DagsterEventType.RUN_SUCCESS, DagsterEventType.RUN_FAILURE):
            self.run_done()

    def materialized(self, path: list[str], values: dict[str, Any]) -> None:
        if path[0] == "raw":
            connector = path[1]
            self.tables[connector] += 1
            self.rows[connector] += int(values.get("rows_loaded") or 0)
            self.requests[connector] = int(values.get("http_requests") or 0)
        elif path[0] == "canonical":
            self.rows[f"canonical/{path[1]}"] = int(values.get("dagster/row_count") or 0)
        elif path[0] == "unified" and path[1].endswith("_crosswalk"):
            records, entities = values.get("source_records"), values.get("unified_entities")
            entity, review = path[1].removesuffix("_crosswalk"), values.get("pairs_in_review")
            self.progress.line(
                f"  unified    {entity:<18}{records:>7} records -> {entities} entities, "
                f"{review} pairs in review"
            )
        elif path == ["dcl", "field_mappings"]:
            mapped, total = values.get("fields_mapped"), values.get("fields_total")
            self.progress.line(f"  mappings   {mapped}/{total} source fields mapped")

    def step_done(self, step: str, seconds: float) -> None:
        if step.startswith("raw_"):
            connector = step.removeprefix("raw_")
            self.progress.line(
                f"  raw        {connector:<18}{self.tables[connector]:>3} tables "
                f"{self.rows[connector]:>7} rows {self.requests[connector]:>4} requests "
                f"{seconds:>6.1f} s"
            )
        elif step.startswith("canonical__") and "canonical/" + step[11:] in self.rows:
            entity = step.removeprefix("canonical__")
            rows = self.rows[f"canonical/{entity}"]
            self.progress.line(f"  canonical  {entity:<18}{rows:>7} rows {seconds:>6.1f} s")

    def run_done(self) -> None:
        if sum(self.checks.values()):
            passed, failed, warned = (self.checks[k] for k in ("passed", "failed", "warned"))
            warnings = f", {warned} warned" if warned else ""
            self.progress.line(f"  checks     {passed} passed, {failed} failed{warnings}")
        self.checks = {"passed": 0, "failed": 0, "warned": 0}
