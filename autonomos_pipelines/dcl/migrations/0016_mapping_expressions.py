"""Computed mappings: a field mapping may carry an expression (dcl/expressions), validated
before it is stored, that the canonical build projects instead of the source column.

Revision ID: 0016
Revises: 0015
"""

from alembic import op

revision = "0016"
down_revision = "0015"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.execute("ALTER TABLE field_mappings ADD COLUMN expression text")


def downgrade() -> None:
    op.execute("ALTER TABLE field_mappings DROP COLUMN expression")
