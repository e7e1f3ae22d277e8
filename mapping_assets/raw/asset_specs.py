"""How raw assets are declared: readable keys and groups, and the placeholder source that
lets dagster-dlt build asset specs at definition time (no tenant, no secrets, no network)."""

from pathlib import Path
from typing import Any

from dagster_dlt import DagsterDltTranslator
from dagster_dlt.translator import DltResourceTranslatorData

from autonomos_pipelines.aam.adapters.factory import build_source
from autonomos_pipelines.aam.connections.connection import Connection
from autonomos_pipelines.aam.connections.secrets import Secret, secret_keys
from autonomos_pipelines.aam.specs.spec_loader import AnySpec
from autonomos_pipelines.aam.specs.spec_model import SqlSpec
from autonomos_pipelines.asset_graph.keys import raw_key
from autonomos_pipelines.core.tenant_id import TenantId


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
