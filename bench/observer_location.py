"""The observe job for bench/observer_capacity.py: the dev code location's resources (the
sandbox plugged in) with dagster-celery's executor on a Redis broker, or steps in the run's
own process. Run workers and Celery workers import this module (bench/ on PYTHONPATH)."""

from __future__ import annotations

from dagster import Definitions, JobDefinition
from dagster_celery import celery_executor

from autonomos_pipelines.sandbox.definitions import sandbox_resources
from mapping_assets.observe import build_observe_job

# the broker comes from the run's environment, resolved by Dagster (StringSource)
BROKER = {"env": "BENCH_CELERY_BROKER"}
_celery = Definitions(
    jobs=[build_observe_job(celery_executor.configured({"broker": BROKER, "backend": BROKER}))],
    resources=sandbox_resources(),
)
_local = Definitions(jobs=[build_observe_job()], resources=sandbox_resources())


def celery_observe() -> JobDefinition:
    return _celery.resolve_job_def("observe")


def local_observe() -> JobDefinition:
    return _local.resolve_job_def("observe")
