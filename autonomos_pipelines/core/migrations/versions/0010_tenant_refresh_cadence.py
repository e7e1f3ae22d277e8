"""Each tenant's refresh cadence: a cron expression, its timezone and whether it is on.

Read by the `tenant_refresh` sensor (which launches a tenant's load on each tick) and by the
canonical tables' freshness check (which derives the allowed age from it). Under row-level
security like every tenant-scoped table.

Revision ID: 0010
Revises: 0009
"""

from alembic import op

revision = "0010"
down_revision = "0009"
branch_labels = None
depends_on = None

ROLE = "autonomos_tenant"
TENANT = "current_setting('autonomos.tenant', true)"


def upgrade() -> None:
    # identifiers below are this module's constants, never input
    op.execute(f"""
    CREATE TABLE tenant_schedules (
        tenant_id  text PRIMARY KEY REFERENCES tenants (tenant_id) ON DELETE CASCADE,
        cron       text NOT NULL,
        timezone   text NOT NULL DEFAULT 'UTC',
        enabled    boolean NOT NULL DEFAULT false,
        updated_at timestamptz NOT NULL DEFAULT now(),
        updated_by text NOT NULL
    );
    GRANT SELECT, INSERT, UPDATE, DELETE ON tenant_schedules TO {ROLE};
    ALTER TABLE tenant_schedules ENABLE ROW LEVEL SECURITY;
    CREATE POLICY tenant_rows ON tenant_schedules
        USING (tenant_id = {TENANT}) WITH CHECK (tenant_id = {TENANT});
    """)  # noqa: S608


def downgrade() -> None:
    op.execute("DROP TABLE tenant_schedules")
