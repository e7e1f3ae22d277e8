"""Schema snapshots per tenant, connector and table, and the drift events between them.

Revision ID: 0004
Revises: 0003
"""

from alembic import op

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.execute("""
    CREATE TABLE schema_snapshots (
        id           bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
        tenant_id    text NOT NULL REFERENCES tenants (tenant_id) ON DELETE CASCADE,
        connector    text NOT NULL,
        source_table text NOT NULL,
        origin       text NOT NULL CHECK (origin IN ('load', 'observer')),
        version      integer NOT NULL,
        fingerprint  text NOT NULL,
        schema_json  jsonb NOT NULL,
        taken_at     timestamptz NOT NULL DEFAULT now(),
        UNIQUE (tenant_id, connector, source_table, origin, version)
    );
    CREATE TABLE drift_events (
        id              bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
        tenant_id       text NOT NULL REFERENCES tenants (tenant_id) ON DELETE CASCADE,
        connector       text NOT NULL,
        source_table    text NOT NULL,
        old_snapshot_id bigint NOT NULL REFERENCES schema_snapshots (id),
        new_snapshot_id bigint NOT NULL REFERENCES schema_snapshots (id),
        changes         jsonb NOT NULL,
        status          text NOT NULL DEFAULT 'open' CHECK (status IN (
                            'open', 'healing', 'repaired', 'needs_review', 'failed',
                            'dismissed')),
        detail          text,
        detected_at     timestamptz NOT NULL DEFAULT now(),
        resolved_at     timestamptz
    );
    CREATE INDEX ix_drift_events_tenant ON drift_events (tenant_id, status, id);
    -- the connection's repair state (status stays what enables the connector)
    ALTER TABLE tenant_connectors ADD COLUMN drift_status text NOT NULL DEFAULT 'active'
        CHECK (drift_status IN ('active', 'healing', 'review', 'failed'));
    """)


def downgrade() -> None:
    op.execute(
        "ALTER TABLE tenant_connectors DROP COLUMN drift_status; "
        "DROP TABLE drift_events; DROP TABLE schema_snapshots;"
    )
