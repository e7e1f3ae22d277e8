"""The declarative automation conditions of the mapping asset and the canonical tables: a
tenant's mapping is requested once its raw tables updated and none is still loading, and its
canonical tables with it (or once the mapping updated), in one run per tick together.

Not `AutomationCondition.eager()`: the mapping asset depends on every connector's raw tables
and a tenant has only some of them, so eager's "no dependency missing" would never hold.
Updates made by a run that builds downstream itself are not followed: one that already
executed the target (`executed_with_root_target`), or one tagged DOWNSTREAM_TAG (the CLI's load
stage and drift repairs), so automation never starts a second mapping run beside theirs."""

from dagster import AssetSelection, AutomationCondition

from autonomos_pipelines.asset_graph.keys import FIELD_MAPPINGS_KEY
from autonomos_pipelines.asset_graph.run_tags import DOWNSTREAM_OWN_RUN, DOWNSTREAM_TAG

_updated_for_automation = (
    AutomationCondition.newly_updated()
    & ~AutomationCondition.executed_with_root_target()
    & ~AutomationCondition.executed_with_tags(tag_values={DOWNSTREAM_TAG: DOWNSTREAM_OWN_RUN})
).with_label("updated by a run that leaves downstream to automation")


def _follows(updated: AutomationCondition) -> AutomationCondition:
    return (
        updated.since_last_handled()
        & ~AutomationCondition.any_deps_in_progress()
        & ~AutomationCondition.in_progress()
    ).with_label("follows_upstream")


_dep_updated = _updated_for_automation | AutomationCondition.will_be_requested()
# The mapping asset: once none of the tenant's raw tables is still being loaded.
FOLLOWS_UPSTREAM = _follows(
    AutomationCondition.any_deps_match(_dep_updated).with_label("any_deps_updated")
)
# A canonical table: with the mapping it reads, never on its own raw tables alone. Else a
# long load whose first connectors are done would have the table built on the old mappings
# while the rest still load, and built again after (several runs per refresh, measured).
FOLLOWS_MAPPINGS = _follows(
    AutomationCondition.any_deps_match(_dep_updated)
    .allow(AssetSelection.assets(FIELD_MAPPINGS_KEY))
    .with_label("field_mappings_updated")
)
