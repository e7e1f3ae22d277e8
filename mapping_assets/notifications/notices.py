"""What each notified event says: what happened, what to do, where to look in the UI.

Checks are notified by name (``CHECK_KINDS``, and any check whose name starts with
``freshness``); every other check shows in the UI only.
"""

from __future__ import annotations

from dagster import AssetCheckEvaluation, AssetKey, DagsterRun

from autonomos_pipelines.aam.drift.store import DriftEvent
from autonomos_pipelines.core.errors import InvalidName
from autonomos_pipelines.core.notify.message import Notice, ui_link
from autonomos_pipelines.core.tenant_id import TenantId
from quality_checks.connector_health import CHECK_NAME as CONNECTOR_HEALTH

REVIEW_GATE = "mapping_review_gate"
CHECK_KINDS = {REVIEW_GATE: "review_gate", CONNECTOR_HEALTH: "connector_degraded"}
FRESHNESS_PREFIX = "freshness"
DRIFT_NEEDS_A_PERSON = ("needs_review", "failed")


def check_kind(check_name: str) -> str | None:
    if check_name.startswith(FRESHNESS_PREFIX):
        return "freshness_failed"
    return CHECK_KINDS.get(check_name)


def check_subject(key: AssetKey, check_name: str) -> str:
    """One connector's tables share a subject: a degraded connector is one message."""
    if check_name == CONNECTOR_HEALTH and len(key.path) > 1:
        return f"connector:{key.path[1]}"
    return f"check:{key.to_user_string()}:{check_name}"


def check_notice(
    evaluation: AssetCheckEvaluation, tenant_id: TenantId, storage_id: int, ui_url: str
) -> Notice:
    key, name = evaluation.asset_key, evaluation.check_name
    kind = check_kind(name) or ""
    subject = check_subject(key, name)
    described = evaluation.description or f"check {name} failed"
    title, action = {
        "review_gate": (
            "Canonical tables are held: mappings await a reviewer",
            _text(evaluation, "how_to_review")
            or f"`autonomos review list --tenant {tenant_id}`, then "
            "`autonomos review approve ID` or `autonomos review reject ID`",
        ),
        "connector_degraded": (
            f"Connector {key.path[1] if len(key.path) > 1 else key.to_user_string()} is "
            "degraded: its loads are skipped",
            f"`autonomos connectors list --tenant {tenant_id}` shows the reason; the next "
            "load after the source recovers clears it",
        ),
        "freshness_failed": (
            f"{key.to_user_string()} is older than the tenant's cadence allows",
            f"refresh now with `autonomos materialize {tenant_id}`, and look for failed or "
            "missing runs of this tenant in the UI",
        ),
    }[kind]
    return Notice(
        tenant_id=tenant_id,
        kind=kind,
        subject=subject,
        event_key=f"{subject}:{storage_id}",
        title=title,
        detail=f"`{key.to_user_string()}` · check `{name}`: {described}",
        action=action,
        link=ui_link(ui_url, ["assets", *key.path], view="checks"),
    )


def _text(evaluation: AssetCheckEvaluation, name: str) -> str:
    value = evaluation.metadata.get(name)
    return str(getattr(value, "value", "") or "") if value is not None else ""


def drift_notice(event: DriftEvent, ui_url: str) -> Notice:
    changes = ", ".join(
        f"{c.get('kind')} `{c.get('column')}`"
        + (f" → `{c['renamed_to']}`" if c.get("renamed_to") else "")
        for c in event.changes[:10]
    )
    state = "its repair failed" if event.status == "failed" else "a repair awaits review"
    return Notice(
        tenant_id=event.tenant_id,
        kind="drift_review",
        subject=f"drift:{event.id}",
        event_key=f"drift:{event.id}",
        title=f"Schema drift on {event.connector}.{event.source_table}: {state}",
        detail=f"drift event {event.id}: {changes}" + (" …" if len(event.changes) > 10 else ""),
        action=f"`autonomos drift show {event.id}`, then `autonomos review list --tenant "
        f"{event.tenant_id}` to approve or reject the repair",
        link=ui_link(
            ui_url,
            ["assets", "raw", event.connector, event.source_table],
            view="partitions",
            partition=event.tenant_id,
        ),
    )


def run_tenant(run: DagsterRun) -> TenantId | None:
    """The tenant a run worked for: its ``tenant`` tag, or its partition."""
    return as_tenant(run.tags.get("tenant") or run.tags.get("dagster/partition"))


def as_tenant(value: str | None) -> TenantId | None:
    """None for what is not a tenant id (a run or partition of something else)."""
    try:
        return TenantId(value) if value else None
    except InvalidName:
        return None


def run_notice(run: DagsterRun, tenant_id: TenantId, errors: list[str], ui_url: str) -> Notice:
    return Notice(
        tenant_id=tenant_id,
        kind="run_failed",
        subject=f"run:{run.run_id}",
        event_key=f"run:{run.run_id}",
        title=f"Run {run.run_id[:8]} of job {run.job_name} failed",
        detail="\n".join(errors[:5]) or "the run failed (see its log)",
        action="open the run to see the failing step; once fixed, run it again with "
        f"`autonomos materialize {tenant_id}`",
        link=ui_link(ui_url, ["runs", run.run_id]),
    )
