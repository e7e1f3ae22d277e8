"""A tenant's connection to one connector, resolved at run time: endpoint, secrets, files.

A connector set to the ``sandbox`` endpoint (the demo's, the tests') gets its endpoint from a
:class:`SandboxPlug` that a dev entry point hands in; the runtime never imports the sandbox,
and without a plug such a connector fails with a line that says what to do.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Protocol

from autonomos_pipelines.aam.connections.secrets import (
    Secret,
    env_secrets,
    secret_env_var,
    secret_keys,
)
from autonomos_pipelines.aam.specs.file_rules import tenant_folder
from autonomos_pipelines.aam.specs.http_rules import check_http_url
from autonomos_pipelines.aam.specs.spec_model import (
    AnySpec,
    AwsCostSpec,
    FileSpec,
    GenericRestSpec,
    ODataSpec,
    SalesforceSpec,
)
from autonomos_pipelines.core.errors import ConfigError
from autonomos_pipelines.core.redaction import redact
from autonomos_pipelines.core.tenant_id import TenantId
from autonomos_pipelines.core.vault.store import SecretStore

SANDBOX = "sandbox"
HTTP_ENDPOINT = GenericRestSpec | SalesforceSpec | ODataSpec | AwsCostSpec


@dataclass(frozen=True)
class Connection:
    tenant_id: TenantId
    connector: str
    endpoint: str  # "sandbox" or the real base URL
    base_url: str | None = None
    token_url: str | None = None
    file_root: Path | None = None
    secrets: dict[str, Secret] = field(default_factory=dict, repr=False)
    # writes a secret the provider rotated back to where it came from (the tenant's store)
    persist_secret: Callable[[str, str], None] | None = field(
        default=None, repr=False, compare=False
    )
    # opens a database client for a URL the adapter would otherwise hand to its driver (the
    # sandbox's in-memory MongoDB); None: the driver's own client
    open_client: Callable[[str], Any] | None = field(default=None, repr=False, compare=False)

    def rotate_secret(self, key: str, value: str) -> None:
        """The provider issued a new value (e.g. a rotated refresh token): use it from now on
        and keep it, so the next run does not present the retired one."""
        self.secrets[key] = Secret(value)
        if self.persist_secret:
            self.persist_secret(key, value)

    def secret_values(self) -> list[str]:
        """Every secret value of this connection (to keep out of messages)."""
        return [secret.reveal() for secret in self.secrets.values()]

    def redact(self, text: str) -> str:
        """Remove every secret of this connection from a message: the values, any 6-character
        fragment of one, masked echoes like ``sk_test_****abcd`` (see core.redaction)."""
        return redact(text, self.secret_values())

    def secret(self, key: str) -> str:
        if key not in self.secrets:
            raise ConfigError(
                f"{self.connector}: secret {key!r} for tenant {self.tenant_id!r} is not set; "
                f"store it with `autonomos secrets set {self.tenant_id} {self.connector} {key}` "
                f"(or set {secret_env_var(self.tenant_id, self.connector, key)})"
            )
        return self.secrets[key].reveal()


@dataclass(frozen=True)
class SandboxEndpoint:
    """Where a fake of the connector's API or database answers, with its test credentials."""

    base_url: str | None = None
    token_url: str | None = None
    secrets: Mapping[str, str] = field(default_factory=dict, repr=False)
    file_root: Path | None = None
    open_client: Callable[[str], Any] | None = None


class SandboxPlug(Protocol):
    def endpoint(self, spec: AnySpec, tenant_id: TenantId) -> SandboxEndpoint: ...


def resolve_connection(  # noqa: PLR0913
    spec: AnySpec,
    tenant_id: TenantId,
    options: dict[str, Any],
    secrets: SecretStore,
    files_dir: Path,
    sandbox: SandboxPlug | None = None,
) -> Connection:
    """Turn a tenant's stored connector options into a run-time Connection. Secrets: the
    tenant's stored ones first, then AUTONOMOS_SECRET_* variables, then a sandbox's."""
    endpoint = str(options.get("endpoint") or SANDBOX)
    stored = secrets.reveal_all(tenant_id, spec.name, "system:run")
    found = {
        **env_secrets(tenant_id, spec.name, secret_keys(spec)),
        **{name: Secret(value) for name, value in stored.items()},
    }
    plugged = SandboxEndpoint()
    if endpoint == SANDBOX:
        plugged = _sandbox(spec, tenant_id, sandbox)
        found = {**{k: Secret(v) for k, v in plugged.secrets.items()}, **found}
    file_root = _file_root(spec, tenant_id, options, files_dir) or plugged.file_root
    return Connection(
        tenant_id=tenant_id,
        connector=spec.name,
        endpoint=endpoint,
        base_url=plugged.base_url if endpoint == SANDBOX else _http_base(spec, endpoint),
        token_url=plugged.token_url,
        file_root=file_root or files_dir / tenant_id / spec.name,
        secrets=found,
        persist_secret=_persist_stored(secrets, tenant_id, spec.name, set(stored)),
        open_client=plugged.open_client,
    )


def _http_base(spec: AnySpec, endpoint: str) -> str | None:
    if not isinstance(spec, HTTP_ENDPOINT):
        return None
    try:  # checked again: the registry may hold an endpoint stored before the rule existed
        return check_http_url(endpoint)
    except ValueError as error:
        raise ConfigError(f"{spec.name}: endpoint {error}") from None


def _file_root(
    spec: AnySpec, tenant_id: TenantId, options: dict[str, Any], files_dir: Path
) -> Path | None:
    """The tenant's own folder for a file connector, never a path outside it."""
    if not options.get("file_root"):
        return None
    try:
        return tenant_folder(files_dir / tenant_id, str(options["file_root"]))
    except ValueError as error:
        raise ConfigError(f"{spec.name} of tenant {tenant_id!r}: folder {error}") from None


def _sandbox(spec: AnySpec, tenant_id: TenantId, sandbox: SandboxPlug | None) -> SandboxEndpoint:
    if sandbox is not None:
        return sandbox.endpoint(spec, tenant_id)
    where = "FOLDER" if isinstance(spec, FileSpec) else "URL"
    raise ConfigError(
        f"{spec.name} of tenant {tenant_id!r} is set to the sandbox endpoint, and no sandbox is "
        "plugged into this process (the sandbox is for the demo and tests: `autonomos demo`, "
        "`autonomos materialize`, `autonomos ui`); give it a real one with `autonomos tenants "
        f"add {tenant_id} --connectors {spec.name} --endpoint {spec.name}={where}`"
    )


def _persist_stored(
    store: SecretStore, tenant_id: TenantId, connector: str, names: set[str]
) -> Callable[[str, str], None]:
    """Rotated values of secrets that came from the store go back to it (audited)."""

    def persist(key: str, value: str) -> None:
        if key in names:
            store.set(tenant_id, connector, key, value, "system:oauth-rotation")

    return persist
