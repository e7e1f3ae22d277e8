"""Who acted: access tokens issued to users, and the audit log's account of identity.

`user_tokens` holds a SHA-256 hash of each token's secret, never the secret. The audit log
gains `on_behalf_of` (the user an admin acted for with --user; `actor` is then the admin) and
`credential` (how the actor proved who they are: `os:<account>` or `token:<id>`).

Revision ID: 0009
Revises: 0008
"""

from alembic import op

revision = "0009"
down_revision = "0008"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.execute("""
    CREATE TABLE user_tokens (
        token_id     text PRIMARY KEY,
        user_name    text NOT NULL REFERENCES users (user_name) ON DELETE CASCADE,
        secret_hash  text NOT NULL,
        created_by   text NOT NULL,
        created_at   timestamptz NOT NULL DEFAULT now(),
        expires_at   timestamptz NOT NULL,
        revoked_at   timestamptz,
        revoked_by   text,
        last_used_at timestamptz
    );
    CREATE INDEX ix_user_tokens_user ON user_tokens (user_name);
    ALTER TABLE audit_log ADD COLUMN on_behalf_of text, ADD COLUMN credential text;
    """)


def downgrade() -> None:
    op.execute("""
    ALTER TABLE audit_log DROP COLUMN credential, DROP COLUMN on_behalf_of;
    DROP TABLE user_tokens;
    """)
