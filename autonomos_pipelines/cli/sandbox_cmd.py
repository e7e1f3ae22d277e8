"""`autonomos sandbox ...`: the local sandbox APIs."""

from __future__ import annotations

import json
import urllib.request
from urllib.parse import urlsplit

import typer

from autonomos_pipelines.cli.common import friendly_errors
from autonomos_pipelines.errors import ConfigError
from autonomos_pipelines.sandbox.server import SandboxServer
from autonomos_pipelines.settings import get_settings

app = typer.Typer(help="Local sandbox APIs of every REST connector, for demos and tests.")


def sandbox_is_up(url: str) -> bool:
    try:
        with urllib.request.urlopen(f"{url}/_sandbox/stats", timeout=1) as response:
            return "requests" in json.load(response)
    except (OSError, ValueError):
        return False


def start_sandbox_thread(url: str) -> SandboxServer | None:
    """Start the sandbox in this process unless one already answers at ``url``."""
    if sandbox_is_up(url):
        return None
    parts = urlsplit(url)
    if parts.hostname not in ("127.0.0.1", "localhost"):
        raise ConfigError(f"AUTONOMOS_SANDBOX_URL={url} is not local and does not answer")
    try:
        return SandboxServer(parts.hostname, parts.port or 80).start()
    except OSError as error:
        raise ConfigError(f"cannot start the sandbox on {url}: {error.strerror}") from None


@app.command("serve")
@friendly_errors
def serve(
    host: str = typer.Option("127.0.0.1", help="Interface to bind (loopback only by default)"),
    port: int = typer.Option(0, help="Port; 0 uses the port of AUTONOMOS_SANDBOX_URL"),
) -> None:
    """Serve every connector's sandbox API until interrupted (controls under /_sandbox/)."""
    port = port or urlsplit(get_settings().sandbox_url).port or 8765
    try:
        server = SandboxServer(host, port)
    except OSError as error:
        raise ConfigError(f"cannot listen on {host}:{port}: {error.strerror}") from None
    typer.echo(f"sandbox APIs on {server.url}: {', '.join(sorted(server.apis))}")
    typer.echo(
        f"controls: POST {server.url}/_sandbox/config|mutate|grow|reset, "
        f"GET {server.url}/_sandbox/stats|log"
    )
    try:
        server.serve_forever()
    except KeyboardInterrupt:
        server.stop()
