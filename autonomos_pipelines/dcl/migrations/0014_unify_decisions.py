"""Entity unification: reviewers' verdicts on pairs of source records, and each tenant's
unification settings.

A verdict is versioned like a field mapping: deciding a pair again, or taking a verdict back
(`undecided`), adds a version and deactivates the one before, so the history of a pair stays
readable and the newest active row is what the next run obeys. A pair is stored in one order
(`left_record` < `right_record`) so A~B and B~A are the same pair. Settings hold the two
thresholds and the survivorship rules of a tenant's golden records, per entity. The review
queue holds the pairs the last run scored between the thresholds, with their evidence: each
run replaces its tenant's and entity's rows, and a pair with a verdict leaves it.

Revision ID: 0014
Revises: 0013
"""

from alembic import op

from autonomos_pipelines.core.rls import TENANT_ROLE, tenant_rows_sql

revision = "0014"
down_revision = "0013"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.execute("""
    CREATE TABLE unify_decisions (
        id                bigserial PRIMARY KEY,
        tenant_id         text NOT NULL REFERENCES tenants (tenant_id) ON DELETE CASCADE,
        entity            text NOT NULL,
        left_record       text NOT NULL,
        right_record      text NOT NULL,
        verdict           text NOT NULL CHECK (verdict IN ('same', 'different', 'undecided')),
        version           integer NOT NULL,
        is_active         boolean NOT NULL DEFAULT true,
        match_probability double precision,
        evidence          jsonb,
        reason            text,
        decided_by        text NOT NULL,
        decided_at        timestamptz NOT NULL DEFAULT now(),
        CHECK (left_record < right_record),
        UNIQUE (tenant_id, entity, left_record, right_record, version)
    );
    CREATE UNIQUE INDEX ux_unify_decisions_active
        ON unify_decisions (tenant_id, entity, left_record, right_record) WHERE is_active;
    CREATE TABLE unify_settings (
        tenant_id       text NOT NULL REFERENCES tenants (tenant_id) ON DELETE CASCADE,
        entity          text NOT NULL,
        lower_threshold double precision NOT NULL,
        upper_threshold double precision NOT NULL,
        default_rule    text NOT NULL,
        field_rules     jsonb NOT NULL DEFAULT '{}',
        source_priority text[] NOT NULL DEFAULT '{}',
        updated_by      text NOT NULL,
        updated_at      timestamptz NOT NULL DEFAULT now(),
        CHECK (0 < lower_threshold AND lower_threshold <= upper_threshold
               AND upper_threshold < 1),
        PRIMARY KEY (tenant_id, entity)
    );
    CREATE TABLE unify_review (
        tenant_id         text NOT NULL REFERENCES tenants (tenant_id) ON DELETE CASCADE,
        entity            text NOT NULL,
        left_record       text NOT NULL,
        right_record      text NOT NULL,
        match_probability double precision NOT NULL,
        evidence          jsonb NOT NULL,
        queued_at         timestamptz NOT NULL DEFAULT now(),
        PRIMARY KEY (tenant_id, entity, left_record, right_record)
    );
    """)
    for table in ("unify_decisions", "unify_settings", "unify_review"):
        op.execute(tenant_rows_sql(table))
    op.execute(f"GRANT USAGE, SELECT ON SEQUENCE unify_decisions_id_seq TO {TENANT_ROLE}")


def downgrade() -> None:
    op.execute("DROP TABLE unify_review; DROP TABLE unify_settings; DROP TABLE unify_decisions;")
