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
from autonomos_pipelines.aam.source_factory import build_source
from autonomos_pipelines.aam.spec_loader import AnySpec
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
            context.log.warning(
                f"{spec.name} is not enabled for tenant {tenant_id}; nothing loaded"
            )
            for key in context.selected_asset_keys:
                yield MaterializeResult(
                    asset_key=key, metadata={"connector_enabled": False, "rows_loaded": 0}
                )
            return
        settings = warehouse.settings()
        connection: Connection | None = None
        try:
            connection = resolve_connection(spec, tenant_id, options[spec.name], settings)
            source = build_source(spec, connection)
            store = warehouse.get()
            pipeline = dlt.pipeline(
                pipeline_name=f"{tenant_id}__{spec.name}",
                destination=store.dlt_destination(tenant_id),
                dataset_name=store.raw_schema(tenant_id, spec.name),
                pipelines_dir=str(settings.dlt_pipelines_dir),
            )
            yield from dlt_resource.run(
                context=context,
                dlt_source=source,
                dlt_pipeline=pipeline,
                dagster_dlt_translator=translator,
            )
        except AutonomosError as error:
            raise Failure(description=f"{spec.name} for tenant {tenant_id}: {error}") from None
        except PipelineStepFailed as error:
            cause = _redact(_root_cause(error), connection)
            raise Failure(
                description=f"{spec.name} for tenant {tenant_id}: load failed at "
                f"{error.step}: {cause}"
            ) from None

    return _raw
