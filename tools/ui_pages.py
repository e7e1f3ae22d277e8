"""The Dagster UI pages `tools/ui_screenshots.py` photographs: one row of `PAGES` per shot.

Kept free of Dagster and the browser so the plan (which URL, which page is skipped and why)
is testable on its own. A row names the asset its page is about (candidates, first present
wins); a page whose asset the code location lacks is skipped with one line saying so.
"""

from __future__ import annotations

from dataclasses import dataclass
from urllib.parse import quote


@dataclass(frozen=True)
class Page:
    name: str  # the shot's file name, without .png
    path: str  # URL path and query; {asset}, {tenant} and {run_id} are filled in
    ready: str  # text the page shows once its real content (not a spinner) is there
    assets: tuple[str, ...] = ()  # keys the page may be about, first present wins
    settled: str = ""  # a loading marker that must be gone too, where the ready text is early
    action: str = ""  # an interaction before the shot, see ui_screenshots.ACTIONS
    height: int = 1000  # of the window: Dagster's panes scroll inside it, not the page


PAGES: tuple[Page, ...] = (
    Page("01_lineage", "/asset-groups", "raw_revops", settled="fetching statuses"),
    # "Storage": the table name; no "Linked asset" any more (two connectors' deals differ)
    Page("02_raw_deals", "/assets/{asset}", "Storage", ("raw/pipedrive/deals",), height=1300),
    Page(
        "03_raw_metadata",
        "/assets/{asset}?view=partitions&partition={tenant}",
        "rows_loaded",
        ("raw/pipedrive/deals",),
        height=2000,
    ),
    Page(
        "04_raw_checks",
        "/assets/{asset}?view=checks&checkDetail=schema_changes",
        "schema_changes",
        ("raw/pipedrive/deals",),
        height=1400,
    ),
    Page(
        "05_canonical_checks",
        "/assets/{asset}?view=checks&checkDetail=lost_source_fields",
        "lost_source_fields",
        ("canonical/opportunity", "canonical/account"),
        height=1400,
    ),
    Page(
        "06_mappings_metadata",
        "/assets/{asset}?view=partitions&partition={tenant}",
        "usage_30d_",
        ("dcl/field_mappings",),
        height=2600,
    ),
    Page(
        "07_materialize_dialog",
        "/assets/{asset}",
        "Partition selection",
        ("canonical/opportunity", "canonical/account"),
        action="open_materialize",
    ),
    Page("08_run_logs", "/runs/{run_id}", "RUN_SUCCESS", height=1300),
    Page(
        "09_status",
        "/assets/{asset}?view=partitions&partition={tenant}",
        "{tenant}",
        ("ops/status", "status"),
        height=2000,
    ),
)


@dataclass(frozen=True)
class Shot:
    page: Page
    url: str
    ready: str


def plan(
    base_url: str, pages: tuple[Page, ...], assets: set[str], tenant: str, run_id: str | None
) -> tuple[list[Shot], list[str]]:
    """The shots to take and one line per page skipped (its asset or a run is missing)."""
    shots: list[Shot] = []
    skipped: list[str] = []
    for page in pages:
        present = [key for key in page.assets if key in assets]
        if page.assets and not present:
            skipped.append(f"{page.name}: skipped, no asset {' or '.join(page.assets)}")
            continue
        if "{run_id}" in page.path and not run_id:
            skipped.append(f"{page.name}: skipped, no finished run to show")
            continue
        path = page.path.format(
            asset="/".join(quote(part, safe="") for part in present[0].split("/"))
            if present
            else "",
            tenant=quote(tenant, safe=""),
            run_id=run_id or "",
        )
        shots.append(Shot(page, base_url.rstrip("/") + path, page.ready.format(tenant=tenant)))
    return shots, skipped
