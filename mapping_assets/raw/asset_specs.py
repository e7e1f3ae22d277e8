"""How raw assets are declared: readable keys, a group per source domain, a table name of
their own, and the placeholder source that lets dagster-dlt build asset specs at definition
time (no tenant, no secrets, no network)."""

import tempfile
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from dagster import AssetSpec
from dagster_dlt import DagsterDltTranslator, build_dlt_asset_specs
from dagster_dlt.constants import META_KEY_PIPELINE, META_KEY_SOURCE, META_KEY_TRANSLATOR
from dagster_dlt.translator import DltResourceTranslatorData
from dlt.common.normalizers.naming.snake_case import NamingConvention

from autonomos_pipelines.aam.adapters.factory import build_source
from autonomos_pipelines.aam.adapters.pipelines import new_pipeline
from autonomos_pipelines.aam.connections.connection import Connection
from autonomos_pipelines.aam.connections.secrets import Secret, secret_keys
from autonomos_pipelines.aam.specs.spec_loader import AnySpec
from autonomos_pipelines.aam.specs.spec_model import SqlSpec
from autonomos_pipelines.asset_graph.keys import raw_key
from autonomos_pipelines.core.tenant_id import TenantId

TABLE_NAME = "dagster/table_name"
# Python objects dagster-dlt keeps in each spec's metadata so that `DagsterDltResource.run`
# can find them; we pass them to run() ourselves, and the UI can only show them as
# "(unserializable)".
DLT_OBJECT_KEYS = (META_KEY_SOURCE, META_KEY_PIPELINE, META_KEY_TRANSLATOR)


def described_assets(spec: AnySpec, translator: DagsterDltTranslator) -> list[AssetSpec]:
    """A connector's raw asset specs as dagster-dlt describes them from its placeholder source
    (`definition_source`), without the Python objects it attaches (`without_dlt_objects`); a
    run loads through the tenant's own pipeline (raw/assets.py, `tenant_pipeline`). dlt
    writes a pipeline's state where it is created: in its shared default folder (~/.dlt,
    /var/dlt as root) every process loading the definitions at once (webserver, daemon, each
    run's worker, each test worker) wrote the same state files, and a load failed on one
    another process had just replaced (FileNotFoundError in dlt's `_save_state`). The
    pipeline lives in a folder of its own while the specs are built, and nothing is left
    behind, even by a killed process."""
    with tempfile.TemporaryDirectory(prefix="autonomos-definitions-") as folder:
        pipeline = new_pipeline(
            pipeline_name=f"definition__{spec.name}", destination="duckdb", pipelines_dir=folder
        )
        specs = build_dlt_asset_specs(
            dlt_source=definition_source(spec),
            dlt_pipeline=pipeline,
            dagster_dlt_translator=translator,
        )
        return without_dlt_objects(specs)


def raw_group(spec: AnySpec) -> str:
    """One group per source domain (raw_revops, raw_finops, …): five boxes in the asset graph
    instead of fifteen, each connector's tables side by side inside its domain."""
    return f"raw_{spec.domain}"


def raw_table_name(connector: str, table: str, schema: str | None = None) -> str:
    """`<schema>.<table>` as dlt names it. Without a tenant's ``schema``: `raw_<connector>`,
    the schema in every tenant's DuckDB file (a PostgreSQL warehouse prefixes it with
    `<tenant>__`). Unique per connector, so the UI never takes two connectors' `deals` for
    one table."""
    table = NamingConvention().normalize_table_identifier(table)
    return f"{schema or f'raw_{connector}'}.{table}"


class AutonomosDltTranslator(DagsterDltTranslator):
    """Readable keys raw/<connector>/<table>, a group per domain, no phantom upstreams."""

    def __init__(self, spec: AnySpec) -> None:
        self.spec = spec

    def get_asset_spec(self, data: DltResourceTranslatorData) -> AssetSpec:
        default = super().get_asset_spec(data)
        table = data.resource.name
        spec = self.spec
        return default.replace_attributes(
            key=raw_key(spec.name, table),
            group_name=raw_group(spec),
            deps=[],
            description=f"`{table}` from the {spec.name} connector ({spec.domain}, "
            f"{spec.kind}): dlt loads it into `{raw_table_name(spec.name, table)}` in each "
            f"tenant's own warehouse, one partition per tenant. {spec.description}",
            kinds={"dlt", spec.kind.replace("_", "")},
            metadata={
                **default.metadata,
                TABLE_NAME: raw_table_name(spec.name, table),
                "connector": spec.name,
                "source_system": spec.source_system,
            },
            tags={**default.tags, "connector": spec.name, "domain": spec.domain},
        )


def without_dlt_objects(specs: Sequence[AssetSpec]) -> list[AssetSpec]:
    """The specs without the Python objects dagster-dlt attached (see DLT_OBJECT_KEYS)."""
    return [
        spec.replace_attributes(
            metadata={k: v for k, v in spec.metadata.items() if k not in DLT_OBJECT_KEYS}
        )
        for spec in specs
    ]


def definition_source(spec: AnySpec) -> Any:
    """The source used only to declare assets: no tenant, no secrets, no network."""
    placeholder = {key: Secret("resolved-at-run-time") for key in secret_keys(spec)}
    if isinstance(spec, SqlSpec):  # dlt parses the URL when the source is built
        placeholder[spec.credentials.secret] = Secret("postgresql://definition@localhost/none")
    connection = Connection(
        tenant_id=TenantId("definition"),
        connector=spec.name,
        endpoint="definition",
        file_root=Path("/nonexistent"),
        secrets=placeholder,
    )
    return build_source(spec, connection)
