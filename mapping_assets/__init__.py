"""Dagster assets: raw (dlt) per connector, field mappings (DCL), canonical tables."""
