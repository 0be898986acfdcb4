"""The harness itself: Debian's chromium starts, pages are served by the live server, the off-machine guard
catches and aborts a request to another host, and axe-core runs."""

from __future__ import annotations

from tests.browser.conftest import AXE_JS, CHROMIUM, OffMachine


def test_chromium_and_axe_are_installed() -> None:
    assert CHROMIUM and AXE_JS.exists()


def test_guard_aborts_and_records_foreign_requests(browser: object) -> None:
    ctx = browser.new_context()  # type: ignore[attr-defined]
    guard = OffMachine()
    ctx.route("**/*", guard.route)
    page = ctx.new_page()
    page.on("request", guard.request)
    page.set_content('<img src="http://offsite.invalid/pixel.png" alt="">')
    page.wait_for_load_state("load")
    ctx.close()
    assert guard.foreign == ["http://offsite.invalid/pixel.png"]


def test_live_server_serves_the_seeded_api(live, page) -> None:  # type: ignore[no-untyped-def]
    response = page.goto(f"{live.url}/api")
    assert response is not None and response.ok
    assert "package_search" in page.content()
