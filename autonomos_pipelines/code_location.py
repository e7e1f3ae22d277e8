"""How a code location's Definitions are put together: raw (dlt) -> field mappings (DCL) ->
canonical tables, their checks, the drift observer, automation per tenant (refresh, follow,
freshness), the notification sensors, and the resources every one of them gets its stores
from. `autonomos_pipelines.definitions` (production) and the sandbox's dev location each
build theirs here, so loading one never builds the other.
"""

from __future__ import annotations

from typing import Any

from dagster import Definitions

from autonomos_pipelines.aam.specs.spec_loader import default_specs
from autonomos_pipelines.asset_graph.execution import choose_executor
from autonomos_pipelines.core.settings import get_settings, provide_env_defaults
from mapping_assets.automation import automation_definitions
from mapping_assets.canonical import canonical_definitions
from mapping_assets.jobs import JOBS
from mapping_assets.mappings import mappings_definitions
from mapping_assets.notifications import notifications_definitions
from mapping_assets.raw import raw_definitions
from mapping_assets.run_guard import tenant_guarded
from mapping_assets.status import status_definitions
from mapping_assets.tenant_partitions import tenant_partitions
from mapping_assets.unified import unified_definitions
from resources import env_variables, from_environment


def build_definitions(resources: dict[str, Any] | None = None) -> Definitions:
    """``resources`` replaces the environment-configured ones (the dev code location plugs
    the sandbox in this way)."""
    resources = resources or from_environment()
    provide_env_defaults(env_variables(resources))
    specs = default_specs()
    raw = raw_definitions(specs)
    raw_keys = [key for assets in raw.assets or [] for key in assets.keys]  # type: ignore[union-attr]
    executor = choose_executor(get_settings())  # AUTONOMOS_EXECUTOR: local or celery
    # every job (named or implicit, on every path) waits for its tenant's turn before a step
    return Definitions.merge(
        raw,
        mappings_definitions(raw_keys),
        canonical_definitions(specs),
        unified_definitions(specs),
        automation_definitions(),
        notifications_definitions(),
        status_definitions(),
        Definitions(
            resources=resources,
            executor=tenant_guarded(executor),
            jobs=JOBS,
            sensors=[tenant_partitions],
        ),
    )
