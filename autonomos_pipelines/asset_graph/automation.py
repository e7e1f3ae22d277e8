"""The declarative automation condition of the mapping asset and the canonical tables: a
tenant's partition is requested once any raw table (or the mapping) of that tenant updated,
in one run per tick for the mapping and every canonical table together.

Not `AutomationCondition.eager()`: the mapping asset depends on every connector's raw tables
and a tenant has only some of them, so eager's "no dependency missing" would never hold.
Updates made by a run that builds downstream itself are not followed: one that already
executed the target (`executed_with_root_target`), or one tagged DOWNSTREAM_TAG (the CLI's load
stage and drift repairs), so automation never starts a second mapping run beside theirs."""

from dagster import AutomationCondition

from autonomos_pipelines.asset_graph.run_tags import DOWNSTREAM_OWN_RUN, DOWNSTREAM_TAG

_updated_for_automation = (
    AutomationCondition.newly_updated()
    & ~AutomationCondition.executed_with_root_target()
    & ~AutomationCondition.executed_with_tags(tag_values={DOWNSTREAM_TAG: DOWNSTREAM_OWN_RUN})
).with_label("updated by a run that leaves downstream to automation")

FOLLOWS_UPSTREAM = (
    AutomationCondition.any_deps_match(
        _updated_for_automation | AutomationCondition.will_be_requested()
    )
    .with_label("any_deps_updated")
    .since_last_handled()
    & ~AutomationCondition.any_deps_in_progress()
    & ~AutomationCondition.in_progress()
).with_label("follows_upstream")
