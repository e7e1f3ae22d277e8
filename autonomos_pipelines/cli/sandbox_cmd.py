"""`autonomos sandbox ...`: the local sandbox APIs."""

from __future__ import annotations

import json
import urllib.error
import urllib.request
from typing import Any
from urllib.parse import urlsplit

import typer

from autonomos_pipelines.cli.common import friendly_errors
from autonomos_pipelines.cli.numbers import within
from autonomos_pipelines.core.errors import ConfigError
from autonomos_pipelines.core.limits import MAX_PORT
from autonomos_pipelines.core.settings import get_settings

app = typer.Typer(help="Local sandbox APIs of every REST connector, for demos and tests.")


def sandbox_is_up(url: str) -> bool:
    try:
        with urllib.request.urlopen(f"{url}/_sandbox/stats", timeout=1) as response:
            return "requests" in json.load(response)
    except (OSError, ValueError):
        return False


def start_sandbox_thread(url: str) -> Any:
    """Start the sandbox in this process unless one already answers at ``url`` (returns the
    server started, or None)."""
    from autonomos_pipelines.sandbox.server import SandboxServer

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
    from autonomos_pipelines.sandbox.server import SandboxServer

    port = within("--port", port, 0, MAX_PORT) or urlsplit(get_settings().sandbox_url).port or 8765
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


def _post(url: str, path: str, body: dict) -> dict:
    request = urllib.request.Request(
        f"{url}/_sandbox/{path}",
        data=json.dumps(body).encode(),
        headers={"Content-Type": "application/json"},
        method="POST",
    )
    try:
        with urllib.request.urlopen(request, timeout=5) as response:
            return json.load(response)
    except urllib.error.HTTPError as error:
        detail = json.load(error).get("error", error.reason)
        raise ConfigError(f"the sandbox refused the change: {detail}") from None
    except OSError as error:
        raise ConfigError(
            f"no sandbox answers at {url} ({error}); start one with `autonomos sandbox serve` "
            "or `autonomos ui`"
        ) from None


@app.command("mutate")
@friendly_errors
def mutate_cmd(
    api: str = typer.Argument(..., help="Sandbox API, e.g. pipedrive"),
    resource: str = typer.Argument(..., help="Resource (table) of that API, e.g. deals"),
    rename: str = typer.Option(None, help="OLD=NEW: rename a field in every record"),
    drop: str = typer.Option(None, help="FIELD: stop sending a field"),
    add: str = typer.Option(None, help="FIELD=VALUE: send a new field with this value"),
    retype: str = typer.Option(None, help="FIELD=TYPE: send a field as string|integer|..."),
) -> None:
    """Change the schema a running sandbox API sends (schema drift, for demos and tests)."""
    changes = [
        (op, value) for op, value in (("rename", rename), ("drop", drop), ("add", add),
                                     ("retype", retype)) if value
    ]  # fmt: skip
    if len(changes) != 1:
        raise ConfigError("give exactly one of --rename, --drop, --add, --retype")
    op, value = changes[0]
    field, _, argument = value.partition("=")
    if op != "drop" and not argument:
        raise ConfigError(f"--{op} needs FIELD={'NEW' if op == 'rename' else 'VALUE'}")
    body = {"api": api, "resource": resource, "op": op, "field": field}
    body |= {"rename": {"to": argument}, "add": {"value": argument}}.get(op, {})
    body |= {"type": argument} if op == "retype" else {}
    url = get_settings().sandbox_url
    touched = _post(url, "mutate", body)["touched"]
    typer.echo(f"{api}.{resource}: {op} {value} applied to {touched} records at {url}")
