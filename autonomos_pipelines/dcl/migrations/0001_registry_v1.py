"""Registry v1: tenants, tenant connectors, field mappings, source fields, audit log.

Revision ID: 0001
Revises:
"""

from alembic import op

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.execute("""
    CREATE TABLE tenants (
        tenant_id    text PRIMARY KEY CHECK (tenant_id ~ '^[a-z][a-z0-9_]{1,39}$'),
        display_name text NOT NULL,
        status       text NOT NULL DEFAULT 'active' CHECK (status IN ('active', 'disabled')),
        created_at   timestamptz NOT NULL DEFAULT now()
    );
    CREATE TABLE tenant_connectors (
        tenant_id  text NOT NULL REFERENCES tenants (tenant_id) ON DELETE CASCADE,
        connector  text NOT NULL CHECK (connector ~ '^[a-z][a-z0-9_]{1,39}$'),
        options    jsonb NOT NULL DEFAULT '{}'::jsonb,
        status     text NOT NULL DEFAULT 'active',
        created_at timestamptz NOT NULL DEFAULT now(),
        PRIMARY KEY (tenant_id, connector)
    );
    CREATE TABLE field_mappings (
        id               bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
        tenant_id        text REFERENCES tenants (tenant_id) ON DELETE CASCADE,
        connector        text NOT NULL,
        source_table     text NOT NULL,
        source_field     text NOT NULL,
        canonical_entity text,
        canonical_field  text,
        transform        text NOT NULL DEFAULT 'none',
        confidence       double precision CHECK (confidence BETWEEN 0 AND 1),
        method           text NOT NULL
                         CHECK (method IN ('manual', 'registry', 'rag', 'llm', 'none')),
        status           text NOT NULL CHECK (status IN (
                             'proposed', 'approved', 'active', 'rejected', 'needs_review',
                             'deprecated')),
        version          integer NOT NULL CHECK (version >= 1),
        is_active        boolean NOT NULL DEFAULT false,
        approved_by      text,
        approved_at      timestamptz,
        created_by       text NOT NULL,
        created_at       timestamptz NOT NULL DEFAULT now(),
        updated_at       timestamptz NOT NULL DEFAULT now()
    );
    -- tenant_id NULL is the global baseline; COALESCE makes it one namespace for uniqueness.
    CREATE UNIQUE INDEX uq_field_mappings_version ON field_mappings
        (COALESCE(tenant_id, ''), connector, lower(source_table), source_field, version);
    CREATE UNIQUE INDEX uq_field_mappings_one_active ON field_mappings
        (COALESCE(tenant_id, ''), connector, lower(source_table), source_field)
        WHERE is_active;
    CREATE INDEX ix_field_mappings_lookup ON field_mappings (tenant_id, connector)
        WHERE is_active;
    CREATE TABLE source_fields (
        tenant_id     text NOT NULL REFERENCES tenants (tenant_id) ON DELETE CASCADE,
        connector     text NOT NULL,
        source_table  text NOT NULL,
        source_field  text NOT NULL,
        data_type     text,
        mapping_id    bigint REFERENCES field_mappings (id),
        status        text NOT NULL CHECK (status IN ('mapped', 'unmapped')),
        first_seen_at timestamptz NOT NULL DEFAULT now(),
        last_seen_at  timestamptz NOT NULL DEFAULT now(),
        PRIMARY KEY (tenant_id, connector, source_table, source_field)
    );
    CREATE TABLE audit_log (
        id          bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
        at          timestamptz NOT NULL DEFAULT now(),
        actor       text NOT NULL,
        action      text NOT NULL,
        tenant_id   text,
        object_type text NOT NULL,
        object_key  text NOT NULL,
        old_value   jsonb,
        new_value   jsonb
    );
    CREATE INDEX ix_audit_log_tenant ON audit_log (tenant_id, at);
    """)


def downgrade() -> None:
    op.execute("""
    DROP TABLE audit_log; DROP TABLE source_fields; DROP TABLE field_mappings;
    DROP TABLE tenant_connectors; DROP TABLE tenants;
    """)
