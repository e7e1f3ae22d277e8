"""What went wrong, in one line with what to do, and whose fault it was.

A failure reaches us wrapped: Dagster's step error around dlt's PipelineStepFailed around
dlt's DestinationConnectionError around duckdb's IOException, or SQLAlchemy's error around
psycopg's. The chain is read as (class, module, text) links, from a live exception or from
Dagster's serialised error, and the innermost link a rule recognises decides the fault. The
kind decides who is blamed: only SOURCE faults (the API's answers, or its silence) count
against a connector's circuit breaker; a broken registry, warehouse or disk does not.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass

from autonomos_pipelines.core.fault_rules import (
    CONFIG,
    LOCAL,
    REGISTRY,
    SOURCE,
    WAREHOUSE,
    Link,
    autonomos_error,
    disk_fault,
    duckdb_fault,
    http_status,
    http_unreachable,
    malformed_json,
    postgres_fault,
)
from autonomos_pipelines.core.settings import Settings

__all__ = ["CONFIG", "LOCAL", "REGISTRY", "SOURCE", "WAREHOUSE", "Fault", "Link", "classify"]


@dataclass(frozen=True)
class Fault:
    kind: str
    message: str  # one line: the cause, then what to do

    @property
    def blames_source(self) -> bool:
        return self.kind == SOURCE


Rule = Callable[[Link, Settings], tuple[str, str] | None]
RULES: tuple[Rule, ...] = (
    autonomos_error,
    duckdb_fault,
    disk_fault,
    postgres_fault,
    http_unreachable,
    http_status,
    malformed_json,
)


def exception_chain(error: BaseException) -> list[Link]:
    """Outermost first: dlt's ``exception`` attribute, then ``__cause__``/``__context__``."""
    links: list[Link] = []
    seen: set[int] = set()
    current: BaseException | None = error
    while current is not None and id(current) not in seen and len(links) < 20:
        seen.add(id(current))
        kind = type(current)
        links.append(Link(kind.__name__, kind.__module__, str(current)))
        inner = getattr(current, "exception", None)  # dlt keeps the step's error there
        if not isinstance(inner, BaseException):  # `raise ... from None` hides the context
            hidden = current.__suppress_context__
            inner = current.__cause__ or (None if hidden else current.__context__)
        current = inner
    return links


def classify(chain: Sequence[Link], settings: Settings) -> Fault | None:
    """The fault the innermost recognised link describes, or None if no rule knows it."""
    for link in reversed(chain):
        for rule in RULES:
            found = rule(link, settings)
            if found:
                return Fault(found[0], one_line(found[1]))
    return None


def innermost(chain: Sequence[Link]) -> str:
    """The deepest error as `Class: first line` (for faults no rule recognises)."""
    link = chain[-1]
    first = link.text.strip().splitlines()[0] if link.text.strip() else ""
    return one_line(f"{link.name}: {first}" if first else link.name)


def one_line(text: str, limit: int = 600) -> str:
    flat = " ".join(text.split())
    return flat if len(flat) <= limit else flat[: limit - 1] + "…"
