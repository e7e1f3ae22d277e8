"""Review gates, degraded connectors, stale tables and drift that needs a person: read from
the instance's check evaluations and the registry's drift events, one message each."""

from __future__ import annotations

from dagster import (
    AssetCheckEvaluation,
    DagsterEventType,
    DefaultSensorStatus,
    EventRecordsFilter,
    SensorEvaluationContext,
    SensorResult,
    SkipReason,
    sensor,
)

from autonomos_pipelines.aam.drift.store import SchemaStore
from autonomos_pipelines.core.notify.outbox import Outbox
from autonomos_pipelines.core.tenant_id import TenantId
from mapping_assets.notifications.common import OFF, record, send_due
from mapping_assets.notifications.notices import (
    DRIFT_NEEDS_A_PERSON,
    as_tenant,
    check_kind,
    check_notice,
    check_subject,
    drift_notice,
    run_tenant,
)
from resources import NotificationsResource, RegistryResource

RUN_SHARDED = (
    "check notifications need an instance whose event log has one sequence across runs "
    "(PostgreSQL); this instance keeps one SQLite file per run: checks are not notified"
)
BATCH = 1000  # check evaluations read per tick; the cursor takes the rest next tick


@sensor(
    name="notify_pipeline_events",
    minimum_interval_seconds=30,
    default_status=DefaultSensorStatus.RUNNING,
    description="Sends one message to AUTONOMOS_WEBHOOK_URL per tenant and event: a review "
    "gate holding canonical tables, a connector degraded, a failed freshness check (until the "
    "check passes again), a drift event that needs a person. Also retries, with backoff, "
    "every message a receiver did not take (failed runs' too).",
)
def notify_pipeline_events(
    context: SensorEvaluationContext,
    notifications: NotificationsResource,
    registry: RegistryResource,
):
    settings = notifications.settings()
    if settings.webhook_url is None:
        return SkipReason(OFF)
    outbox = notifications.outbox()
    last_id = _read_checks(context, outbox, settings.ui_url)
    _read_drift(context, outbox, SchemaStore(notifications.postgres.engine()), settings.ui_url)
    report = send_due(outbox, settings.webhook_url, registry.get().tenants(), context.log)
    cursor = str(last_id)
    if not report.sent and not report.retrying and not report.given_up:
        return SensorResult(skip_reason=SkipReason("nothing to notify"), cursor=cursor)
    context.log.info(report.summary())
    return SensorResult(cursor=cursor)


def _read_checks(context: SensorEvaluationContext, outbox: Outbox, ui_url: str) -> int:
    """Record failing checks we notify on, resolve those that pass; the last id read."""
    cursor = context.cursor or ""
    last_id = int(cursor) if cursor.isdigit() else 0
    storage = context.instance.event_log_storage
    if storage.is_run_sharded:  # per-run SQLite files have no event id across runs
        context.log.warning(RUN_SHARDED)
        return last_id
    records = storage.get_event_records(
        EventRecordsFilter(DagsterEventType.ASSET_CHECK_EVALUATION, after_cursor=last_id),
        limit=BATCH,
        ascending=True,
    )
    for entry in records:
        last_id = entry.storage_id
        evaluation = _evaluation(entry.event_log_entry)
        if evaluation is None or check_kind(evaluation.check_name) is None:
            continue
        tenant_id = _tenant(context, evaluation, entry.event_log_entry.run_id)
        if tenant_id is None:
            continue
        if evaluation.passed:
            subject = check_subject(evaluation.asset_key, evaluation.check_name)
            outbox.resolve(tenant_id, subject)
        else:
            record(outbox, check_notice(evaluation, tenant_id, last_id, ui_url), context.log)
    return last_id


def _evaluation(entry) -> AssetCheckEvaluation | None:  # type: ignore[no-untyped-def]
    data = entry.dagster_event.event_specific_data if entry.dagster_event else None
    return data if isinstance(data, AssetCheckEvaluation) else None


def _tenant(context: SensorEvaluationContext, evaluation, run_id: str) -> TenantId | None:  # type: ignore[no-untyped-def]
    if evaluation.partition:
        return as_tenant(evaluation.partition)
    run = context.instance.get_run_by_id(run_id) if run_id else None
    return run_tenant(run) if run else None


def _read_drift(
    context: SensorEvaluationContext, outbox: Outbox, schemas: SchemaStore, ui_url: str
) -> None:
    """Drift events waiting for a person (few at any time: they leave this state once
    decided); the table already holds those announced."""
    for status in DRIFT_NEEDS_A_PERSON:
        for event in schemas.events(tenant_id=None, status=status):
            record(outbox, drift_notice(event, ui_url), context.log)
