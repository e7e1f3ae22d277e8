"""One pass of the schema observer as the daemon and its workers would make it in the dev code
location (resources from the environment, the sandbox plugged in): the sensor plans observe
runs, they execute in-process, and the sensor's next evaluation requests the repairs."""

from __future__ import annotations

from dataclasses import dataclass, field

from dagster import AssetObservation, RunRequest, SensorResult, build_sensor_context

from autonomos_pipelines.sandbox.definitions import sandbox_definitions, sandbox_resources
from mapping_assets.raw.observer_sensor import schema_observer


@dataclass
class ObserverPass:
    run_requests: list[RunRequest]  # the repair runs requested after observing
    asset_events: list[AssetObservation]
    cursor: str
    observed: int = 0
    failed: int = 0
    failures: list[str] = field(default_factory=list)


def evaluate(instance, cursor: str | None = None) -> SensorResult:
    resources = sandbox_resources()
    with build_sensor_context(
        instance=instance,
        cursor=cursor,
        resources={name: resources[name] for name in ("registry", "connectors")},
    ) as context:
        return schema_observer(context)


def observe_runs(result: SensorResult) -> list[RunRequest]:
    return [r for r in result.run_requests or [] if r.job_name == "observe"]


def tick(instance, settings, cursor: str | None = None) -> ObserverPass:  # noqa: ARG001
    planned = evaluate(instance, cursor)
    job = sandbox_definitions().resolve_job_def("observe")
    done = ObserverPass([], [], "")
    for request in observe_runs(planned):
        result = job.execute_in_process(
            run_config=request.run_config, instance=instance, tags=request.tags
        )
        done.asset_events += [
            e.event_specific_data.asset_observation  # type: ignore[union-attr]
            for e in result.all_events
            if e.event_type_value == "ASSET_OBSERVATION"
        ]
        totals = result.output_for_node("observe_totals")
        done.observed += totals["observed"]
        done.failed += totals["failed"]
    after = evaluate(instance, planned.cursor)
    done.run_requests = [r for r in after.run_requests or [] if r.job_name != "observe"]
    done.cursor = after.cursor or ""
    return done
