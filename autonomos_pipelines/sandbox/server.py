"""The sandbox HTTP server: routes /stripe/... and /hubspot/... to the API fakes on 127.0.0.1."""

from __future__ import annotations

import json
import threading
from collections import Counter
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qsl, urlsplit

from autonomos_pipelines.sandbox.apis import HubSpotApi, StripeApi


class SandboxServer:
    """Serves every sandboxed API; counts requests per path so tests can check paging."""

    def __init__(self, host: str = "127.0.0.1", port: int = 0) -> None:
        self.apis: dict[str, StripeApi | HubSpotApi] = {
            "stripe": StripeApi(),
            "hubspot": HubSpotApi(),
        }
        self.request_counts: Counter[str] = Counter()
        self._lock = threading.Lock()
        self._httpd = ThreadingHTTPServer((host, port), self._handler_class())
        self._httpd.daemon_threads = True
        self._thread: threading.Thread | None = None

    @property
    def url(self) -> str:
        host, port = self._httpd.server_address[:2]
        return f"http://{host!s}:{port}"

    def _handler_class(self) -> type[BaseHTTPRequestHandler]:
        server = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:  # noqa: N802 (http.server's naming)
                parts = urlsplit(self.path)
                query = dict(parse_qsl(parts.query, keep_blank_values=True))
                api_name, _, rest = parts.path.lstrip("/").partition("/")
                with server._lock:
                    server.request_counts[parts.path] += 1
                if api_name == "_sandbox":
                    self._send(200, {"requests": dict(server.request_counts)})
                    return
                api = server.apis.get(api_name)
                if api is None:
                    self._send(404, {"error": f"no sandbox API at /{api_name}"})
                    return
                headers = {key.lower(): value for key, value in self.headers.items()}
                status, body = api.handle(rest, query, headers)
                self._send(status, body)

            def _send(self, status: int, body: dict) -> None:
                payload = json.dumps(body).encode()
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(payload)))
                self.end_headers()
                self.wfile.write(payload)

            def log_message(self, format: str, *args: object) -> None:
                return  # request logging would drown the demo output

        return Handler

    def start(self) -> SandboxServer:
        self._thread = threading.Thread(target=self._httpd.serve_forever, daemon=True)
        self._thread.start()
        return self

    def serve_forever(self) -> None:
        self._httpd.serve_forever()

    def stop(self) -> None:
        self._httpd.shutdown()
        self._httpd.server_close()
