"""dlt pipelines, made one way: dlt's telemetry off unless an operator turned it on."""

from __future__ import annotations

from typing import Any

import dlt

from autonomos_pipelines.core.settings import no_third_party_telemetry


def new_pipeline(**options: Any) -> dlt.Pipeline:
    """``dlt.pipeline(**options)``, telemetry off by default (settings.no_third_party_telemetry)."""
    no_third_party_telemetry()
    return dlt.pipeline(**options)
