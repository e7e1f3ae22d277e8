"""Everything a connector load or observation needs in one deployment: where the tenant's
secrets, breaker state and schema history live, the rate-limit buckets, the tenant's API-call
quota, where dlt keeps each pipeline's state, and (in the demo and tests) the sandbox plug.

The Dagster layer builds it from the connectors resource, the CLI from the settings; AAM code
below it takes the pieces it needs as arguments.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cached_property
from pathlib import Path
from typing import Any

from sqlalchemy.engine import Engine

from autonomos_pipelines.aam.connections.connection import (
    Connection,
    SandboxPlug,
    resolve_connection,
)
from autonomos_pipelines.aam.drift.observer import observe
from autonomos_pipelines.aam.drift.store import DriftEvent, SchemaStore
from autonomos_pipelines.aam.health import HealthStore
from autonomos_pipelines.aam.http.session import HttpRuntime, http_runtime
from autonomos_pipelines.aam.specs.spec_model import AnySpec
from autonomos_pipelines.core.database import migrated_engine
from autonomos_pipelines.core.private_files import private_dir, restrict_umask
from autonomos_pipelines.core.quotas import Quotas
from autonomos_pipelines.core.settings import Settings
from autonomos_pipelines.core.tenant_id import TenantId
from autonomos_pipelines.core.usage import UsageMeter
from autonomos_pipelines.core.vault.keyring import Keyring
from autonomos_pipelines.core.vault.store import SecretStore


@dataclass(frozen=True)
class ConnectorRuntime:
    engine: Engine
    keyring: Keyring | None
    redis_url: str | None
    quotas: Quotas
    files_dir: Path
    pipelines_dir: Path
    max_response_bytes: int
    sandbox: SandboxPlug | None = None

    def __post_init__(self) -> None:
        # dlt writes traces, state and load packages (error texts, tenants' rows) with the
        # process umask: keep them, and the tenants' files, to this user
        restrict_umask()
        for folder in (self.pipelines_dir, self.files_dir):
            private_dir(folder)

    @classmethod
    def from_settings(
        cls, settings: Settings, sandbox: SandboxPlug | None = None
    ) -> ConnectorRuntime:
        """The runtime of a CLI command or a script, from the environment."""
        engine = migrated_engine(settings)
        return cls(
            engine=engine,
            keyring=Keyring.parse(settings.secret_key),
            redis_url=settings.redis_url,
            quotas=Quotas(engine, Quotas.defaults_of(settings)),
            files_dir=settings.files_dir,
            pipelines_dir=settings.dlt_pipelines_dir,
            max_response_bytes=settings.max_response_bytes,
            sandbox=sandbox,
        )

    @cached_property
    def health(self) -> HealthStore:
        return HealthStore(self.engine)

    @cached_property
    def schemas(self) -> SchemaStore:
        return SchemaStore(self.engine)

    @cached_property
    def secrets(self) -> SecretStore:
        return SecretStore(self.engine, self.keyring)

    @cached_property
    def usage(self) -> UsageMeter:
        return UsageMeter(self.engine)

    def connection(self, spec: AnySpec, tenant_id: TenantId, options: dict[str, Any]) -> Connection:
        return resolve_connection(
            spec, tenant_id, options, self.secrets, self.files_dir, self.sandbox
        )

    def http(self, spec: AnySpec, tenant_id: TenantId) -> HttpRuntime:
        """A guarded session on the connector's bucket and the tenant's shared one."""
        return http_runtime(
            spec,
            tenant_id,
            self.redis_url,
            tenant_calls_per_minute=self.quotas.limit(tenant_id, "api_calls_per_minute"),
            max_response_bytes=self.max_response_bytes,
        )

    def observe(
        self, spec: AnySpec, tenant_id: TenantId, options: dict[str, Any]
    ) -> list[DriftEvent]:
        """Sample the source now; changed schemas become drift events."""
        connection = self.connection(spec, tenant_id, options)
        return observe(spec, connection, self.http(spec, tenant_id), self.schemas, self.usage)
