"""Usage per tenant and hour: records fetched, API calls, canonical rows, LLM calls and cost.

Tenant quota overrides (defaults come from the environment).

Revision ID: 0007
Revises: 0006
"""

from alembic import op

revision = "0007"
down_revision = "0006"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.execute("""
    CREATE TABLE tenant_usage (
        tenant_id text NOT NULL REFERENCES tenants (tenant_id) ON DELETE CASCADE,
        hour      timestamptz NOT NULL,
        metric    text NOT NULL CHECK (metric IN ('records_fetched', 'api_calls',
                      'rows_produced', 'llm_calls', 'llm_cost_usd')),
        amount    double precision NOT NULL DEFAULT 0,
        PRIMARY KEY (tenant_id, hour, metric)
    );
    CREATE TABLE tenant_quotas (
        tenant_id text NOT NULL REFERENCES tenants (tenant_id) ON DELETE CASCADE,
        quota     text NOT NULL,
        quota_limit bigint NOT NULL CHECK (quota_limit >= 0),
        PRIMARY KEY (tenant_id, quota)
    );
    """)


def downgrade() -> None:
    op.execute("DROP TABLE tenant_quotas; DROP TABLE tenant_usage;")
