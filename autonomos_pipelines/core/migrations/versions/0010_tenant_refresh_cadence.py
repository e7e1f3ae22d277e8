"""Each tenant's refresh cadence: a cron expression, its timezone and whether it is on.

Read by the `tenant_refresh` sensor (which launches a tenant's load on each tick) and by the
canonical tables' freshness check (which derives the allowed age from it). Under row-level
security like every tenant-scoped table.

Revision ID: 0010
Revises: 0009
"""

from alembic import op

from autonomos_pipelines.core.rls import tenant_rows_sql

revision = "0010"
down_revision = "0009"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.execute("""
    CREATE TABLE tenant_schedules (
        tenant_id  text PRIMARY KEY REFERENCES tenants (tenant_id) ON DELETE CASCADE,
        cron       text NOT NULL,
        timezone   text NOT NULL DEFAULT 'UTC',
        enabled    boolean NOT NULL DEFAULT false,
        updated_at timestamptz NOT NULL DEFAULT now(),
        updated_by text NOT NULL
    );
    """)
    op.execute(tenant_rows_sql("tenant_schedules"))


def downgrade() -> None:
    op.execute("DROP TABLE tenant_schedules")
