"""Row-level security as the migrations write it: tenant work runs as TENANT_ROLE with
TENANT_SETTING naming the tenant (database.tenant_session), and every tenant-scoped table
has a policy reading that setting. One place, so a new table cannot get a weaker policy."""

from __future__ import annotations

TENANT_ROLE = "autonomos_tenant"
TENANT_SETTING = "autonomos.tenant"
CURRENT_TENANT = f"current_setting('{TENANT_SETTING}', true)"


def tenant_rows_sql(table: str) -> str:
    """Grant ``table`` to the tenant role and let it read and write its own rows only.
    ``table`` is a migration's constant, never input."""
    return f"""
    GRANT SELECT, INSERT, UPDATE, DELETE ON {table} TO {TENANT_ROLE};
    ALTER TABLE {table} ENABLE ROW LEVEL SECURITY;
    CREATE POLICY tenant_rows ON {table}
        USING (tenant_id = {CURRENT_TENANT}) WITH CHECK (tenant_id = {CURRENT_TENANT});
    """


def tenant_or_baseline_rows_sql(table: str) -> str:
    """Grant ``table`` to the tenant role: it reads its own rows and the global baseline's
    (tenant_id NULL) and writes its own rows only; the baseline is written by admin sessions
    (the policies of field_mappings and dcl_examples in 0008). ``table`` is a migration's
    constant, never input."""
    return f"""
    GRANT SELECT, INSERT, UPDATE, DELETE ON {table} TO {TENANT_ROLE};
    ALTER TABLE {table} ENABLE ROW LEVEL SECURITY;
    CREATE POLICY tenant_or_baseline_read ON {table} FOR SELECT
        USING (tenant_id IS NULL OR tenant_id = {CURRENT_TENANT});
    CREATE POLICY tenant_insert ON {table} FOR INSERT WITH CHECK (tenant_id = {CURRENT_TENANT});
    CREATE POLICY tenant_update ON {table} FOR UPDATE
        USING (tenant_id = {CURRENT_TENANT}) WITH CHECK (tenant_id = {CURRENT_TENANT});
    CREATE POLICY tenant_delete ON {table} FOR DELETE USING (tenant_id = {CURRENT_TENANT});
    """
