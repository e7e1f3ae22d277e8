"""Mapping intelligence: pgvector retrieval corpus, reviewer roles, LLM usage, field evidence.

Revision ID: 0002
Revises: 0001
"""

from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.execute("""
    CREATE EXTENSION IF NOT EXISTS vector;
    -- Retrieval corpus: canonical field descriptions and approved mappings, one namespace per
    -- tenant (tenant_id NULL = global baseline, visible to every tenant).
    CREATE TABLE dcl_examples (
        id          bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
        tenant_id   text REFERENCES tenants (tenant_id) ON DELETE CASCADE,
        kind        text NOT NULL CHECK (kind IN ('canonical', 'mapping')),
        target      text NOT NULL,
        text        text NOT NULL,
        mapping_id  bigint REFERENCES field_mappings (id) ON DELETE CASCADE,
        model       text NOT NULL,
        embedding   vector(384) NOT NULL,
        created_at  timestamptz NOT NULL DEFAULT now()
    );
    CREATE UNIQUE INDEX uq_dcl_examples ON dcl_examples
        (COALESCE(tenant_id, ''), kind, target, text, model);
    CREATE INDEX ix_dcl_examples_hnsw ON dcl_examples
        USING hnsw (embedding vector_cosine_ops);
    CREATE INDEX ix_dcl_examples_tenant ON dcl_examples (tenant_id);

    CREATE TABLE users (
        user_name   text PRIMARY KEY CHECK (length(user_name) BETWEEN 1 AND 100),
        role        text NOT NULL CHECK (role IN ('viewer', 'reviewer', 'admin')),
        created_by  text NOT NULL,
        created_at  timestamptz NOT NULL DEFAULT now()
    );

    CREATE TABLE llm_usage (
        tenant_id    text NOT NULL,
        month        date NOT NULL,
        calls        integer NOT NULL DEFAULT 0,
        input_tokens bigint NOT NULL DEFAULT 0,
        output_tokens bigint NOT NULL DEFAULT 0,
        cost_usd     numeric(12, 6) NOT NULL DEFAULT 0,
        PRIMARY KEY (tenant_id, month)
    );

    -- What the resolver knew when it proposed: candidates, features, reason.
    ALTER TABLE field_mappings ADD COLUMN evidence jsonb;
    ALTER TABLE field_mappings ADD COLUMN reason text;
    CREATE INDEX ix_field_mappings_pending ON field_mappings (tenant_id)
        WHERE status IN ('proposed', 'needs_review');
    ALTER TABLE source_fields ADD COLUMN method text;
    ALTER TABLE source_fields ADD COLUMN confidence double precision;
    ALTER TABLE source_fields DROP CONSTRAINT source_fields_status_check;
    ALTER TABLE source_fields ADD CONSTRAINT source_fields_status_check
        CHECK (status IN ('mapped', 'unmapped', 'pending_review'));
    """)


def downgrade() -> None:
    op.execute("""
    ALTER TABLE source_fields DROP CONSTRAINT source_fields_status_check;
    ALTER TABLE source_fields ADD CONSTRAINT source_fields_status_check
        CHECK (status IN ('mapped', 'unmapped'));
    ALTER TABLE source_fields DROP COLUMN confidence, DROP COLUMN method;
    DROP INDEX ix_field_mappings_pending;
    ALTER TABLE field_mappings DROP COLUMN reason, DROP COLUMN evidence;
    DROP TABLE llm_usage; DROP TABLE users; DROP TABLE dcl_examples;
    """)
