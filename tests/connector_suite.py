"""What the standard connector suite needs to know about each sandbox: how many records a
complete load yields per table, and how to break the connector's credential."""

from __future__ import annotations

from autonomos_pipelines.aam.specs.spec_model import (
    AnySpec,
    AwsCostSpec,
    FileSpec,
    GenericRestSpec,
    MongoSpec,
    ODataSpec,
    SalesforceSpec,
    SqlSpec,
)
from autonomos_pipelines.sandbox.apis.google_analytics import GoogleAnalyticsApi
from autonomos_pipelines.sandbox.server import SandboxServer

SEEDED_SQL = {"customers": 80, "invoices": 240, "payments": 96}  # billing_seed.SEED_SQL
DEMO_FILES = {"accounts": 60, "opportunities": 90}  # sandbox/files.py


def expected_counts(spec: AnySpec, sandbox: SandboxServer) -> dict[str, int]:
    """Raw table -> records a complete load must contain."""
    if isinstance(spec, SqlSpec):
        return SEEDED_SQL
    if isinstance(spec, FileSpec):
        return DEMO_FILES
    if isinstance(spec, MongoSpec):
        from autonomos_pipelines.sandbox.mongo import DATASETS

        data = DATASETS[spec.sandbox.dataset]()  # type: ignore[union-attr]
        return {c.table: len(data[c.name]) for c in spec.collections}
    api = sandbox.apis[spec.name]
    if isinstance(spec, SalesforceSpec):
        return {item.table: len(api.data[item.name]) for item in spec.objects}
    if isinstance(spec, ODataSpec):
        return {item.table: len(api.data[item.name]) for item in spec.entity_sets}
    if isinstance(spec, AwsCostSpec):
        return {spec.table: api.expected_rows(spec.table, spec.lookback_days, len(spec.group_by))}  # type: ignore[attr-defined]
    assert isinstance(spec, GenericRestSpec)
    if isinstance(api, GoogleAnalyticsApi):
        return {r.name: api.expected_rows(r.name) for r in spec.resources}
    return {r.name: len(api.data[r.name]) for r in spec.resources}


def broken_secret(spec: AnySpec) -> tuple[str, str] | None:
    """(secret key, wrong value) that the source must refuse; None when nothing to break."""
    if isinstance(spec, FileSpec):
        return None
    if isinstance(spec, SqlSpec):
        return spec.credentials.secret, "postgresql+psycopg://nobody@/no_such_db?host=/nonexistent"
    if isinstance(spec, MongoSpec):
        return spec.connection_url.secret, "mongomock://no_such_dataset"
    if isinstance(spec, SalesforceSpec):
        return spec.auth.refresh_token.secret, "5Aep861revoked"
    if isinstance(spec, ODataSpec):
        return spec.auth.client_secret.secret, "wrong-secret"
    if isinstance(spec, AwsCostSpec):
        return spec.secret_access_key.secret, "wrong/secret/key"
    assert spec.sandbox is not None
    # the token or key, not a user name (Mailchimp accepts any user name)
    key = next(k for k in sorted(spec.sandbox.credentials) if "user" not in k)
    return key, "revoked-credential-0000"
