"""Drift observation as Dagster work: the `observe` job (one step per connector batch) and the
plan that cuts a tick's tenants and connectors into its runs."""

from mapping_assets.observe.job import OBSERVE_JOB, build_observe_job, observe_job

__all__ = ["OBSERVE_JOB", "build_observe_job", "observe_job"]
