"""Why a raw load failed, in one line, and whether the source is to blame for it."""

from __future__ import annotations

from dataclasses import replace

from dlt.pipeline.exceptions import PipelineStepFailed

from autonomos_pipelines.aam.connections.connection import SANDBOX, Connection
from autonomos_pipelines.core.faults import (
    LOCAL,
    SOURCE,
    Fault,
    classify,
    exception_chain,
    innermost,
    one_line,
)
from autonomos_pipelines.core.settings import Settings
from mapping_assets.raw.support import redact

UNKNOWN = "unknown"


def load_fault(error: Exception, connection: Connection | None, settings: Settings) -> Fault:
    """The recognised cause (registry, warehouse, disk, API), else the innermost error. An
    unrecognised failure while extracting is the source's (its payload broke the adapter);
    after extraction it is ours (normalise and load write locally). What the error chain and
    the API say is redacted; our own wording around it is not (it holds no secret, and a
    low-entropy key such as the sandbox's would otherwise blank out words of the hint)."""
    chain = [replace(link, text=redact(link.text, connection)) for link in exception_chain(error)]
    if connection is not None and connection.endpoint == SANDBOX and connection.base_url:
        settings = replace(settings, sandbox_url=connection.base_url)  # hint: start it
    fault = classify(chain, settings)
    step = error.step if isinstance(error, PipelineStepFailed) else None
    if fault is None:
        kind = SOURCE if step == "extract" else LOCAL if step else UNKNOWN
        where = f"load failed at {step}: " if step else ""
        fault = Fault(kind, where + innermost(chain))
    body = redact(_response_body(error), connection) if fault.blames_source else ""
    return Fault(fault.kind, one_line(fault.message + body))


def _response_body(error: BaseException) -> str:
    """What the API said, when it answered with an error status (the first 300 characters)."""
    current: BaseException | None = error
    for _ in range(20):
        if current is None:
            break
        response = getattr(current, "response", None)
        if response is not None and getattr(response, "status_code", 200) >= 400:
            return f" — response: {response.text[:300]}"
        inner = getattr(current, "exception", None)
        current = inner if isinstance(inner, BaseException) else current.__cause__
    return ""
