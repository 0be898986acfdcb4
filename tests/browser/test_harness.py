"""The harness itself: Debian's chromium starts, pages are served by the live server, the off-machine guard
catches and aborts a request to another host, and axe-core is installed."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from playwright.sync_api import Browser, Page

from tests.browser.conftest import AXE_JS, CHROMIUM, Live, OffMachine


def test_chromium_and_axe_are_installed() -> None:
    assert Path(CHROMIUM).is_file() and AXE_JS.is_file()


def test_guard_aborts_and_records_foreign_requests(browser: Browser) -> None:
    ctx = browser.new_context()
    guard = OffMachine()
    ctx.route("**/*", guard.route)
    page = ctx.new_page()
    page.on("request", guard.request)
    page.set_content('<img src="http://offsite.invalid/pixel.png" alt="">')
    page.wait_for_load_state("load")
    ctx.close()
    assert guard.foreign == ["http://offsite.invalid/pixel.png"]


def test_live_server_serves_the_seeded_api(live: Live, page: Page) -> None:
    response = page.goto(f"{live.url}/api")
    assert response is not None and response.ok
    assert "package_search" in page.content()


def test_axe_reports_a_known_violation(page: Page, axe: Callable[[Page], list[dict]]) -> None:
    """The accessibility check is not vacuous: an image without alt text and an unlabelled field fail."""
    page.set_content('<html lang="ko"><body><main><img src="data:,"><input id="x"></main></body></html>')
    ids = {v["id"] for v in axe(page)}
    assert {"image-alt", "label"} <= ids
