"""Row-level security on every tenant-scoped table.

The application runs tenant work as the role `autonomos_tenant` (NOLOGIN, NOBYPASSRLS) with
the setting `autonomos.tenant` naming the tenant (database.tenant_session). The policies
read that setting, so a statement that forgets `WHERE tenant_id = …` still sees and changes
only that tenant's rows. Global baseline rows (tenant_id NULL) of field_mappings and
dcl_examples are readable by every tenant and writable by none: only an admin session (the
connecting user, which owns the tables and is not subject to their policies) writes them.

Revision ID: 0008
Revises: 0007
"""

from alembic import op

revision = "0008"
down_revision = "0007"
branch_labels = None
depends_on = None

ROLE = "autonomos_tenant"
TENANT = "current_setting('autonomos.tenant', true)"
# a tenant reads and writes its own rows only
TENANT_TABLES = (
    "tenants",
    "tenant_connectors",
    "source_fields",
    "audit_log",
    "llm_usage",
    "aam_connector_health",
    "schema_snapshots",
    "drift_events",
    "schema_observations",
    "tenant_secrets",
    "tenant_usage",
    "tenant_quotas",
)
# ... and reads the global baseline (tenant_id NULL) besides
BASELINE_TABLES = ("field_mappings", "dcl_examples")


def upgrade() -> None:
    # identifiers below are this module's constants, never input
    op.execute(f"""
    DO $$ BEGIN
        IF NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = '{ROLE}') THEN
            CREATE ROLE {ROLE} NOLOGIN NOBYPASSRLS;
        END IF;
        -- a DBA may have created and granted the role already (no CREATEROLE needed then)
        IF NOT pg_has_role(current_user, '{ROLE}', 'MEMBER') THEN
            GRANT {ROLE} TO CURRENT_USER;
        END IF;
    END $$;
    GRANT USAGE ON SCHEMA public TO {ROLE};
    GRANT USAGE, SELECT ON ALL SEQUENCES IN SCHEMA public TO {ROLE};
    GRANT SELECT ON users TO {ROLE};
    """)  # noqa: S608
    for table in (*TENANT_TABLES, *BASELINE_TABLES):
        op.execute(f"""
        GRANT SELECT, INSERT, UPDATE, DELETE ON {table} TO {ROLE};
        ALTER TABLE {table} ENABLE ROW LEVEL SECURITY;
        """)
    for table in TENANT_TABLES:
        op.execute(f"""
        CREATE POLICY tenant_rows ON {table}
            USING (tenant_id = {TENANT}) WITH CHECK (tenant_id = {TENANT});
        """)
    for table in BASELINE_TABLES:
        op.execute(f"""
        CREATE POLICY tenant_or_baseline_read ON {table} FOR SELECT
            USING (tenant_id IS NULL OR tenant_id = {TENANT});
        CREATE POLICY tenant_insert ON {table} FOR INSERT WITH CHECK (tenant_id = {TENANT});
        CREATE POLICY tenant_update ON {table} FOR UPDATE
            USING (tenant_id = {TENANT}) WITH CHECK (tenant_id = {TENANT});
        CREATE POLICY tenant_delete ON {table} FOR DELETE USING (tenant_id = {TENANT});
        """)


def downgrade() -> None:
    policies = {table: ("tenant_rows",) for table in TENANT_TABLES} | {
        table: ("tenant_or_baseline_read", "tenant_insert", "tenant_update", "tenant_delete")
        for table in BASELINE_TABLES
    }
    for table, names in policies.items():
        for name in names:
            op.execute(f"DROP POLICY {name} ON {table}")
        op.execute(f"ALTER TABLE {table} DISABLE ROW LEVEL SECURITY")
        op.execute(f"REVOKE ALL ON {table} FROM {ROLE}")
    op.execute(f"REVOKE ALL ON users FROM {ROLE}")
    op.execute(f"REVOKE ALL ON ALL SEQUENCES IN SCHEMA public FROM {ROLE}")
    op.execute(f"REVOKE USAGE ON SCHEMA public FROM {ROLE}")
