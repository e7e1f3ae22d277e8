"""Tenant credentials, encrypted at rest (AES-256-GCM; the key never reaches the database).

Revision ID: 0006
Revises: 0005
"""

from alembic import op

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.execute("""
    CREATE TABLE tenant_secrets (
        tenant_id   text NOT NULL REFERENCES tenants (tenant_id) ON DELETE CASCADE,
        connector   text NOT NULL,
        name        text NOT NULL,
        key_id      text NOT NULL,
        nonce       bytea NOT NULL,
        ciphertext  bytea NOT NULL,
        updated_at  timestamptz NOT NULL DEFAULT now(),
        PRIMARY KEY (tenant_id, connector, name)
    );
    """)


def downgrade() -> None:
    op.execute("DROP TABLE tenant_secrets;")
