"""The Celery app `autonomos worker` serves (``celery -A`` points here): dagster-celery's step
and run tasks, on the broker, result backend and delivery settings the Definitions' celery
executor uses, so a step submitted by any run is understood by any worker."""

from __future__ import annotations

import importlib

from dagster._core.execution.retries import RetryMode
from dagster_celery.executor import CeleryExecutor
from dagster_celery.make_app import make_app
from dagster_celery.tasks import create_execute_job_task, create_resume_job_task, create_task

from autonomos_pipelines.asset_graph.execution import celery_config, refuse_celery_without_services
from autonomos_pipelines.core.settings import (
    Settings,
    get_settings,
    offline_models,
    provide_env_defaults,
    quiet_third_party_logs,
)
from resources import env_variables, from_environment


def build_app(settings: Settings):  # noqa: ANN201 - celery.Celery is untyped
    refuse_celery_without_services(settings)
    executor = CeleryExecutor(
        retries=RetryMode(RetryMode.DISABLED),  # the run's executor config decides retries
        broker=settings.redis_url,
        backend=settings.redis_url,
        config_source=celery_config(settings),
    )
    return make_app(executor.app_args())


# Steps resolve their resources' EnvVars in this process: unset means the embedded default.
provide_env_defaults(env_variables(from_environment()))
offline_models()
quiet_third_party_logs()
app = build_app(get_settings())
# Imported once here, before Celery forks its pool: each pool process inherits the loaded
# libraries and Definitions instead of spending its first step importing them.
importlib.import_module("autonomos_pipelines.definitions")
execute_plan = create_task(app)
execute_job = create_execute_job_task(app)
resume_job = create_resume_job_task(app)
