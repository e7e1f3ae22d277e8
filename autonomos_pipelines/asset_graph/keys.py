"""Asset keys shared across the asset modules and quality checks."""

from dagster import AssetKey

FIELD_MAPPINGS_KEY = AssetKey(["dcl", "field_mappings"])


def raw_key(connector: str, table: str) -> AssetKey:
    return AssetKey(["raw", connector, table])


def canonical_key(entity: str) -> AssetKey:
    return AssetKey(["canonical", entity])


# the tenant's status view (seven panels), reported at the end of each tenant run
STATUS_KEY = AssetKey(["ops", "status"])


def unified_key(table: str) -> AssetKey:
    """Entity unification: `unified/account`, `unified/account_crosswalk`, `unified/linked`."""
    return AssetKey(["unified", table])
