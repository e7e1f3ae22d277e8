"""One evaluation of the schema observer sensor, as the daemon would run it in the dev code
location (resources from the environment, the sandbox plugged in)."""

from __future__ import annotations

from dagster import SensorResult, build_sensor_context

from autonomos_pipelines.sandbox.definitions import sandbox_resources
from mapping_assets.raw.observer_sensor import schema_observer


def tick(instance, settings, cursor: str | None = None) -> SensorResult:  # noqa: ARG001
    resources = sandbox_resources()
    with build_sensor_context(
        instance=instance,
        cursor=cursor,
        resources={name: resources[name] for name in ("registry", "connectors")},
    ) as context:
        return schema_observer(context)
