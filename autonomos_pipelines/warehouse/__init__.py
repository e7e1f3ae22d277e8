"""The tenant warehouse: one DuckDB file per tenant, or per-tenant schemas in PostgreSQL,
and the SQL dialect of each."""
