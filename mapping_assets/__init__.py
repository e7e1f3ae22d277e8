"""Dagster asset definitions, one folder per area: ``raw`` (AAM: dlt loads, the drift
observer sensor), ``mappings`` (DCL: field mappings and drift-repair metadata) and
``canonical`` (the canonical tables)."""
