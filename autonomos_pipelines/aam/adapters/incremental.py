"""One dlt resource over a paged reader: merge on a cursor field that dlt keeps per tenant,
or replace when the source has no such field. Shared by the custom adapters."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

import dlt

Pages = Callable[[Any], Iterator[list[dict[str, Any]]]]


def cursor_resource(
    table: str, primary_key: str, cursor_field: str | None, initial_value: Any, pages: Pages
) -> Any:
    """``pages(last_value)`` yields record batches changed since ``last_value`` (None: all)."""
    if cursor_field:

        @dlt.resource(name=table, primary_key=primary_key, write_disposition="merge")
        def changed(
            cursor: dlt.sources.incremental[Any] = dlt.sources.incremental(
                cursor_field, initial_value=initial_value
            ),
        ) -> Iterator[list[dict[str, Any]]]:
            yield from pages(cursor.last_value)

        return changed

    @dlt.resource(name=table, primary_key=primary_key, write_disposition="replace")
    def everything() -> Iterator[list[dict[str, Any]]]:
        yield from pages(None)

    return everything
