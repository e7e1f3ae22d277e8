"""Run tags the asset graph's automation reads.

TENANT_TAG names the tenant a run works for (the run queue allows one run per value).
DOWNSTREAM_TAG marks a run whose launcher builds the mapping and canonical tables itself
(the CLI's load stage, followed by its map-and-build run; a drift repair, which includes the
tables it affects): declarative automation does not follow raw updates made by such a run,
so no second mapping run starts beside the launcher's own."""

TENANT_TAG = "tenant"
DOWNSTREAM_TAG = "autonomos/downstream"
DOWNSTREAM_OWN_RUN = "launcher"  # the value: the launcher builds downstream itself
REFRESH_TICK_TAG = "autonomos/refresh_tick"
