"""Paginators the generic REST engine adds to dlt's own (config-selectable from a spec)."""

from __future__ import annotations

from typing import Any

from dlt.common import jsonpath
from dlt.sources.helpers.rest_client.paginators import JSONResponseCursorPaginator
from requests import Response

from autonomos_pipelines.aam.specs.spec_model import CursorUntilPaginator


class StopFlagCursorPaginator(JSONResponseCursorPaginator):
    """Follows a body cursor until a stop flag is true (Zendesk's incremental export keeps
    returning a cursor at the end of the stream, so the cursor alone never ends)."""

    def __init__(self, cursor_path: str, cursor_param: str, stop_path: str) -> None:
        super().__init__(cursor_path=cursor_path, cursor_param=cursor_param)
        self.stop_path = jsonpath.compile_path(stop_path)

    def update_state(self, response: Response, data: list[Any] | None = None) -> None:
        super().update_state(response, data)
        flags = jsonpath.find_values(self.stop_path, response.json())
        if flags and flags[0] is True:
            self._has_next_page = False


def paginator_config(paginator: Any) -> Any:
    """A spec paginator -> what dlt rest_api accepts (a config dict or a paginator instance)."""
    if isinstance(paginator, CursorUntilPaginator):
        return StopFlagCursorPaginator(
            paginator.cursor_path, paginator.cursor_param, paginator.stop_path
        )
    config = paginator.model_dump(exclude_none=True, exclude={"comment"})
    if config.get("offset_body_path"):  # dlt takes the offset from the body or the query
        config.pop("offset_param", None)
        config.pop("limit_param", None)
    return config
