"""The sandbox HTTP server: /<api>/... goes to that API's fake, /_sandbox/... to the controls.

Control endpoints (JSON bodies): GET stats, GET log; POST config {api, requests_per_second,
fail_next, fail_status, failure_rate, corrupt_after,
latency_s, pad_bytes}; POST mutate {api, resource, op, field,
...}; POST grow {api, resource, count}; POST reset {api?}.
"""

from __future__ import annotations

import json
import threading
from collections import Counter
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any
from urllib.parse import parse_qsl, urlsplit

from autonomos_pipelines.aam.specs.spec_loader import catalogue_dirs
from autonomos_pipelines.sandbox.apis.base import SandboxApi
from autonomos_pipelines.sandbox.apis.catalog import all_apis
from autonomos_pipelines.sandbox.apis.controls import ControlError, Controls, mutate
from autonomos_pipelines.sandbox.apis.fixture_api import fixture_apis
from autonomos_pipelines.sandbox.apis.http import Request, Response


class SandboxServer:
    """Serves every sandboxed API; counts requests per path so tests can check paging."""

    def __init__(
        self, host: str = "127.0.0.1", port: int = 0, specs_dir: Path | None = None
    ) -> None:
        self.apis: dict[str, SandboxApi] = {api.name: api for api in all_apis()}
        for folder in [specs_dir] if specs_dir else catalogue_dirs():
            for fixture in fixture_apis(folder, set(self.apis)):
                self.apis[fixture.name] = fixture
        self.controls = Controls()
        self.request_counts: Counter[str] = Counter()
        self._lock = threading.Lock()
        self._httpd = ThreadingHTTPServer((host, port), _handler_class(self))
        self._httpd.daemon_threads = True
        self._thread: threading.Thread | None = None

    @property
    def url(self) -> str:
        host, port = self._httpd.server_address[:2]
        return f"http://{host!s}:{port}"

    def dispatch(self, request: Request, api_name: str) -> Response:
        if api_name == "_sandbox":
            return self._control(request)
        api = self.apis.get(api_name)
        if api is None:
            return Response(404, {"error": f"no sandbox API at /{api_name}"})
        with self._lock:
            self.request_counts[f"/{api_name}/{request.path}"] += 1
        response = self.controls.intercept(api) or api.handle(request)
        if response.status == 200 and self.controls.corrupts(api_name):
            response = Response(200, json.dumps(response.body).encode()[:50])  # cut mid-JSON
        padding = self.controls.padding(api_name) if response.status == 200 else 0
        if padding and isinstance(response.body, dict):
            response.body = {**response.body, "_sandbox_padding": "x" * padding}
        self.controls.record(api_name, request.method, request.path, response.status)
        return response

    def _control(self, request: Request) -> Response:
        body = request.json() or {}
        try:
            if request.path == "stats":
                return Response(200, {"requests": dict(self.request_counts)})
            if request.path == "log":
                since = float(request.query.get("since", 0))
                return Response(200, [vars(item) for item in self.controls.log if item.at >= since])
            if request.method != "POST":
                return Response(405, {"error": "control changes need POST"})
            if request.path == "reset":
                for api in self._named(body.get("api"), optional=True):
                    api.reset()
                self.controls.reset()
                return Response(200, {"reset": True})
            api = self._named(body.get("api"))[0]
            if request.path == "config":
                settings = {k: v for k, v in body.items() if k != "api"}
                return Response(200, vars(self.controls.configure(api.name, settings)))
            if request.path == "mutate":
                return Response(200, {"touched": mutate(api, str(body.get("resource")), body)})
            if request.path == "grow":
                resource = str(body.get("resource"))
                if resource not in api.data:
                    raise ControlError(f"{api.name} has no resource {resource!r}")
                return Response(200, {"added": len(api.grow(resource, int(body.get("count", 1))))})
        except (ControlError, ValueError, TypeError) as error:
            return Response(400, {"error": str(error)})
        return Response(404, {"error": f"no control endpoint /_sandbox/{request.path}"})

    def _named(self, name: Any, optional: bool = False) -> list[SandboxApi]:
        if name is None and optional:
            return list(self.apis.values())
        if name not in self.apis:
            raise ControlError(f"unknown sandbox API {name!r}; known: {sorted(self.apis)}")
        return [self.apis[name]]

    def start(self) -> SandboxServer:
        self._thread = threading.Thread(target=self._httpd.serve_forever, daemon=True)
        self._thread.start()
        return self

    def serve_forever(self) -> None:
        self._httpd.serve_forever()

    def stop(self) -> None:
        self._httpd.shutdown()
        self._httpd.server_close()


def _handler_class(server: SandboxServer) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def do_GET(self) -> None:  # noqa: N802 (http.server's naming)
            self._serve("GET")

        def do_POST(self) -> None:  # noqa: N802
            self._serve("POST")

        def _serve(self, method: str) -> None:
            parts = urlsplit(self.path)
            api_name, _, rest = parts.path.lstrip("/").partition("/")
            length = int(self.headers.get("Content-Length") or 0)
            host = self.headers.get("Host") or "{}:{}".format(*server._httpd.server_address[:2])
            request = Request(
                method=method,
                path=rest,
                query=dict(parse_qsl(parts.query, keep_blank_values=True)),
                headers={key.lower(): value for key, value in self.headers.items()},
                body=self.rfile.read(length) if length else b"",
                base_url=f"http://{host}/{api_name}",
            )
            self._send(server.dispatch(request, api_name))

        def _send(self, response: Response) -> None:
            body = response.body
            payload = body if isinstance(body, bytes) else json.dumps(body).encode()
            self.send_response(response.status)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(payload)))
            for name, value in response.headers.items():
                self.send_header(name, value)
            self.end_headers()
            self.wfile.write(payload)

        def log_message(self, format: str, *args: object) -> None:
            return  # request logging would drown the demo output

    return Handler
