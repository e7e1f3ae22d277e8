"""One tenant's status in seven panels — connector health, sync freshness, mapping coverage and
review queue, drift, quotas and usage, LLM cost, failures — as data. `autonomos status`, the
`ops/status` asset in the Dagster UI and GET /v1/tenants/{t}/status format the same
`TenantStatus`; gathering it composes AAM, the DCL and the core and never imports Dagster (the
failures panel reads runs through a `FailureSource` its caller passes in)."""
