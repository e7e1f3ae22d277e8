"""Every Dagster resource: the seam between the assets, sensors and checks and the stores
they use. Fields hold ``EnvVar`` references (see :func:`from_environment`), resolved by
Dagster on the machine that runs the step."""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from typing import Any

from dagster import ConfigurableResource, EnvVar
from dagster_dlt import DagsterDltResource

from autonomos_pipelines.core.quotas import QUOTAS
from autonomos_pipelines.core.settings import provide_env_defaults, quota_variable
from resources.cache import CacheResource
from resources.connectors import ConnectorsResource
from resources.llm import LlmResource
from resources.notifications import NotificationsResource
from resources.postgres import PostgresResource
from resources.registry import RegistryResource
from resources.tenancy import TenancyResource
from resources.warehouse import WarehouseResource

__all__ = [
    "CacheResource",
    "ConnectorsResource",
    "LlmResource",
    "NotificationsResource",
    "PostgresResource",
    "RegistryResource",
    "TenancyResource",
    "WarehouseResource",
    "env_variables",
    "from_environment",
]


def from_environment() -> dict:
    """The resources of the Definitions, each configured by environment variables (an unset
    one is given an empty value, which means its embedded default: Dagster's EnvVar has no
    default of its own)."""
    home = EnvVar("AUTONOMOS_HOME")
    postgres = PostgresResource(database_url=EnvVar("DATABASE_URL"), home=home)
    cache = CacheResource(redis_url=EnvVar("REDIS_URL"))
    tenancy = TenancyResource(
        postgres=postgres, **{name: EnvVar(quota_variable(name)) for name in QUOTAS}
    )
    resources = {
        "dlt_resource": DagsterDltResource(),
        "registry": RegistryResource(tenancy=tenancy, cache=cache),
        "warehouse": WarehouseResource(home=home, warehouse_url=EnvVar("WAREHOUSE_URL")),
        "tenancy": tenancy,
        "connectors": ConnectorsResource(
            tenancy=tenancy,
            cache=cache,
            home=home,
            secret_key=EnvVar("AUTONOMOS_SECRET_KEY"),
            max_response_mb=EnvVar("AUTONOMOS_MAX_RESPONSE_MB"),
        ),
        "llm": LlmResource(
            gemini_api_key=EnvVar("GEMINI_API_KEY"), no_llm=EnvVar("AUTONOMOS_NO_LLM")
        ),
        "notifications": NotificationsResource(
            postgres=postgres,
            webhook_url=EnvVar("AUTONOMOS_WEBHOOK_URL"),
            ui_url=EnvVar("AUTONOMOS_UI_URL"),
        ),
    }
    provide_env_defaults(env_variables(resources))  # unset means the embedded default
    return resources


def env_variables(resources: Mapping[str, Any]) -> tuple[str, ...]:
    """Every environment variable the resources (and the resources they hold) refer to."""
    return tuple(sorted({name for resource in resources.values() for name in _env_vars(resource)}))


def _env_vars(resource: Any) -> Iterator[str]:
    if not isinstance(resource, ConfigurableResource):
        return
    for name in type(resource).model_fields:
        value = getattr(resource, name)
        if isinstance(value, EnvVar):
            yield value.env_var_name
        yield from _env_vars(value)
