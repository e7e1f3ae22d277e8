"""Canonical tables: SQL generated from the DCL's active mappings, executed in the warehouse."""
