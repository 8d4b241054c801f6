"""The HTML report in a real browser: headless Chromium (Debian's), driven by Playwright.

Only the system browser is used: Playwright never downloads one. Without /usr/bin/chromium the
test is skipped, except under CI (``CI`` set), where it fails: CI installs Chromium.
"""

from __future__ import annotations

import os
import re
from pathlib import Path

import pytest

from reports.html import render_html

CHROMIUM = Path("/usr/bin/chromium")
FLAGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]


@pytest.fixture
def browser_context(tmp_path):
    if not CHROMIUM.exists():
        message = f"{CHROMIUM} is missing: apt-get install -y chromium"
        if os.environ.get("CI"):
            pytest.fail(message)
        pytest.skip(message)
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        context = p.chromium.launch_persistent_context(
            str(tmp_path / "profile"),  # a fresh --user-data-dir
            executable_path=str(CHROMIUM),
            headless=True,
            args=FLAGS,
            viewport={"width": 1400, "height": 1000},
        )
        try:
            yield context
        finally:
            context.close()


def test_report_opens_offline_filters_and_screenshots(document, browser_context, tmp_path):
    page_file = tmp_path / "report.html"
    page_file.write_text(render_html(document), encoding="utf-8")
    page = browser_context.new_page()
    requests, failed, problems = [], [], []
    page.on("request", lambda r: requests.append(r.url))
    page.on("requestfailed", lambda r: failed.append(r.url))
    page.on(
        "console", lambda m: problems.append(m.text) if m.type in ("error", "warning") else None
    )
    page.on("pageerror", lambda e: problems.append(str(e)))

    page.goto(page_file.as_uri())
    page.wait_for_load_state("load")
    assert requests == [page_file.as_uri()]  # the file itself, nothing else
    assert failed == [] and problems == []
    assert page.locator("#pillar-charts canvas").count() == 4  # one uPlot chart per pillar

    rows = page.locator("table.heat tbody tr")
    assert rows.count() == len(document["services"])
    visible = page.locator("table.heat tbody tr:not([hidden])")
    page.select_option("select[name=domain]", "payments")
    assert visible.count() == 3
    assert page.locator("#shown").inner_text() == "3 services shown"
    page.check("input[name=gt]")
    assert visible.count() == 2  # payments-api and ledger
    assert page.locator("#svc-invoices").is_hidden()

    # Keyboard: focus a service's summary, Enter opens it and builds its detail.
    page.focus("#svc-payments-api > summary")
    page.keyboard.press("Enter")
    detail = page.locator("#svc-payments-api .body")
    # The detail is built by the toggle event after the key press: wait for it (up to 10 s).
    detail.get_by_text("To reach").first.wait_for(timeout=10_000)
    assert "To reach" in detail.inner_text()
    links = detail.locator("a[href^='https://github.com/example/payments-api/blob/']")
    assert links.count() > 0
    assert re.search(r"#L\d+$", links.first.get_attribute("href") or "")
    assert page.locator("#svc-payments-api .body canvas").count() == 1

    page.select_option("#granularity", "nightly")
    assert problems == [] and failed == []

    shot = tmp_path / "report.png"
    page.locator("#svc-payments-api").scroll_into_view_if_needed()
    page.screenshot(path=str(shot), full_page=False)
    assert shot.stat().st_size > 10_000
    pdf = page.emulate_media(media="print")
    assert pdf is None and page.locator("#filters").is_hidden()
    keep = os.environ.get("FUNDAMENTALS_REPORT_SCREENSHOT")
    if keep:
        Path(keep).write_bytes(shot.read_bytes())
