"""Checks evaluated per tenant partition.

A check with `partitions_def` is a preview API in Dagster 1.13 (PreviewWarning on every
definition) with no stable alternative: without it a check on a tenant-partitioned asset has
one status for all tenants, and one tenant's failure would show on every other tenant. We keep
it and silence exactly that notice, only where these checks are defined."""

from __future__ import annotations

import warnings
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any

from dagster import AssetChecksDefinition, AssetCheckSpec, PreviewWarning, asset_check

from autonomos_pipelines.asset_graph.partitions import tenants_partitions

PREVIEW_NOTICE = "Specifying a partitions_def on an AssetCheckSpec is currently in preview"


@contextmanager
def partitioned_checks_preview() -> Iterator[None]:
    with warnings.catch_warnings():
        warnings.filterwarnings("ignore", message=PREVIEW_NOTICE, category=PreviewWarning)
        yield


def tenant_check_spec(name: str, **kwargs: Any) -> AssetCheckSpec:
    """An AssetCheckSpec per tenant partition."""
    with partitioned_checks_preview():
        return AssetCheckSpec(name, partitions_def=tenants_partitions, **kwargs)


def tenant_asset_check(**kwargs: Any) -> Callable[[Callable[..., Any]], AssetChecksDefinition]:
    """`@asset_check` per tenant partition."""

    def decorate(check_fn: Callable[..., Any]) -> AssetChecksDefinition:
        with partitioned_checks_preview():
            return asset_check(partitions_def=tenants_partitions, **kwargs)(check_fn)

    return decorate
