"""Automation per tenant: the `tenant_refresh` sensor loads each tenant on its registry
cadence, the `tenant_automation` declarative-automation sensor has the mapping and canonical
tables follow their raw tables, and `canonical_freshness` fails a tenant's stale table."""

from __future__ import annotations

from dagster import (
    AssetSelection,
    AutomationConditionSensorDefinition,
    DefaultSensorStatus,
    Definitions,
)

from mapping_assets.automation.freshness_sensor import canonical_freshness
from mapping_assets.automation.refresh_sensor import tenant_refresh

AUTOMATION_SENSOR = "tenant_automation"


def automation_definitions() -> Definitions:
    follow = AutomationConditionSensorDefinition(
        AUTOMATION_SENSOR,
        target=AssetSelection.all(),
        default_status=DefaultSensorStatus.RUNNING,
        minimum_interval_seconds=30,
        description="Declarative automation: once a tenant's raw tables are refreshed, requests "
        "that tenant's field mappings and canonical tables (condition `follows_upstream`), in "
        "one run per tick; never beside a run that builds them itself.",
    )
    return Definitions(sensors=[tenant_refresh, follow, canonical_freshness])
