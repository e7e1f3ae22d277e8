"""autonomos-pipelines: declarative, tenant-partitioned data pipelines on Dagster.

Rooms, bottom up: ``core`` (settings, names, database sessions, cache, audit, usage, quotas,
vault, the one migration history) -> ``aam`` (connectors: specs, HTTP, adapters, drift
detection) and ``dcl`` (mapping: model, matching, registry and workflow, drift repair, LLM),
which never import each other -> ``warehouse`` and ``canonical`` (tables built from the DCL's
decisions) -> ``asset_graph`` (partitions and asset keys) -> the Dagster layer beside this
package (``resources``, ``quality_checks``, ``mapping_assets``) -> ``definitions`` (the one
Definitions object) -> ``operations`` (onboarding, runs) -> ``cli``. ``sandbox`` holds the
fake SaaS APIs for the demo and tests; only the CLI and the dev code location plug it in.
"""

__version__ = "0.1.0"
