"""The dev code location: the one Definitions object with the sandbox plugged into the
connector runtime, so connectors set to the sandbox endpoint reach the local fakes. `autonomos
ui` and `autonomos demo` load it (and the checkout's workspace.yaml); a production deployment
loads ``autonomos_pipelines.definitions``, where such connectors fail with a line saying so.
"""

from __future__ import annotations

from typing import Any

from dagster import Definitions, EnvVar

from autonomos_pipelines.aam.connections.connection import SandboxPlug
from autonomos_pipelines.code_location import build_definitions
from autonomos_pipelines.core.settings import Settings
from autonomos_pipelines.sandbox.plug import LocalSandbox
from resources import ConnectorsResource, from_environment


class SandboxConnectorsResource(ConnectorsResource):
    """The connector runtime, plus the sandbox (AUTONOMOS_SANDBOX_URL, an in-memory MongoDB,
    seeded databases, generated file exports) for connectors set to the sandbox endpoint."""

    sandbox_url: str = ""

    def sandbox(self) -> SandboxPlug | None:
        values = {
            "AUTONOMOS_HOME": self.home,
            "DATABASE_URL": self.tenancy.postgres.database_url,
            "AUTONOMOS_SANDBOX_URL": self.sandbox_url,
        }
        return LocalSandbox(Settings.from_values(values))


def sandbox_resources() -> dict[str, Any]:
    resources = from_environment()
    base: ConnectorsResource = resources["connectors"]
    resources["connectors"] = SandboxConnectorsResource(
        tenancy=base.tenancy,
        cache=base.cache,
        home=base.home,
        secret_key=base.secret_key,
        max_response_mb=base.max_response_mb,
        sandbox_url=EnvVar("AUTONOMOS_SANDBOX_URL"),
    )
    return resources


def sandbox_definitions() -> Definitions:
    return build_definitions(sandbox_resources())


defs = sandbox_definitions()
