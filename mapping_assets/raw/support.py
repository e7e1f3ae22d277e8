"""Raw-asset support: probes, failure texts without secrets, HTTP and schema metadata."""

from collections.abc import Iterator
from typing import Any

from dagster import (
    AssetCheckResult,
    AssetCheckSeverity,
    AssetExecutionContext,
    MaterializeResult,
    MetadataValue,
)

from autonomos_pipelines.aam.adapters.factory import build_source
from autonomos_pipelines.aam.adapters.key_collisions import KeyCollisions
from autonomos_pipelines.aam.connections.connection import Connection
from autonomos_pipelines.aam.http.session import HttpRuntime
from autonomos_pipelines.aam.specs.spec_loader import AnySpec
from autonomos_pipelines.core.metrics.definitions import RECORDS_LOADED
from autonomos_pipelines.core.tenant_id import TenantId
from autonomos_pipelines.core.usage import UsageMeter
from quality_checks.connector_health import CHECK_NAME as HEALTH_CHECK
from quality_checks.connector_health import health_check_result


def root_cause(error: BaseException) -> str:
    while True:
        inner = getattr(error, "exception", None) or error.__cause__
        if inner is None or inner is error:
            break
        error = inner
    response = getattr(error, "response", None)
    detail = f" — response: {response.text[:300]}" if response is not None else ""
    return f"{type(error).__name__}: {error}{detail}"


def redact(text: str, connection: Connection | None) -> str:
    """Remove every secret value of the connection from a message (e.g. a key in a URL)."""
    return connection.redact(text) if connection else text


def probe_succeeds(spec: AnySpec, connection: Connection, runtime: HttpRuntime) -> str | None:
    """Fetch one page of the first resource; returns None on success, else the reason."""
    try:
        source = build_source(spec, connection, runtime)
        first = next(iter(source.resources.values()))
        for _ in first.add_limit(1):
            break
    except Exception as error:  # any failure keeps the breaker open; the reason is shown
        return redact(root_cause(error), connection)
    return None


def http_metadata(runtime: HttpRuntime) -> dict[str, Any]:
    stats = runtime.stats
    return {
        "http_requests": stats.requests,
        "http_retries": stats.retries,
        "http_429": stats.throttled,
        "http_5xx": stats.server_errors,
        "rate_limit_wait_s": round(stats.waited_seconds, 3),
    }


def collision_metadata(collisions: KeyCollisions) -> dict[str, Any]:
    """How many payload keys dlt would have folded into another key's column, and the
    column each got instead (the first 200)."""
    renamed = dict(sorted(collisions.renamed.items())[:200])
    return {"keys_renamed": len(collisions.renamed)} | (
        {"keys_renamed_detail": MetadataValue.json(renamed)} if renamed else {}
    )


def skip(context: AssetExecutionContext, status: str, detail: str) -> Iterator[Any]:
    """Degraded or disabled: record why on every selected asset, load nothing."""
    for key in context.selected_asset_keys:
        yield MaterializeResult(
            asset_key=key,
            metadata={"connector_status": status, "skipped_reason": detail, "rows_loaded": 0},
        )
    for check in context.selected_asset_check_keys:
        if check.name == HEALTH_CHECK:
            yield health_check_result(check.asset_key, status, detail)
            continue
        yield AssetCheckResult(
            asset_key=check.asset_key,
            check_name=check.name,
            passed=True,
            severity=AssetCheckSeverity.WARN,
            description=f"nothing loaded ({status}: {detail}), so no schema to compare",
            metadata={"connector_status": status},
        )


def record_usage(usage: UsageMeter, tenant_id: TenantId, http: HttpRuntime, events: list) -> None:
    """The load's API calls and top-level records fetched, counted against the tenant."""
    records = sum(
        int(getattr((event.metadata or {}).get("rows_loaded"), "value", 0) or 0) for event in events
    )
    count_records(tenant_id, events)  # first: Prometheus counts even if the registry is down
    usage.add(tenant_id, {"api_calls": http.stats.requests, "records_fetched": records})


def count_records(tenant_id: TenantId, events: list) -> None:
    """Records per table of the load (asset key raw/<connector>/<table>) for Prometheus."""
    for event in events:
        path = event.asset_key.path if event.asset_key else []
        rows = int(getattr((event.metadata or {}).get("rows_loaded"), "value", 0) or 0)
        if len(path) >= 3 and rows:
            RECORDS_LOADED.labels(tenant_id, path[-2], path[-1]).inc(rows)
