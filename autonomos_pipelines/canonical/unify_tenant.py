"""One entity of one tenant unified as its settings and reviewers' verdicts say: what the
unified assets run, and what a test or a script runs without Dagster."""

from __future__ import annotations

from dataclasses import dataclass

from autonomos_pipelines.canonical.unification import Unified, unify_in_warehouse
from autonomos_pipelines.core.tenant_id import TenantId
from autonomos_pipelines.dcl.model.canonical_model import canonical_model
from autonomos_pipelines.dcl.registry.workflow import Workflow
from autonomos_pipelines.dcl.unify.decisions import UnifyDecisions
from autonomos_pipelines.dcl.unify.model import Thresholds
from autonomos_pipelines.dcl.unify.review_queue import ReviewQueue
from autonomos_pipelines.dcl.unify.settings import UnifySettings
from autonomos_pipelines.warehouse.store import Warehouse


@dataclass(frozen=True)
class TenantUnification:
    unified: Unified
    thresholds: Thresholds
    verdicts: int  # reviewers' verdicts the run obeyed


def unify_tenant(
    warehouse: Warehouse, workflow: Workflow, tenant_id: TenantId, entity: str
) -> TenantUnification:
    """Link the entity's canonical rows under the tenant's thresholds, survivorship rules and
    verdicts; replace its unified tables and its review queue."""
    thresholds, rules = UnifySettings(workflow).get(tenant_id, entity)
    decisions = UnifyDecisions(workflow).active(tenant_id, entity)
    with warehouse.session(tenant_id) as session:
        unified = unify_in_warehouse(
            session, canonical_model()[entity], tenant_id,
            warehouse.canonical_schema(tenant_id), warehouse.unified_schema(tenant_id),
            rules, thresholds, decisions,
        )  # fmt: skip
    ReviewQueue(workflow.engine).replace(tenant_id, entity, unified.pending)
    return TenantUnification(unified, thresholds, len(decisions))
