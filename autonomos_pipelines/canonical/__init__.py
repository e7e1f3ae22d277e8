"""Canonical tables: SQL generated from the DCL's active mappings, run in the warehouse."""
