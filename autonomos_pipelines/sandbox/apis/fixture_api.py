"""A sandbox for a new generic REST connector without code: the spec's own auth, paths,
envelope and paginator, serving sample records from connector_specs/sandbox_fixtures/.

`autonomos connectors scaffold` writes both files; the standard connector suite then runs the
new spec against this sandbox like any other. Emulated paginators: cursor, offset,
page_number, single_page (the others need a hand-written sandbox module).
"""

from __future__ import annotations

import copy
import json
from pathlib import Path
from typing import Any

from autonomos_pipelines.aam.specs.scaffold import FIXTURES_DIR_NAME
from autonomos_pipelines.aam.specs.spec_model import (
    ApiKeyAuth,
    BearerAuth,
    CursorPaginator,
    GenericRestSpec,
    OffsetPaginator,
    PageNumberPaginator,
    SinglePagePaginator,
)
from autonomos_pipelines.sandbox.apis.base import Records, SandboxApi
from autonomos_pipelines.sandbox.apis.http import Request, Response, basic, bearer, int_param

DEFAULT_PAGE = 50


def _set(body: dict[str, Any], path: str, value: Any) -> None:
    *parents, leaf = path.split(".")
    for part in parents:
        body = body.setdefault(part, {})
    body[leaf] = value


class FixtureApi(SandboxApi):
    def __init__(self, spec: GenericRestSpec, records: Records) -> None:
        self.spec, self.name, self._records = spec, spec.name, records
        super().__init__(0)

    def build(self, seed: int) -> Records:
        return copy.deepcopy(self._records)

    def error(self, status: int, message: str) -> Response:
        return Response(status, {"error": {"status": status, "message": message}})

    def handle(self, request: Request) -> Response:
        if not self._authorised(request):
            return self.error(401, "invalid or missing credentials")
        path = request.path.strip("/")
        for resource in self.spec.resources:
            if resource.endpoint.path.strip("/") == path:
                paginator = resource.endpoint.paginator or self.spec.client.paginator
                limit = next(
                    (v for v in resource.endpoint.params.values() if type(v) is int),
                    DEFAULT_PAGE,
                )
                return self._page(
                    resource.endpoint.data_selector,
                    paginator,
                    limit,
                    request,
                    self.data.get(resource.name, []),
                )
        return self.error(404, f"no resource at /{path}")

    def _authorised(self, request: Request) -> bool:
        credentials = self.spec.sandbox.credentials if self.spec.sandbox else {}
        auth = self.spec.client.auth
        if isinstance(auth, BearerAuth):
            return bearer(request.headers) == credentials.get(auth.token.secret)
        if isinstance(auth, ApiKeyAuth):
            given = (request.headers if auth.location == "header" else request.query).get(
                auth.name.lower() if auth.location == "header" else auth.name
            )
            return given == credentials.get(auth.api_key.secret)
        pair = (credentials.get(auth.username.secret), credentials.get(auth.password.secret))
        return basic(request.headers) == pair

    def _page(self, selector, paginator, limit, request, rows) -> Response:  # type: ignore[no-untyped-def]
        body: dict[str, Any] = {}
        if isinstance(paginator, SinglePagePaginator) or paginator is None:
            page = rows
        elif isinstance(paginator, CursorPaginator):
            start = int_param(request.query, paginator.cursor_param, 0) or 0
            page = rows[start : start + limit]
            more = start + limit < len(rows)
            _set(body, paginator.cursor_path, str(start + limit) if more else None)
            if paginator.has_more_path:
                _set(body, paginator.has_more_path, more)
        elif isinstance(paginator, OffsetPaginator):
            start = int_param(request.query, paginator.offset_param, 0) or 0
            size = int_param(request.query, paginator.limit_param, paginator.limit) or limit
            page = rows[start : start + size]
            if paginator.total_path:
                _set(body, paginator.total_path, len(rows))
        elif isinstance(paginator, PageNumberPaginator):
            number = int_param(request.query, paginator.page_param, paginator.base_page) or 0
            first = (number - paginator.base_page) * limit
            page = rows[first : first + limit]
            if paginator.total_path:
                _set(body, paginator.total_path, -(-len(rows) // limit))
        else:
            return self.error(501, f"the fixture sandbox does not emulate {paginator.type} paging")
        if not selector:
            return Response(200, page)
        _set(body, selector, page)
        return Response(200, body)


def fixture_apis(specs_dir: Path, taken: set[str]) -> list[FixtureApi]:
    """One FixtureApi per generic REST spec that has a fixture file and no hand-written API."""
    from autonomos_pipelines.aam.specs.spec_loader import load_specs

    found = []
    fixtures = specs_dir / FIXTURES_DIR_NAME
    for name, spec in load_specs(specs_dir).items():
        path = fixtures / f"{name}.json"
        if name in taken or not isinstance(spec, GenericRestSpec) or not path.is_file():
            continue
        found.append(FixtureApi(spec, json.loads(path.read_text(encoding="utf-8"))))
    return found
