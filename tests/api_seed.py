"""Rows for the API tests, written through the registry's own write paths: a pending
proposal per tenant (and one of the global baseline), a pending value-mapping proposal and a
drift event per tenant, connector health and usage. Import `seed` and call it on an ApiWorld."""

from __future__ import annotations

from dataclasses import dataclass

from autonomos_pipelines.aam.drift.fingerprint import TableSchema
from autonomos_pipelines.aam.drift.store import SchemaStore
from autonomos_pipelines.aam.health import HealthStore
from autonomos_pipelines.core.tenant_id import TenantId
from autonomos_pipelines.core.usage import UsageMeter
from autonomos_pipelines.dcl.registry.refs import FieldRef
from autonomos_pipelines.dcl.registry.value_refs import ValueRef
from autonomos_pipelines.dcl.registry.value_workflow import ValueWorkflow
from autonomos_pipelines.dcl.registry.value_writes import ValueProposal

TENANTS = ("acme", "globex")


def deals(*columns: str) -> TableSchema:
    return TableSchema("deals", {c: {"type": "text", "nullable": True} for c in columns})


@dataclass
class Seeded:
    proposals: dict[str, int]  # tenant -> a pending proposal's id
    baseline_proposal: int  # a pending proposal of the global baseline
    events: dict[str, int]  # tenant -> a drift event's id
    values: dict[str, int]  # tenant -> a pending value-mapping proposal's id


def seed(api) -> Seeded:  # type: ignore[no-untyped-def]
    found = api.client.app.state.services
    proposals, events, values = {}, {}, {}
    value_flow = ValueWorkflow(found.workflow)
    evidence = {"candidates": [{"target": "contact.email", "confidence": 0.72, "features": {}}]}
    for number, name in enumerate(TENANTS, start=1):
        tenant = TenantId(name)
        ref = FieldRef(tenant, "hubspot", "lead_forms", f"{name}_mail")
        proposals[name] = found.workflow.propose(
            ref, "contact.email", 0.72, "rag", "system:dcl", evidence=evidence
        )
        store = SchemaStore(found.engine)
        store.record(tenant, "hubspot", {"deals": deals("id", "amount")}, "observer")
        (event,) = store.record(tenant, "hubspot", {"deals": deals("id")}, "observer")
        events[name] = event.id
        health = HealthStore(found.engine)
        health.record_success(tenant, "hubspot")
        for _ in range(3):
            health.record_failure(tenant, "stripe", "HTTP 503 from the source")
        UsageMeter(found.engine).add(tenant, {"records_fetched": 100 * number, "api_calls": 7})
        # a payment method the baseline maps onto payment.payment_method: its value map
        method = FieldRef(tenant, "stripe", "charges", "payment_method_details__type")
        value = ValueProposal(ValueRef(method, "klarna"), "payment", "payment_method", "other",
                              0.7, "rag")  # fmt: skip
        values[name] = value_flow.propose_many([value], "system:dcl")[0]
    baseline = found.workflow.propose(
        FieldRef(None, "hubspot", "lead_forms", "shared_mail"), "contact.email", 0.7, "rag", "sys"
    )
    return Seeded(proposals, baseline, events, values)
