"""Value mappings: a source field's enumeration values (deal stages, statuses, priorities,
channels) onto its canonical field's value set, and the values each mapped field was seen with.

A value mapping is versioned like a field mapping: one row per (tenant, connector, table,
field, source value, version), at most one of them active, tenant_id NULL for the global
baseline every tenant inherits (a tenant's own row overrides it). `source_values` holds what
the last mapping pass read from the tenant's raw tables for fields mapped onto an
enumeration, with row counts, so a reviewer sees which values are still unknown.

Revision ID: 0015
Revises: 0014
"""

from alembic import op

from autonomos_pipelines.core.rls import TENANT_ROLE, tenant_or_baseline_rows_sql, tenant_rows_sql

revision = "0015"
down_revision = "0014"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.execute("""
    CREATE TABLE value_mappings (
        id               bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
        tenant_id        text REFERENCES tenants (tenant_id) ON DELETE CASCADE,
        connector        text NOT NULL,
        source_table     text NOT NULL,
        source_field     text NOT NULL,
        source_value     text NOT NULL CHECK (length(source_value) <= 200),
        canonical_entity text NOT NULL,
        canonical_field  text NOT NULL,
        canonical_value  text NOT NULL,
        confidence       double precision CHECK (confidence BETWEEN 0 AND 1),
        method           text NOT NULL
                         CHECK (method IN ('manual', 'registry', 'rag', 'llm', 'rule')),
        status           text NOT NULL CHECK (status IN (
                             'proposed', 'needs_review', 'approved', 'active', 'rejected',
                             'deprecated')),
        version          integer NOT NULL CHECK (version >= 1),
        is_active        boolean NOT NULL DEFAULT false,
        reason           text,
        evidence         jsonb,
        approved_by      text,
        approved_at      timestamptz,
        created_by       text NOT NULL,
        created_at       timestamptz NOT NULL DEFAULT now(),
        updated_at       timestamptz NOT NULL DEFAULT now()
    );
    -- as field_mappings: tenant_id NULL is the baseline, COALESCE makes it one namespace
    CREATE UNIQUE INDEX uq_value_mappings_version ON value_mappings
        (COALESCE(tenant_id, ''), connector, lower(source_table), source_field, source_value,
         version);
    CREATE UNIQUE INDEX uq_value_mappings_one_active ON value_mappings
        (COALESCE(tenant_id, ''), connector, lower(source_table), source_field, source_value)
        WHERE is_active;
    CREATE INDEX ix_value_mappings_active ON value_mappings (tenant_id, connector)
        WHERE is_active;
    CREATE INDEX ix_value_mappings_pending ON value_mappings (tenant_id)
        WHERE status IN ('proposed', 'needs_review');

    CREATE TABLE source_values (
        tenant_id     text NOT NULL REFERENCES tenants (tenant_id) ON DELETE CASCADE,
        connector     text NOT NULL,
        source_table  text NOT NULL,
        source_field  text NOT NULL,
        source_value  text NOT NULL CHECK (length(source_value) <= 200),
        row_count     bigint NOT NULL CHECK (row_count >= 0),
        first_seen_at timestamptz NOT NULL DEFAULT now(),
        last_seen_at  timestamptz NOT NULL DEFAULT now(),
        PRIMARY KEY (tenant_id, connector, source_table, source_field, source_value)
    );
    """)
    op.execute(tenant_or_baseline_rows_sql("value_mappings"))
    op.execute(tenant_rows_sql("source_values"))
    op.execute(f"GRANT USAGE, SELECT ON SEQUENCE value_mappings_id_seq TO {TENANT_ROLE}")


def downgrade() -> None:
    op.execute("DROP TABLE source_values; DROP TABLE value_mappings;")
