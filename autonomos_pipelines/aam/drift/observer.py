"""One observation of one tenant's connector: sample the source, store changed schemas, and
return the drift events that came of it."""

from __future__ import annotations

from typing import Any

from autonomos_pipelines.aam.connections.connection import resolve_connection
from autonomos_pipelines.aam.drift.sample import sample_schemas
from autonomos_pipelines.aam.drift.store import DriftEvent, SchemaStore
from autonomos_pipelines.aam.http.session import http_runtime
from autonomos_pipelines.aam.specs.spec_model import AnySpec
from autonomos_pipelines.core.errors import SourceError
from autonomos_pipelines.core.quotas import tenant_calls_per_minute
from autonomos_pipelines.core.settings import Settings
from autonomos_pipelines.core.usage import UsageMeter

ORIGIN = "observer"


def observe(
    spec: AnySpec, tenant_id: str, options: dict[str, Any], settings: Settings, store: SchemaStore
) -> list[DriftEvent]:
    connection = resolve_connection(spec, tenant_id, options, settings)
    runtime = http_runtime(
        spec, tenant_id, settings.redis_url,
        tenant_calls_per_minute=tenant_calls_per_minute(settings, tenant_id),
    )  # fmt: skip
    try:
        tables = sample_schemas(spec, connection, runtime)
    except Exception as error:  # any sampling failure: one clear line, no secret in it
        cause = error.__cause__ or getattr(error, "exception", None) or error
        reason = connection.redact(f"{type(cause).__name__}: {cause}")
        raise SourceError(f"{spec.name}: could not sample: {reason}"[:400]) from None
    finally:  # the provider counts the observer's calls against the tenant like any others
        UsageMeter(store.engine).add(tenant_id, {"api_calls": runtime.stats.requests})
    return store.record(tenant_id, spec.name, tables, ORIGIN)
