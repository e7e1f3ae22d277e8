"""Notifications sent to the webhook: one row per event, so no event is announced twice.

A row is inserted (ON CONFLICT DO NOTHING) before anything is sent: of two sensor ticks or
two daemons that see the same event, one inserts and the other gets nothing back. `subject`
is what a message is about (a run, a drift event, a check on an asset or a connector): at
most one unresolved row per tenant and subject, so a check that keeps failing is announced
once until it passes again. A failed send stays `pending` with its next attempt time; a
refusal that will never succeed becomes `failed`.

Revision ID: 0011
Revises: 0010
"""

from alembic import op

from autonomos_pipelines.core.rls import tenant_rows_sql

revision = "0011"
down_revision = "0010"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.execute("""
    CREATE TABLE notifications (
        tenant_id       text NOT NULL REFERENCES tenants (tenant_id) ON DELETE CASCADE,
        event_key       text NOT NULL,
        subject         text NOT NULL,
        kind            text NOT NULL CHECK (kind IN ('drift_review', 'review_gate',
                            'connector_degraded', 'run_failed', 'freshness_failed')),
        payload         jsonb NOT NULL,
        status          text NOT NULL DEFAULT 'pending'
                            CHECK (status IN ('pending', 'sent', 'failed')),
        attempts        integer NOT NULL DEFAULT 0,
        next_attempt_at timestamptz NOT NULL DEFAULT now(),
        last_error      text,
        created_at      timestamptz NOT NULL DEFAULT now(),
        sent_at         timestamptz,
        resolved_at     timestamptz,
        PRIMARY KEY (tenant_id, event_key)
    );
    CREATE UNIQUE INDEX ux_notifications_open_subject
        ON notifications (tenant_id, subject) WHERE resolved_at IS NULL;
    CREATE INDEX ix_notifications_due
        ON notifications (tenant_id, next_attempt_at) WHERE status = 'pending';
    """)
    op.execute(tenant_rows_sql("notifications"))


def downgrade() -> None:
    op.execute("DROP TABLE notifications;")
