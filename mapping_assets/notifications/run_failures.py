"""Failed runs: one message per failed run of a tenant, whichever code location ran it."""

from __future__ import annotations

from dagster import DefaultSensorStatus, RunFailureSensorContext, run_failure_sensor
from dagster._utils.error import SerializableErrorInfo

from autonomos_pipelines.core.notify.webhook import redactor_for
from mapping_assets.notifications.common import OFF, record, send_due
from mapping_assets.notifications.notices import run_notice, run_tenant
from resources import NotificationsResource


@run_failure_sensor(
    name="notify_failed_runs",
    # runs launched in-process by the CLI have no code location: watch every run
    monitor_all_code_locations=True,
    minimum_interval_seconds=30,
    default_status=DefaultSensorStatus.RUNNING,
    description="Sends one message per failed tenant run to AUTONOMOS_WEBHOOK_URL (tenant, the "
    "failing steps' errors, what to do, a link to the run); each run is recorded in the "
    "registry's notifications table, so no run is announced twice.",
)
def notify_failed_runs(
    context: RunFailureSensorContext, notifications: NotificationsResource
) -> None:
    settings = notifications.settings()
    if settings.webhook_url is None:
        context.log.info(OFF)
        return
    run = context.dagster_run
    tenant_id = run_tenant(run)
    if tenant_id is None:
        context.log.info(f"run {run.run_id} has no tenant tag: no notification")
        return
    errors = [
        f"{event.step_key}: {_root_cause(event.step_failure_data.error)}"
        for event in context.get_step_failure_events()
        if event.step_failure_data and event.step_failure_data.error
    ] or [context.failure_event.message or ""]
    # an error message may quote the webhook it failed to reach; never pass that on
    errors = [redactor_for(settings.webhook_url).redact(line) for line in errors]
    outbox = notifications.outbox()
    record(outbox, run_notice(run, tenant_id, errors, settings.ui_url), context.log)
    send_due(outbox, settings.webhook_url, [tenant_id], context.log)


def _root_cause(error: SerializableErrorInfo) -> str:
    """The error the step raised, not Dagster's wrapper around it."""
    while error.cause is not None:
        error = error.cause
    return error.message.strip()
