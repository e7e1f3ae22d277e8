"""The connector runtime as the dev entry points build it: the sandbox plugged in."""

from __future__ import annotations

from autonomos_pipelines.aam.runtime import ConnectorRuntime
from autonomos_pipelines.core.settings import Settings
from autonomos_pipelines.sandbox.plug import LocalSandbox


def sandboxed(settings: Settings) -> ConnectorRuntime:
    return ConnectorRuntime.from_settings(settings, LocalSandbox(settings))
