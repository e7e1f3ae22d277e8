"""tools/ui_screenshots.py: the page plan without a browser; the browser path on one local page
(skipped where Chromium or Playwright is absent: they are the `ui-screenshots` extra, not CI's)."""

from __future__ import annotations

import base64
import importlib.util
import struct
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest

from tools.ui_pages import PAGES, Page, plan

BASE = "http://127.0.0.1:3999"
DEMO_ASSETS = {
    "raw/pipedrive/deals",
    "dcl/field_mappings",
    "canonical/opportunity",
    "canonical/account",
}


def test_the_plan_fills_in_each_page_and_skips_a_missing_asset_by_name():
    shots, skipped = plan(BASE + "/", PAGES, DEMO_ASSETS, "demo", "r-1")

    urls = {shot.page.name: shot.url for shot in shots}
    assert urls["02_raw_deals"] == f"{BASE}/assets/raw/pipedrive/deals"
    assert (
        urls["03_raw_metadata"]
        == f"{BASE}/assets/raw/pipedrive/deals?view=partitions&partition=demo"
    )
    assert urls["08_run_logs"] == f"{BASE}/runs/r-1"
    assert skipped == ["09_status: skipped, no asset ops/status or status"]
    assert len(shots) + len(skipped) == len(PAGES)


def test_the_first_present_candidate_asset_wins_and_key_parts_are_quoted():
    page = Page("p", "/assets/{asset}?partition={tenant}", "{tenant}", ("ops/status", "st atus"))
    shots, skipped = plan(BASE, (page,), {"st atus", "ops/other"}, "acme_2", None)

    assert skipped == []
    assert [(shot.url, shot.ready) for shot in shots] == [
        (f"{BASE}/assets/st%20atus?partition=acme_2", "acme_2")
    ]


def test_a_run_page_without_any_run_is_skipped_with_a_reason():
    shots, skipped = plan(BASE, PAGES, DEMO_ASSETS | {"status"}, "demo", None)

    assert "08_run_logs" not in {shot.page.name for shot in shots}
    assert skipped == ["08_run_logs: skipped, no finished run to show"]
    assert [s.url for s in shots if s.page.name == "09_status"] == [
        f"{BASE}/assets/status?view=partitions&partition=demo"
    ]


# the browser decodes the shot itself (no image library needed): one pixel's RGBA
READ_PIXEL = """async (data) => {
    const image = new Image();
    image.src = "data:image/png;base64," + data;
    await image.decode();
    const canvas = document.createElement("canvas");
    canvas.width = image.width;
    canvas.height = image.height;
    const context = canvas.getContext("2d");
    context.drawImage(image, 0, 0);
    return Array.from(context.getImageData(800, 500, 1, 1).data);
}"""


class SlowPage(BaseHTTPRequestHandler):
    """A page whose content arrives after the load event, as the Dagster UI's does."""

    BODY = (
        b"<html><body><p>loading</p><script>setTimeout(() => document.body.innerHTML = "
        b'\'<h1 style="position:fixed;inset:0;margin:0;background:#008000">mappings ready'
        b"</h1>', 1200)</script></body></html>"
    )

    def do_GET(self) -> None:
        self.send_response(200)
        self.send_header("Content-Type", "text/html")
        self.send_header("Content-Length", str(len(self.BODY)))
        self.end_headers()
        self.wfile.write(self.BODY)

    def log_message(self, *args: object) -> None:
        pass


@pytest.mark.e2e
@pytest.mark.skipif(
    not Path("/usr/bin/chromium").exists() or importlib.util.find_spec("playwright") is None,
    reason="needs /usr/bin/chromium and playwright (the ui-screenshots extra)",
)
def test_the_browser_waits_for_a_local_page_and_photographs_it(tmp_path):
    from tools.ui_screenshots import browser, take

    server = ThreadingHTTPServer(("127.0.0.1", 0), SlowPage)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    base = f"http://127.0.0.1:{server.server_address[1]}"
    (shot,), _ = plan(base, (Page("local", "/", "mappings ready", height=700),), set(), "t", None)
    driver, context = browser(str(tmp_path / "profile"))
    try:
        page = context.new_page()
        page.set_default_timeout(8_000)
        target = take(page, shot, tmp_path)
        png = target.read_bytes()
        pixel = page.evaluate(READ_PIXEL, base64.b64encode(png).decode())
    finally:
        context.close()
        driver.stop()
        server.shutdown()

    assert png[:8] == b"\x89PNG\r\n\x1a\n"
    assert struct.unpack(">II", png[16:24]) == (1600, 700)  # the page's window height
    assert pixel[:3] == [0, 128, 0]  # the content that came late, not "loading" on white
