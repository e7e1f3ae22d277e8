"""The HTTP API: tokens bound to a tenant and scopes, and a one-field lookup index.

A token with `tenant_id` NULL and `scopes` NULL is what `users token issue` always made: the
user's whole authority, for the CLI. An API token names one tenant and the scopes it may use
(read, map, review, admin); the user's role still bounds what a scope allows. The partial
index answers a cold lookup of one source field with one index probe instead of reading the
tenant's whole mapping set.

Revision ID: 0012
Revises: 0011
"""

from alembic import op

revision = "0012"
down_revision = "0011"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.execute("""
    ALTER TABLE user_tokens
        ADD COLUMN tenant_id text REFERENCES tenants (tenant_id) ON DELETE CASCADE,
        ADD COLUMN scopes text[];
    CREATE INDEX ix_field_mappings_active_field
        ON field_mappings (connector, lower(source_table), source_field, tenant_id)
        WHERE is_active;
    """)


def downgrade() -> None:
    op.execute("""
    DROP INDEX ix_field_mappings_active_field;
    ALTER TABLE user_tokens DROP COLUMN scopes, DROP COLUMN tenant_id;
    """)
