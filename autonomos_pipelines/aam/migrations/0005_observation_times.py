"""When each tenant's connector was last observed, so a drift event knows its detection window
(the change happened after the schema was last seen unchanged, and before it was detected).

Revision ID: 0005
Revises: 0004
"""

from alembic import op

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.execute("""
    CREATE TABLE schema_observations (
        tenant_id   text NOT NULL REFERENCES tenants (tenant_id) ON DELETE CASCADE,
        connector   text NOT NULL,
        origin      text NOT NULL CHECK (origin IN ('load', 'observer')),
        observed_at timestamptz NOT NULL,
        PRIMARY KEY (tenant_id, connector, origin)
    );
    ALTER TABLE drift_events ADD COLUMN unchanged_at timestamptz;
    """)


def downgrade() -> None:
    op.execute("ALTER TABLE drift_events DROP COLUMN unchanged_at; DROP TABLE schema_observations;")
