"""Canonical assets: one table per canonical entity, rebuilt from the active mappings."""
