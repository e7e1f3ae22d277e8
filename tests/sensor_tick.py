"""One evaluation of the schema observer sensor, as the daemon would run it."""

from __future__ import annotations

from dagster import SensorResult, build_sensor_context

from mapping_assets.raw.observer_sensor import schema_observer
from resources import RegistryResource, WarehouseResource


def tick(instance, settings, cursor: str | None = None) -> SensorResult:
    context = build_sensor_context(
        instance=instance,
        cursor=cursor,
        resources={
            "registry": RegistryResource.from_settings(settings),
            "warehouse": WarehouseResource.from_settings(settings),
        },
    )
    return schema_observer(context)
