"""Raw assets: one dlt multi-asset per connector spec, rebuilt per tenant at run time."""

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import dlt
from dagster import AssetExecutionContext, AssetsDefinition, Failure, MaterializeResult
from dagster_dlt import DagsterDltResource, DagsterDltTranslator, dlt_assets
from dagster_dlt.translator import DltResourceTranslatorData
from dlt.pipeline.exceptions import PipelineStepFailed

from autonomos_pipelines.aam.connection import Connection, Secret, resolve_connection, secret_keys
from autonomos_pipelines.aam.health import HealthStore
from autonomos_pipelines.aam.runtime import HttpRuntime, http_runtime
from autonomos_pipelines.aam.source_factory import build_source
from autonomos_pipelines.aam.spec_loader import AnySpec
from autonomos_pipelines.aam.spec_model import SqlSpec
from autonomos_pipelines.database import get_engine
from autonomos_pipelines.errors import AutonomosError
from mapping_assets.keys import raw_key
from mapping_assets.partitions import tenants_partitions
from resources import RegistryResource, WarehouseResource


class AutonomosDltTranslator(DagsterDltTranslator):
    """Readable keys raw/<connector>/<table>, one group per connector, no phantom upstreams."""

    def __init__(self, spec: AnySpec) -> None:
        self.spec = spec

    def get_asset_spec(self, data: DltResourceTranslatorData):
        default = super().get_asset_spec(data)
        table = data.resource.name
        return default.replace_attributes(
            key=raw_key(self.spec.name, table),
            group_name=f"raw_{self.spec.name}",
            deps=[],
            description=f"Raw `{table}` from {self.spec.name} ({self.spec.kind}), loaded by dlt "
            f"into the tenant's own dataset. {self.spec.description}",
            kinds={"dlt", self.spec.kind.replace("_", "")},
        )


def _definition_source(spec: AnySpec) -> Any:
    """The source used only to declare assets: no tenant, no secrets, no network."""
    placeholder = {key: Secret("resolved-at-run-time") for key in secret_keys(spec)}
    if isinstance(spec, SqlSpec):  # dlt parses the URL when the source is built
        placeholder[spec.credentials.secret] = Secret("postgresql://definition@localhost/none")
    connection = Connection(
        tenant_id="definition",
        connector=spec.name,
        endpoint="definition",
        file_root=Path("/nonexistent"),
        secrets=placeholder,
    )
    return build_source(spec, connection)


def _root_cause(error: BaseException) -> str:
    while True:
        inner = getattr(error, "exception", None) or error.__cause__
        if inner is None or inner is error:
            break
        error = inner
    response = getattr(error, "response", None)
    detail = f" — response: {response.text[:300]}" if response is not None else ""
    return f"{type(error).__name__}: {error}{detail}"


def _redact(text: str, connection: Connection | None) -> str:
    """Remove every secret value of the connection from a message (e.g. a key in a URL)."""
    for secret in connection.secrets.values() if connection else ():
        if secret.reveal():
            text = text.replace(secret.reveal(), "***")
    return text


def probe_succeeds(spec: AnySpec, connection: Connection, runtime: HttpRuntime) -> str | None:
    """Fetch one page of the first resource; returns None on success, else the reason."""
    try:
        source = build_source(spec, connection, runtime)
        first = next(iter(source.resources.values()))
        for _ in first.add_limit(1):
            break
    except Exception as error:  # any failure keeps the breaker open; the reason is shown
        return _redact(_root_cause(error), connection)
    return None


def _http_metadata(runtime: HttpRuntime) -> dict[str, Any]:
    stats = runtime.stats
    return {
        "http_requests": stats.requests,
        "http_retries": stats.retries,
        "http_429": stats.throttled,
        "http_5xx": stats.server_errors,
        "rate_limit_wait_s": round(stats.waited_seconds, 3),
    }


def _skip(context: AssetExecutionContext, status: str, detail: str) -> Iterator[Any]:
    """Degraded or disabled: record why on every selected asset, load nothing."""
    for key in context.selected_asset_keys:
        yield MaterializeResult(
            asset_key=key,
            metadata={"connector_status": status, "skipped_reason": detail, "rows_loaded": 0},
        )


def raw_assets_for(spec: AnySpec) -> AssetsDefinition:
    translator = AutonomosDltTranslator(spec)

    @dlt_assets(
        dlt_source=_definition_source(spec),
        dlt_pipeline=dlt.pipeline(pipeline_name=f"definition__{spec.name}", destination="duckdb"),
        name=f"raw_{spec.name}",
        dagster_dlt_translator=translator,
        partitions_def=tenants_partitions,
    )
    def _raw(
        context: AssetExecutionContext,
        dlt_resource: DagsterDltResource,
        registry: RegistryResource,
        warehouse: WarehouseResource,
    ) -> Iterator[Any]:
        tenant_id = context.partition_key
        options = registry.get().tenant_connectors(tenant_id)
        if spec.name not in options:
            context.log.warning(f"{spec.name} is not enabled for tenant {tenant_id}; skipped")
            yield from _skip(context, "disabled", "not enabled for this tenant")
            return
        settings = warehouse.settings()
        breaker = HealthStore(get_engine(settings))
        runtime = http_runtime(spec, tenant_id, settings.redis_url)
        connection: Connection | None = None
        try:
            connection = resolve_connection(spec, tenant_id, options[spec.name], settings)
            if breaker.get(tenant_id, spec.name).degraded:
                reason = probe_succeeds(spec, connection, runtime)
                if reason:
                    context.log.warning(f"{spec.name} is degraded; probe failed: {reason}")
                    yield from _skip(context, "degraded", f"probe failed: {reason}")
                    return
                context.log.info(f"{spec.name}: probe succeeded, loading again")
            events = list(_load(context, dlt_resource, translator, spec, connection, runtime))
        except (AutonomosError, PipelineStepFailed) as error:
            reason = _failure_reason(error, connection)
            health = breaker.record_failure(tenant_id, spec.name, reason)
            state = f" (connector now {health.status} after {health.consecutive_failures} "
            raise Failure(
                description=f"{spec.name} for tenant {tenant_id}: {reason}{state}"
                "consecutive failures)",
                metadata={"connector_status": health.status, **_http_metadata(runtime)},
            ) from None
        breaker.record_success(tenant_id, spec.name)
        for event in events:
            yield MaterializeResult(
                asset_key=event.asset_key,
                metadata={
                    **(event.metadata or {}),
                    "connector_status": "healthy",
                    **_http_metadata(runtime),
                },
            )

    return _raw


def _load(context, dlt_resource, translator, spec, connection, runtime) -> Iterator[Any]:  # type: ignore[no-untyped-def]
    settings_store = context.resources.warehouse
    store = settings_store.get()
    pipeline = dlt.pipeline(
        pipeline_name=f"{connection.tenant_id}__{spec.name}",
        destination=store.dlt_destination(connection.tenant_id),
        dataset_name=store.raw_schema(connection.tenant_id, spec.name),
        pipelines_dir=str(settings_store.settings().dlt_pipelines_dir),
    )
    yield from dlt_resource.run(
        context=context,
        dlt_source=build_source(spec, connection, runtime),
        dlt_pipeline=pipeline,
        dagster_dlt_translator=translator,
    )


def _failure_reason(error: Exception, connection: Connection | None) -> str:
    if isinstance(error, PipelineStepFailed):
        return f"load failed at {error.step}: {_redact(_root_cause(error), connection)}"
    return _redact(str(error), connection)
