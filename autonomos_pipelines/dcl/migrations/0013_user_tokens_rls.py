"""Tokens are operator data although an API token names a tenant: row-level security on,
with no policy and no grant to the tenant role, so a tenant session sees none of them (the
rule every table with a tenant column follows; identity.py reads them in admin sessions).

Revision ID: 0013
Revises: 0012
"""

from alembic import op

revision = "0013"
down_revision = "0012"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.execute("ALTER TABLE user_tokens ENABLE ROW LEVEL SECURITY")


def downgrade() -> None:
    op.execute("ALTER TABLE user_tokens DISABLE ROW LEVEL SECURITY")
