"""A plain HTTP server for scrapes (`autonomos metrics serve`): GET /metrics, nothing else."""

from __future__ import annotations

import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

from prometheus_client import CollectorRegistry

from autonomos_pipelines.core.metrics.exposition import CONTENT_TYPE, render


def metrics_server(registry: CollectorRegistry, host: str, port: int) -> ThreadingHTTPServer:
    """Bound (port 0: any free port) but not yet serving; the caller runs serve_forever."""

    class Handler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:  # noqa: N802 - the http.server protocol
            if self.path.split("?", 1)[0] not in ("/metrics", "/"):
                self.send_error(404, "scrape /metrics")
                return
            body = render(registry)
            self.send_response(200)
            self.send_header("Content-Type", CONTENT_TYPE)
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, format: str, *args: object) -> None:  # noqa: A002
            return  # one line per scrape every 15 s is noise

    server = ThreadingHTTPServer((host, port), Handler)
    server.daemon_threads = True
    return server


def serve_in_background(server: ThreadingHTTPServer) -> threading.Thread:
    thread = threading.Thread(target=server.serve_forever, name="metrics-server", daemon=True)
    thread.start()
    return thread
