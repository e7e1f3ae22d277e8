"""A tenant's connection to one connector, resolved at run time (endpoint, secrets, files)."""

from __future__ import annotations

import os
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from autonomos_pipelines.aam.specs.spec_model import (
    AnySpec,
    AwsCostSpec,
    FileSpec,
    GenericRestSpec,
    MongoSpec,
    OAuthSandbox,
    ODataSpec,
    SalesforceSpec,
    SqlSpec,
)
from autonomos_pipelines.core.errors import ConfigError
from autonomos_pipelines.core.settings import Settings
from autonomos_pipelines.core.vault.store import SecretStore

SANDBOX = "sandbox"


class Secret:
    """A credential value that never shows itself in repr, str, logs or metadata."""

    __slots__ = ("_value",)

    def __init__(self, value: str) -> None:
        self._value = value

    def reveal(self) -> str:
        return self._value

    def __repr__(self) -> str:
        return "Secret('***')"

    __str__ = __repr__


@dataclass(frozen=True)
class Connection:
    tenant_id: str
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

    def rotate_secret(self, key: str, value: str) -> None:
        """The provider issued a new value (e.g. a rotated refresh token): use it from now on
        and keep it, so the next run does not present the retired one."""
        self.secrets[key] = Secret(value)
        if self.persist_secret:
            self.persist_secret(key, value)

    def redact(self, text: str) -> str:
        """Remove every secret value of this connection from a message (e.g. a key in a URL)."""
        for secret in self.secrets.values():
            if secret.reveal():
                text = text.replace(secret.reveal(), "***")
        return text

    def secret(self, key: str) -> str:
        if key not in self.secrets:
            raise ConfigError(
                f"{self.connector}: secret {key!r} for tenant {self.tenant_id!r} is not set; "
                f"store it with `autonomos secrets set {self.tenant_id} {self.connector} {key}` "
                f"(or set {secret_env_var(self.tenant_id, self.connector, key)})"
            )
        return self.secrets[key].reveal()


def secret_env_var(tenant_id: str, connector: str, key: str) -> str:
    return "AUTONOMOS_SECRET_" + "_".join(
        re.sub(r"[^A-Z0-9]", "_", part.upper()) for part in (tenant_id, connector, key)
    )


def _env_secrets(tenant_id: str, connector: str, keys: set[str]) -> dict[str, Secret]:
    found = {}
    for key in keys:
        value = os.environ.get(secret_env_var(tenant_id, connector, key))
        if value:
            found[key] = Secret(value)
    return found


def secret_keys(spec: AnySpec) -> set[str]:
    """Every secret name a spec refers to."""
    keys: set[str] = set()

    def walk(node: Any) -> None:
        if isinstance(node, dict):
            if set(node) == {"secret"}:
                keys.add(node["secret"])
            for value in node.values():
                walk(value)
        elif isinstance(node, list):
            for value in node:
                walk(value)

    walk(spec.model_dump(exclude={"sandbox"}, exclude_none=True))
    return keys


HTTP_SANDBOXED = GenericRestSpec | SalesforceSpec | ODataSpec | AwsCostSpec


def _sandbox_endpoint(spec: AnySpec, settings: Settings) -> dict[str, Any]:
    """Where the sandbox serves this connector, and the public test credentials it takes."""
    if isinstance(spec, SqlSpec):
        if spec.sandbox is None:  # a test or real URL comes from the tenant's secrets
            return {"secrets": {}}
        from autonomos_pipelines.sandbox.databases import sandbox_database_url

        return {"secrets": {spec.credentials.secret: sandbox_database_url(spec, settings)}}
    if isinstance(spec, MongoSpec):
        if spec.sandbox is None:
            return {"secrets": {}}
        return {"secrets": {spec.connection_url.secret: f"mongomock://{spec.sandbox.dataset}"}}
    sandbox = None if isinstance(spec, FileSpec) else spec.sandbox
    if sandbox is None:
        raise ConfigError(f"{spec.name}: no sandbox is defined; set a real endpoint")
    found: dict[str, Any] = {
        "base_url": settings.sandbox_url + sandbox.path,
        "secrets": dict(sandbox.credentials),
    }
    if isinstance(sandbox, OAuthSandbox):
        found["token_url"] = settings.sandbox_url + sandbox.token_path
    return found


def resolve_connection(
    spec: AnySpec, tenant_id: str, options: dict[str, Any], settings: Settings
) -> Connection:
    """Turn a tenant's stored connector options into a run-time Connection."""
    endpoint = str(options.get("endpoint") or SANDBOX)
    store = SecretStore.for_settings(settings)
    stored = store.reveal_all(tenant_id, spec.name, "system:run")
    secrets = {
        **_env_secrets(tenant_id, spec.name, secret_keys(spec)),
        **{name: Secret(value) for name, value in stored.items()},
    }
    base_url = token_url = None
    if endpoint == SANDBOX and not isinstance(spec, FileSpec):
        sandbox = _sandbox_endpoint(spec, settings)
        secrets = {**{k: Secret(v) for k, v in sandbox["secrets"].items()}, **secrets}
        base_url, token_url = sandbox.get("base_url"), sandbox.get("token_url")
    elif isinstance(spec, HTTP_SANDBOXED):
        base_url = endpoint
    file_root = (
        Path(options["file_root"])
        if options.get("file_root")
        else (settings.files_dir / tenant_id / spec.name)
    )
    return Connection(
        tenant_id=tenant_id,
        connector=spec.name,
        endpoint=endpoint,
        base_url=base_url,
        token_url=token_url,
        file_root=file_root,
        secrets=secrets,
        persist_secret=_persist_stored(store, tenant_id, spec.name, set(stored)),
    )


def _persist_stored(
    store: SecretStore, tenant_id: str, connector: str, names: set[str]
) -> Callable[[str, str], None]:
    """Rotated values of secrets that came from the store go back to it (audited)."""

    def persist(key: str, value: str) -> None:
        if key in names:
            store.set(tenant_id, connector, key, value, "system:oauth-rotation")

    return persist
