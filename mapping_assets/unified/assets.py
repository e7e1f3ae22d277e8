"""Unified accounts and contacts per tenant, built after the canonical tables: Splink links the
same company or person across the tenant's sources; the crosswalk names each source record's
unified id and the golden records carry the surviving value of every field."""

from dagster import (
    AssetExecutionContext,
    AssetKey,
    AssetSpec,
    MaterializeResult,
    MetadataValue,
    asset,
    multi_asset,
)

from autonomos_pipelines.asset_graph.automation import FOLLOWS_UPSTREAM
from autonomos_pipelines.asset_graph.keys import canonical_key, unified_key
from autonomos_pipelines.asset_graph.partitions import tenant_of, tenants_partitions
from autonomos_pipelines.asset_graph.queues import DEFAULT_QUEUE, queue_tag
from autonomos_pipelines.canonical.unification import table_names
from autonomos_pipelines.canonical.unified_sql import linked_select
from autonomos_pipelines.canonical.unify_tenant import unify_tenant
from autonomos_pipelines.core.naming import quote_ident
from autonomos_pipelines.dcl.model.canonical_model import canonical_model
from mapping_assets.step_tracing import traced_step
from mapping_assets.step_worker import worker_metadata
from mapping_assets.unified.metadata import unified_metadata
from quality_checks.unified import unified_check_results, unified_check_specs
from resources import RegistryResource, WarehouseResource

GROUP = "unified"


def unified_asset(entity: str, unified: list[str]):
    golden, crosswalk = unified_key(entity), unified_key(f"{entity}_crosswalk")
    # contacts are linked after accounts: where a person works is evidence (the account's
    # unified id from its crosswalk, its domain from the golden record)
    after = (
        [unified_key("account_crosswalk"), unified_key("account")]
        if entity != "account" and "account" in unified
        else []
    )

    @multi_asset(
        name=f"unified_{entity}",
        specs=[
            AssetSpec(
                crosswalk, deps=[canonical_key(entity), *after], group_name=GROUP, kinds={"sql"},
                automation_condition=FOLLOWS_UPSTREAM,
                metadata={"dagster/table_name": f"unified.{entity}_crosswalk"},
                description=f"Every canonical `{entity}` row (connector, record id) with the "
                "unified id of the entity it belongs to and its match probability. Ids are "
                "stable: a re-run, a new record or a new connector never renumbers them.",
            ),
            AssetSpec(
                golden, deps=[crosswalk], group_name=GROUP, kinds={"sql"},
                automation_condition=FOLLOWS_UPSTREAM,
                metadata={"dagster/table_name": f"unified.{entity}"},
                description=f"Golden `{entity}` records: one row per unified id, each field "
                "from the member its survivorship rule prefers (default: the most recent member "
                "that has it; ties: the tenant's source priority). `autonomos unify settings` "
                "sets the rules and thresholds per tenant.",
            ),
        ],
        partitions_def=tenants_partitions,
        op_tags=queue_tag(DEFAULT_QUEUE),
        check_specs=unified_check_specs(golden),
    )  # fmt: skip
    @traced_step
    def _unify(
        context: AssetExecutionContext, warehouse: WarehouseResource, registry: RegistryResource
    ):
        tenant_id = tenant_of(context)
        done = unify_tenant(warehouse.get(), registry.workflow(), tenant_id, entity)
        unified = done.unified
        metadata = {
            **unified_metadata(unified, done.thresholds),
            "reviewer_verdicts": done.verdicts,
        }
        yield MaterializeResult(
            asset_key=crosswalk,
            metadata={"dagster/row_count": unified.records, **metadata, **worker_metadata()},
        )
        yield MaterializeResult(
            asset_key=golden,
            metadata={"dagster/row_count": unified.entities, **metadata, **worker_metadata()},
        )
        yield from unified_check_results(golden, unified, tenant_id)

    return _unify


def linked_asset(built: list[str], unified: list[str]):
    """Canonical tables that reference an account or contact, with their unified ids."""
    model = canonical_model()
    linked = [e for e in built if e not in unified]
    deps: list[AssetKey] = [canonical_key(e) for e in linked]
    deps += [unified_key(f"{e}_crosswalk") for e in unified]

    @asset(
        key=unified_key("linked"), deps=deps, partitions_def=tenants_partitions,
        group_name=GROUP, kinds={"sql"}, op_tags=queue_tag(DEFAULT_QUEUE),
        automation_condition=FOLLOWS_UPSTREAM,
        description="`unified.<entity>` for every canonical table that references an account "
        "or a contact (opportunity, invoice, payment, subscription, ticket, contact): the "
        "canonical rows plus `unified_account_id` / `unified_<reference>` from the crosswalks, "
        "so revenue and tickets add up per unified customer.",
    )  # fmt: skip
    @traced_step
    def _linked(context: AssetExecutionContext, warehouse: WarehouseResource) -> MaterializeResult:
        tenant_id, store = tenant_of(context), warehouse.get()
        canonical, target = store.canonical_schema(tenant_id), store.unified_schema(tenant_id)
        rows: dict[str, int] = {}
        with store.session(tenant_id) as session:
            present = session.columns(target)
            crosswalks = {
                e: f"{quote_ident(target)}.{quote_ident(table_names(e)['crosswalk'])}"
                for e in unified
                if table_names(e)["crosswalk"] in present
            }
            tables = session.columns(canonical)
            for entity in [*linked, *[e for e in unified if e == "contact"]]:
                if entity not in tables:
                    continue
                table = f"{quote_ident(canonical)}.{quote_ident(entity)}"
                select = linked_select(model[entity], table, crosswalks, session.dialect)
                if select is not None:
                    name = entity if entity not in unified else f"{entity}_linked"
                    rows[name] = session.replace_table(target, name, select)
        return MaterializeResult(
            metadata={
                "tables": MetadataValue.md(
                    "| table | rows |\n|---|---|\n"
                    + "\n".join(f"| unified.{t} | {n} |" for t, n in rows.items())
                ),
                **worker_metadata(),
            }
        )

    return _linked
