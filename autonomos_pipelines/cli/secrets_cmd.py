"""`autonomos secrets ...`: tenant credentials, encrypted at rest, never on a command line."""

from __future__ import annotations

import getpass
import sys

import typer

from autonomos_pipelines.cli.common import ON_BEHALF_HELP, acting_user, friendly_errors
from autonomos_pipelines.core.errors import ConfigError

app = typer.Typer(help="Tenant secrets: encrypted at rest (AUTONOMOS_SECRET_KEY), audited.")


def _store():  # type: ignore[no-untyped-def]
    from autonomos_pipelines.core.settings import get_settings
    from autonomos_pipelines.core.vault.store import SecretStore
    from autonomos_pipelines.dcl.registry.bootstrap import open_registry

    settings = get_settings()
    return open_registry(settings), SecretStore.for_settings(settings)


def _check_target(registry, tenant: str, connector: str, name: str) -> None:  # type: ignore[no-untyped-def]
    from autonomos_pipelines.aam.connections.secrets import secret_keys
    from autonomos_pipelines.aam.specs.spec_loader import get_spec
    from autonomos_pipelines.core.naming import validate_connector_name

    validate_connector_name(connector)  # the tenant is validated by friendly_errors
    if connector not in registry.tenant_connectors(tenant):
        raise ConfigError(f"tenant {tenant!r} has no connector {connector!r} enabled")
    expected = secret_keys(get_spec(connector))
    if name not in expected:
        raise ConfigError(
            f"{connector} takes no secret {name!r}; its secrets: {', '.join(sorted(expected))}"
        )


def _read_value(name: str) -> str:
    if sys.stdin.isatty():
        return getpass.getpass(f"value of {name} (not echoed): ")
    return sys.stdin.read().rstrip("\r\n")


@app.command("set")
@friendly_errors
def set_secret(
    tenant: str = typer.Argument(..., help="Tenant id"),
    connector: str = typer.Argument(..., help="Connector the secret belongs to"),
    name: str = typer.Argument(..., help="Secret name the connector spec refers to"),
    user: str = typer.Option(None, help=ON_BEHALF_HELP),
) -> None:
    """Store a secret; the value comes from stdin or a prompt, never from an argument."""
    registry, store = _store()
    _check_target(registry, tenant, connector, name)
    store.set(tenant, connector, name, _read_value(name), acting_user(user))
    typer.echo(f"stored {tenant}/{connector}.{name} (encrypted)")


@app.command("list")
@friendly_errors
def list_secrets(tenant: str = typer.Option(None, help="Only this tenant")) -> None:
    """Stored secret names and when they changed; values are never shown."""
    _, store = _store()
    found = store.list(tenant)
    if not found:
        typer.echo("no stored secrets")
    for s in found:
        typer.echo(
            f"{s.tenant_id:12} {s.connector:18} {s.name:22} key {s.key_id}  "
            f"{s.updated_at:%Y-%m-%d %H:%M:%S}"
        )


@app.command("delete")
@friendly_errors
def delete_secret(
    tenant: str = typer.Argument(...),
    connector: str = typer.Argument(...),
    name: str = typer.Argument(...),
    user: str = typer.Option(None, help=ON_BEHALF_HELP),
) -> None:
    """Delete a stored secret."""
    _, store = _store()
    if not store.delete(tenant, connector, name, acting_user(user)):
        raise ConfigError(f"no stored secret {tenant}/{connector}.{name}")
    typer.echo(f"deleted {tenant}/{connector}.{name}")


@app.command("rotate-key")
@friendly_errors
def rotate_key(
    user: str = typer.Option(None, help=ON_BEHALF_HELP),
) -> None:
    """Re-encrypt every secret with the first key of AUTONOMOS_SECRET_KEY (list the old key
    after it until this has run, then remove it)."""
    _, store = _store()
    count = store.rotate(acting_user(user))
    typer.echo(f"re-encrypted {count} secret(s) with key {store.keyring.current}")


@app.command("generate-key")
def generate_key_cmd() -> None:
    """Print a new random key for AUTONOMOS_SECRET_KEY."""
    from autonomos_pipelines.core.vault.keyring import generate_key

    typer.echo(generate_key())
