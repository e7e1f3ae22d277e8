"""A failed step's one-line summary, from Dagster's serialised error chain.

Our raw assets raise a Failure whose description is already the line to show. Any other
step fails with Dagster's wrapper ("Error occurred while executing op ...") around the real
error: the chain is unwrapped and the cause recognised (registry, warehouse, disk, API), or
else its innermost error is named. Tracebacks stay in the run's log."""

from __future__ import annotations

from typing import Any

from dagster import DagsterEvent

from autonomos_pipelines.core.faults import Link, classify, innermost
from autonomos_pipelines.core.settings import Settings


def failure_line(event: DagsterEvent, settings: Settings) -> str:
    data = event.step_failure_data
    if data.user_failure_data and data.user_failure_data.description:
        return data.user_failure_data.description
    if data.error is None:
        return "failed"
    chain = error_chain(data.error)
    fault = classify(chain, settings)
    return fault.message if fault else innermost(chain)


def failure_class(event: DagsterEvent, settings: Settings) -> str:
    """Whose fault it was, as core.faults names it (source, registry, warehouse, local,
    config), `quota` for a quota that stopped the step, else `unknown`."""
    data = event.step_failure_data
    metadata = data.user_failure_data.metadata if data.user_failure_data else {}
    if "fault" in metadata:
        return str(metadata["fault"].value)
    if "quota" in metadata:
        return "quota"
    fault = classify(error_chain(data.error), settings) if data.error is not None else None
    return fault.kind if fault else "unknown"


def error_chain(error: Any) -> list[Link]:
    """Dagster's SerializableErrorInfo, outermost first, following each error's cause, else
    its context."""
    links: list[Link] = []
    current = error
    while current is not None and len(links) < 20:
        links.append(_link(current))
        current = current.cause or current.context
    return links


def _link(error: Any) -> Link:
    """format_exception_only wrote "module.Class: text"; split the module off."""
    name = error.cls_name or ""
    head, _, text = error.message.partition(": ")
    qualified = head.strip()
    if not qualified.endswith(name) or " " in qualified:
        return Link(name, "", error.message.strip())
    module = qualified[: -len(name)].rstrip(".")
    return Link(name, module, text.strip())
