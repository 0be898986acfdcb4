"""axe-core (WCAG 2.1 A and AA rules) finds no violation on the portal's pages, in Korean and English, on
both back ends: home, search results, a dataset page (preview, chart, map), the plan, log-in, and the
publisher's pages (the upload form empty, after a dry run with the inferred schema and quality report,
and after a refused file with its error table)."""

from __future__ import annotations

import uuid
from collections.abc import Callable
from pathlib import Path

import pytest
from playwright.sync_api import Page

from incheon.hub.auth import Principal
from tests.browser.conftest import Live, Publisher, format_violations, login

PAGES = [
    "/",
    "/dataset?q=인구",
    "/dataset?q=인구&theme=administration&district=28237",
    "/dataset/plan-ii-23-population-by-district",
    "/dataset/incheon-admin-dong-centroids?page=2&sort=x+desc",
    "/plan",
    "/login",
    "/?lang=en",
    "/dataset/plan-ii-23-population-by-district?lang=en",
    "/plan?lang=en",
]

Axe = Callable[[Page], list[dict]]


def _assert_clean(page: Page, axe: Axe, what: str) -> None:
    violations = axe(page)
    assert not violations, f"{what}: WCAG 2.1 A/AA violations\n{format_violations(violations)}"


@pytest.mark.parametrize("path", PAGES)
def test_reading_pages(live: Live, page: Page, axe: Axe, path: str) -> None:
    response = page.goto(live.url + path)
    assert response is not None and response.ok, path
    _assert_clean(page, axe, path)


def test_publisher_pages(live: Live, page: Page, axe: Axe, publisher: Publisher, tmp_path: Path) -> None:
    admin = Principal(user_id="t", name="browser-test-admin", sysadmin=True)
    name = f"a11y-{uuid.uuid4().hex[:8]}"
    live.hub.catalog.create_dataset(admin, {"name": name, "title": "접근성 점검", "owner_org": publisher.org})
    good = tmp_path / "good.csv"
    good.write_bytes("시군구코드,시설명,개소수\n28110,가,1\n28140,나,\n28177,다,3\n".encode("cp949"))
    bad = tmp_path / "bad.csv"
    bad.write_bytes("시군구코드,시설명,개소수\n28110,가,1\n28140,나,2,3\n".encode("cp949"))

    login(page, live, publisher.key)
    _assert_clean(page, axe, "/publish")
    page.goto(f"{live.url}/publish/{name}/upload")
    _assert_clean(page, axe, "upload form")
    page.set_input_files("#file", str(good))
    page.locator("#upload button[value=check]").click()
    page.locator("#check-result").wait_for()
    _assert_clean(page, axe, "upload: dry run with schema and quality report")
    page.set_input_files("#file", str(bad))
    page.locator("#upload button[value=check]").click()
    page.locator("#upload-error").wait_for()
    _assert_clean(page, axe, "upload: refused file with its error table")
