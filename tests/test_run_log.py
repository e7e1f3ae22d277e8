"""The run log file: what a `materialize` writes beside Dagster's events (no services)."""

from __future__ import annotations

import logging
import warnings

from autonomos_pipelines.operations.run_log import file_logger


def test_the_run_log_keeps_our_lines_and_warnings_and_drops_library_chatter(tmp_path):
    path = tmp_path / "logs" / "acme-1.log"
    with file_logger(path) as definition:
        dagster_logger = definition.logger_fn(None)  # type: ignore[arg-type]
        dagster_logger.debug("STEP_START raw_stripe")
        logging.getLogger("autonomos_pipelines.aam").info("stripe: 3 pages")
        logging.getLogger("great_expectations._docs_decorators").info("Skipping registering")
        logging.getLogger("great_expectations.core").warning("suite has no expectations")
        warnings.warn("a library's deprecation", UserWarning, stacklevel=1)
    logging.getLogger("autonomos_pipelines.aam").info("after the run")
    lines = path.read_text(encoding="utf-8").splitlines()
    text = "\n".join(lines)
    assert "STEP_START raw_stripe" in text
    assert "INFO autonomos_pipelines.aam stripe: 3 pages" in text  # the logger's name is kept
    assert "suite has no expectations" in text  # a library's warning is kept
    assert "a library's deprecation" in text
    assert "Skipping registering" not in text  # its INFO chatter is not
    assert "after the run" not in text  # the file is closed with the run
