"""Where the CLI plugs the sandbox in (the CLI is the demo and dev entry point): a tenant with
connectors set to the sandbox endpoint runs on the dev code location, with the sandbox APIs
started in this process when none answers; every other tenant runs on the production one."""

from __future__ import annotations

from typing import Any

import typer

from autonomos_pipelines.aam.runtime import ConnectorRuntime
from autonomos_pipelines.core.settings import Settings
from autonomos_pipelines.operations.onboarding import uses_sandbox


def definitions_for(options: dict[str, dict], settings: Settings) -> Any:
    """The Definitions a tenant with these connector options runs on."""
    sandboxed = uses_sandbox(options)
    if not sandboxed:
        from autonomos_pipelines.definitions import defs

        return defs
    from autonomos_pipelines.sandbox.definitions import defs as dev_defs

    start_sandbox(settings)
    named = ", ".join(sandboxed) if len(sandboxed) <= 4 else f"{len(sandboxed)} connectors"
    typer.echo(f"sandbox plugged in for {named} ({settings.sandbox_url})")
    return dev_defs


def connector_runtime(settings: Settings, options: list[dict[str, dict]]) -> ConnectorRuntime:
    """The connector runtime for these tenants' connectors, the sandbox plugged in if any of
    them is set to it."""
    if not any(uses_sandbox(tenant) for tenant in options):
        return ConnectorRuntime.from_settings(settings)
    from autonomos_pipelines.sandbox.plug import LocalSandbox

    start_sandbox(settings)
    return ConnectorRuntime.from_settings(settings, LocalSandbox(settings))


def start_sandbox(settings: Settings) -> None:
    from autonomos_pipelines.cli.sandbox_cmd import start_sandbox_thread

    start_sandbox_thread(settings.sandbox_url)  # no-op when one already answers
