"""The production code location's one Definitions object, `defs` (put together in
code_location.py): raw (dlt) -> field mappings (DCL) -> canonical tables, their checks, the
drift observer, automation per tenant, the notification sensors, and their resources.

Loading this module starts no service: resources connect on first use inside a run, on the
machine that runs it, from environment variables they hold by name (never by value).
"""

from __future__ import annotations

from autonomos_pipelines.code_location import build_definitions

defs = build_definitions()
