"""One observation of one tenant's connector: sample the source, store changed schemas, and
return the drift events that came of it."""

from __future__ import annotations

from autonomos_pipelines.aam.connections.connection import Connection
from autonomos_pipelines.aam.drift.sample import sample_schemas
from autonomos_pipelines.aam.drift.store import DriftEvent, SchemaStore
from autonomos_pipelines.aam.http.session import HttpRuntime
from autonomos_pipelines.aam.specs.spec_model import AnySpec
from autonomos_pipelines.core.errors import SourceError
from autonomos_pipelines.core.tracing import traced
from autonomos_pipelines.core.usage import UsageMeter

ORIGIN = "observer"


@traced(
    "drift.observe",
    attributes=lambda given: {
        "connector": given["spec"].name,
        "tenant": given["connection"].tenant_id,
    },
    result=lambda events: {"drift_events": len(events)},
)
def observe(
    spec: AnySpec,
    connection: Connection,
    http: HttpRuntime,
    store: SchemaStore,
    usage: UsageMeter,
) -> list[DriftEvent]:
    tenant_id = connection.tenant_id
    try:
        tables = sample_schemas(spec, connection, http)
    except Exception as error:  # any sampling failure: one clear line, no secret in it
        cause = error.__cause__ or getattr(error, "exception", None) or error
        reason = connection.redact(f"{type(cause).__name__}: {cause}")
        raise SourceError(f"{spec.name}: could not sample: {reason}"[:400]) from None
    finally:  # the provider counts the observer's calls against the tenant like any others
        usage.add(tenant_id, {"api_calls": http.stats.requests})
    return store.record(tenant_id, spec.name, tables, ORIGIN)
