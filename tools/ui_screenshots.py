"""Screenshots of the Dagster UI after `autonomos demo`, as evidence of what it shows.

    autonomos demo                                    # with the same AUTONOMOS_HOME
    python -m tools.ui_screenshots --out shots/       # from the repo root

Starts what is missing (the embedded PostgreSQL, the sandbox APIs) and a Dagster webserver on
the project's instance and a free port (the dev code location, as `autonomos ui` does, without
the daemon so nothing is launched behind the shots), photographs each page of
`tools/ui_pages.PAGES` with headless Chromium (the Debian `chromium` package, driven by
Playwright: `pip install -e '.[ui-screenshots]'`, never `playwright install`), then stops all
it started. The webserver's log is left beside the shots.
"""

from __future__ import annotations

import argparse
import json
import re
import sys
import tempfile
import time
import urllib.request
import warnings
from pathlib import Path
from typing import Any

from tools.ui_pages import PAGES, Page, Shot, plan
from tools.ui_services import running_services

CHROMIUM = "/usr/bin/chromium"
# without the background-networking flags a closed network refuses the browser's connections
CHROMIUM_FLAGS = [
    "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
    "--disable-background-networking", "--disable-component-update", "--disable-sync",
]  # fmt: skip
WAIT_MS = 60_000


def graphql(base_url: str, query: str) -> dict[str, Any]:
    body = json.dumps({"query": query}).encode()
    request = urllib.request.Request(
        f"{base_url}/graphql", data=body, headers={"Content-Type": "application/json"}
    )
    with urllib.request.urlopen(request, timeout=30) as response:
        return json.load(response)["data"]


def asset_keys(base_url: str) -> set[str]:
    nodes = graphql(base_url, "{ assetNodes { assetKey { path } } }")["assetNodes"]
    return {"/".join(node["assetKey"]["path"]) for node in nodes}


def latest_run(base_url: str) -> str | None:
    """The newest successful run (the demo's), else the newest run of any status."""
    for status_filter in ("(filter: {statuses: [SUCCESS]}, limit: 1)", "(limit: 1)"):
        query = f"{{ runsOrError{status_filter} {{ ... on Runs {{ results {{ runId }} }} }} }}"
        runs = graphql(base_url, query)["runsOrError"].get("results") or []
        if runs:
            return runs[0]["runId"]
    return None


def open_materialize(page: Any) -> None:
    """Open the Materialize dialog (a partitioned asset: the partition picker), not launch."""
    page.get_by_role("button", name=re.compile("Materialize")).first.click()


ACTIONS = {"open_materialize": open_materialize}


def browser(user_data_dir: str, executable: str = CHROMIUM) -> Any:
    """A headless Chromium context on a fresh profile (close it, then stop the driver)."""
    from playwright.sync_api import sync_playwright

    driver = sync_playwright().start()
    context = driver.chromium.launch_persistent_context(
        user_data_dir,
        executable_path=executable,
        args=CHROMIUM_FLAGS,
        headless=True,
        viewport={"width": 1600, "height": 1000},
    )
    # Dagster's "join the community" dialog covers the page on a fresh profile on localhost
    context.add_init_script("localStorage.setItem('communityNux', JSON.stringify('1'))")
    return driver, context


def take(page: Any, shot: Shot, out: Path) -> Path:
    """Open the shot's URL, do its action, wait for its real content, photograph it."""
    from playwright.sync_api import expect

    # Dagster scrolls inside its panes, so a taller window is what shows a whole page
    page.set_viewport_size({"width": 1600, "height": shot.page.height})
    page.goto(shot.url)
    if shot.page.action:
        ACTIONS[shot.page.action](page)
    page.get_by_text(shot.ready).first.wait_for()
    if shot.page.settled:
        expect(page.get_by_text(shot.page.settled)).to_have_count(0, timeout=WAIT_MS)
    target = out / f"{shot.page.name}.png"
    page.screenshot(path=str(target))
    return target


def photograph(base_url: str, out: Path, tenant: str, pages: tuple[Page, ...]) -> list[str]:
    """Take every planned shot into ``out``; returns one line per shot or skipped page (a
    page that never shows its content is photographed as it is, as <name>.FAILED.png)."""
    from playwright.sync_api import Error as PlaywrightError

    shots, lines = plan(base_url, pages, asset_keys(base_url), tenant, latest_run(base_url))
    with tempfile.TemporaryDirectory(prefix="ui-shots-profile-") as profile:
        driver, context = browser(profile)
        try:
            page = context.new_page()
            page.set_default_timeout(WAIT_MS)  # clicks and waits; a cold code location is slow
            for shot in shots:
                started = time.monotonic()
                try:
                    target = take(page, shot, out)
                except PlaywrightError as error:  # the other pages are still worth taking
                    page.screenshot(path=str(out / f"{shot.page.name}.FAILED.png"))
                    failed = str(error).splitlines()[0]
                    lines.append(f"{shot.page.name}: FAILED at {shot.url}: {failed}")
                    continue
                lines.append(f"{target.name}: {shot.url} ({time.monotonic() - started:.1f}s)")
        finally:
            context.close()
            driver.stop()
    return lines


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--out", type=Path, default=Path("ui-screenshots"), help="folder")
    parser.add_argument("--tenant", default="demo", help="the partition the pages show")
    parser.add_argument("--only", default="", help="comma-separated shot names (default: all)")
    args = parser.parse_args(argv)
    # platformdirs' notice on a machine without a login session (pgserver imports it)
    warnings.filterwarnings("ignore", message=".*XDG_RUNTIME_DIR")
    if not Path(CHROMIUM).exists():
        print(f"no {CHROMIUM}: apt-get install chromium", file=sys.stderr)
        return 2
    wanted = set(filter(None, args.only.split(",")))
    pages = tuple(page for page in PAGES if not wanted or page.name in wanted)
    if wanted - {page.name for page in pages}:
        print(
            f"no such shot: {', '.join(sorted(wanted - {p.name for p in pages}))}", file=sys.stderr
        )
        return 2
    args.out.mkdir(parents=True, exist_ok=True)
    started = time.monotonic()
    with running_services(args.out / "webserver.log") as base_url:
        print(f"Dagster webserver on {base_url} ({time.monotonic() - started:.1f}s)")
        lines = photograph(base_url, args.out, args.tenant, pages)
    print("\n".join(lines))
    print(f"done in {time.monotonic() - started:.1f}s; shots in {args.out}")
    return 1 if any("FAILED" in line for line in lines) else 0


if __name__ == "__main__":
    sys.exit(main())
