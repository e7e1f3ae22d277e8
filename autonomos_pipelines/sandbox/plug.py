"""The sandbox plugged into the connector runtime: where each connector set to the ``sandbox``
endpoint finds its fake (the HTTP APIs at AUTONOMOS_SANDBOX_URL, an in-memory MongoDB, a
seeded database on the project's PostgreSQL, generated CSV exports) and the fake's public
test credentials. Dev entry points hand it to the runtime; the runtime never imports it."""

from __future__ import annotations

from pathlib import Path

from autonomos_pipelines.aam.connections.connection import SandboxEndpoint
from autonomos_pipelines.aam.specs.spec_model import (
    AnySpec,
    FileSpec,
    MongoSpec,
    OAuthSandbox,
    SqlSpec,
)
from autonomos_pipelines.core.errors import ConfigError
from autonomos_pipelines.core.settings import Settings

MONGO_SCHEME = "mongomock://"


class LocalSandbox:
    """A :class:`~autonomos_pipelines.aam.connections.connection.SandboxPlug`."""

    def __init__(self, settings: Settings) -> None:
        self.settings = settings

    def endpoint(self, spec: AnySpec, tenant_id: str) -> SandboxEndpoint:
        if isinstance(spec, SqlSpec):
            return self._database(spec)
        if isinstance(spec, MongoSpec):
            return self._mongo(spec)
        if isinstance(spec, FileSpec):
            return SandboxEndpoint(file_root=self.files(tenant_id, spec.name))
        sandbox = spec.sandbox
        if sandbox is None:
            raise ConfigError(f"{spec.name}: no sandbox is defined; set a real endpoint")
        return SandboxEndpoint(
            base_url=self.settings.sandbox_url + sandbox.path,
            token_url=(
                self.settings.sandbox_url + sandbox.token_path
                if isinstance(sandbox, OAuthSandbox)
                else None
            ),
            secrets=dict(sandbox.credentials),
        )

    def files(self, tenant_id: str, connector: str) -> Path:
        """The tenant's demo CSV exports, written on first use (never by onboarding)."""
        from autonomos_pipelines.sandbox.files import write_demo_files

        folder = self.settings.home / "sandbox" / "files" / tenant_id / connector
        if not folder.is_dir() or not any(folder.iterdir()):
            write_demo_files(folder)
        return folder

    def _database(self, spec: SqlSpec) -> SandboxEndpoint:
        if spec.sandbox is None:  # a test or real URL comes from the tenant's secrets
            return SandboxEndpoint()
        from autonomos_pipelines.sandbox.databases import sandbox_database_url

        return SandboxEndpoint(
            secrets={spec.credentials.secret: sandbox_database_url(spec, self.settings)}
        )

    def _mongo(self, spec: MongoSpec) -> SandboxEndpoint:
        if spec.sandbox is None:
            return SandboxEndpoint()
        return SandboxEndpoint(
            secrets={spec.connection_url.secret: MONGO_SCHEME + spec.sandbox.dataset},
            open_client=open_mongo,
        )


def open_mongo(url: str) -> object:
    """mongomock://<dataset>: the seeded in-memory MongoDB of that dataset."""
    from autonomos_pipelines.sandbox.mongo import sandbox_client

    if not url.startswith(MONGO_SCHEME):
        raise ConfigError(f"the MongoDB sandbox serves {MONGO_SCHEME}<dataset> URLs only")
    return sandbox_client(url.removeprefix(MONGO_SCHEME))
