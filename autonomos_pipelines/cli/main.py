"""autonomos: declarative, tenant-partitioned pipelines with a governed canonical model."""

from __future__ import annotations

import logging
import warnings

import typer

from autonomos_pipelines.cli import (
    backfill_cmd,
    connectors_cmd,
    drift_cmd,
    map_cmd,
    mappings_cmd,
    metrics_cmd,
    review_cmd,
    run_cmd,
    sandbox_cmd,
    secrets_cmd,
    serve_cmd,
    status_cmd,
    tenants_cmd,
    unify_cmd,
    users_cmd,
    value_cmd,
    worker_cmd,
)
from autonomos_pipelines.core.settings import quiet_third_party_logs

warnings.filterwarnings("ignore", message=".*XDG_RUNTIME_DIR.*")
logging.getLogger("alembic").setLevel(logging.WARNING)
quiet_third_party_logs()

app = typer.Typer(help=__doc__, no_args_is_help=True, pretty_exceptions_enable=False)
app.add_typer(sandbox_cmd.app, name="sandbox")
app.add_typer(tenants_cmd.app, name="tenants")
app.add_typer(connectors_cmd.app, name="connectors")
app.add_typer(review_cmd.app, name="review")
app.add_typer(unify_cmd.app, name="unify")
app.add_typer(users_cmd.app, name="users")
value_cmd.register(mappings_cmd.app)  # value mappings live under `mappings`
app.add_typer(mappings_cmd.app, name="mappings")
app.add_typer(drift_cmd.app, name="drift")
app.add_typer(secrets_cmd.app, name="secrets")
app.add_typer(metrics_cmd.app, name="metrics")
app.command("materialize")(run_cmd.materialize)
app.command("demo")(run_cmd.demo)
app.command("ui")(run_cmd.ui)
app.command("map")(map_cmd.map_fields)
app.command("backfill")(backfill_cmd.backfill)
app.command("worker")(worker_cmd.worker)
app.command("serve")(serve_cmd.serve_api)
app.command("status")(status_cmd.status)
