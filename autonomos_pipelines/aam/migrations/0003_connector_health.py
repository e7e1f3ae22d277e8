"""Connector health per tenant (AAM's circuit breaker state).

Revision ID: 0003
Revises: 0002
"""

from alembic import op

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.execute("""
    CREATE TABLE aam_connector_health (
        tenant_id             text NOT NULL REFERENCES tenants (tenant_id) ON DELETE CASCADE,
        connector             text NOT NULL,
        status                text NOT NULL CHECK (status IN ('healthy', 'degraded')),
        consecutive_failures  integer NOT NULL DEFAULT 0,
        last_error            text,
        last_success_at       timestamptz,
        last_failure_at       timestamptz,
        degraded_since        timestamptz,
        updated_at            timestamptz NOT NULL DEFAULT now(),
        PRIMARY KEY (tenant_id, connector)
    );
    """)


def downgrade() -> None:
    op.execute("DROP TABLE aam_connector_health")
