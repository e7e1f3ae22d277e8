"""The `observe` job: sample a shard of tenants' connectors, one step per batch, so whatever
workers exist share the sampling (the schema_observer sensor only plans these runs)."""

import time

from dagster import (
    Config,
    DynamicOut,
    DynamicOutput,
    ExecutorDefinition,
    MetadataValue,
    OpExecutionContext,
    Output,
    job,
    op,
)

from autonomos_pipelines.aam.specs.spec_loader import default_specs
from autonomos_pipelines.asset_graph.queues import INGEST_QUEUE, queue_tag
from autonomos_pipelines.core.tenant_id import TenantId
from mapping_assets.observe.events import drift_observation
from mapping_assets.observe.executor import observe_executor
from mapping_assets.step_worker import worker_metadata
from resources import ConnectorsResource, RegistryResource

OBSERVE_JOB = "observe"


class BatchConfig(Config):
    tenant: str
    connectors: list[str]


class ObserveConfig(Config):
    batches: list[BatchConfig]


@op(out=DynamicOut(dict), description="One step per batch of one tenant's connectors.")
def observe_batches(config: ObserveConfig):  # type: ignore[no-untyped-def]
    for index, batch in enumerate(config.batches):
        key = f"{index}_{batch.tenant}".replace("-", "_")[:100]
        yield DynamicOutput(batch.model_dump(), mapping_key=key)


@op(
    tags=queue_tag(INGEST_QUEUE),  # sampling is API calls, like a load: the ingest workers
    description="Samples each connector of the batch (first page, nothing loaded), records "
    "drift events and puts them on the raw assets' tenant partitions; a connector that "
    "cannot be sampled is reported and the others are still observed.",
)
def observe_batch(
    context: OpExecutionContext,
    batch: dict,
    registry: RegistryResource,
    connectors: ConnectorsResource,
) -> Output[dict]:
    tenant, names = TenantId(batch["tenant"]), list(batch["connectors"])
    started, cpu = time.monotonic(), time.process_time()
    runtime, specs = connectors.get(), default_specs()
    options = registry.get().tenant_connectors(tenant)
    failures, events = [], []
    for name in names:
        if name not in options or name not in specs:
            failures.append(f"{tenant}/{name}: no longer a connector of the tenant")
            continue
        try:
            found = runtime.observe(specs[name], tenant, options[name])
        except Exception as error:  # one failing source never stops the others
            failures.append(f"{tenant}/{name}: {error}"[:400])  # observe() redacts
            continue
        for event in found:
            context.log_event(drift_observation(event))
            context.log.info(f"drift event {event.id}: {tenant}/{name}.{event.source_table}")
        events += [event.id for event in found]
    for failure in failures:
        context.log.warning(f"observer could not sample {failure}")
    return _summary(tenant, len(names), failures, events, started, cpu)


def _summary(tenant, total, failures, events, started, cpu) -> Output[dict]:  # type: ignore[no-untyped-def]
    seconds, cpu_seconds = time.monotonic() - started, time.process_time() - cpu
    summary = {"observed": total - len(failures), "failed": len(failures), "events": events}
    return Output(
        summary,
        metadata={
            "tenant": tenant,
            "observed": summary["observed"],
            "failed": len(failures),
            "drift_events": len(events),
            "seconds": MetadataValue.float(round(seconds, 3)),
            "cpu_seconds": MetadataValue.float(round(cpu_seconds, 3)),
            **worker_metadata(),
            "failures": MetadataValue.md("\n".join(f"* {f}" for f in failures) or "none"),
        },
    )


@op(description="Totals of the run: connectors observed and failed, drift events.")
def observe_totals(summaries: list[dict]) -> Output[dict]:
    totals = {
        "observed": sum(s["observed"] for s in summaries),
        "failed": sum(s["failed"] for s in summaries),
        "drift_events": sum(len(s["events"]) for s in summaries),
    }
    return Output(totals, metadata=dict(totals))


def build_observe_job(executor: ExecutorDefinition | None = None):  # type: ignore[no-untyped-def]
    @job(
        name=OBSERVE_JOB,
        executor_def=executor or observe_executor(),
        description="Drift observation of a shard of tenants' connectors, planned by the "
        "schema_observer sensor: one step per batch (AUTONOMOS_OBSERVE_BATCH connectors of one "
        "tenant), so Celery workers share them. Tags: observe_shard, observe_tenants.",
        tags={"autonomos/kind": "observe"},
    )
    def observe() -> None:
        observe_totals(observe_batches().map(observe_batch).collect())

    return observe


observe_job = build_observe_job()
