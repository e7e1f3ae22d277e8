"""Computed mappings: a small, typed expression language compiled to DuckDB and PostgreSQL SQL.

Text is tokenized and parsed by hand (never evaluated), type-checked against the source
table's column types and the canonical field's type, and compiled with every identifier
quoted and every literal escaped. See check.py for the one call the registry makes.
"""
