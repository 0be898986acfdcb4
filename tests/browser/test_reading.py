"""A citizen's path through the portal in a real browser, on both back ends: search from the home page →
the dataset page → the preview's server-side paging and sorting → the district map → a real CSV download;
keyboard use (skip link, search without a mouse, visible focus) and the English switch."""

from __future__ import annotations

import csv
import io
import re
from urllib.parse import parse_qs, urlsplit

from playwright.sync_api import Page, expect

from incheon.hub.geo import DISTRICT_NAMES_EN, base_layers
from tests.browser.conftest import Live

DONGS = "incheon-admin-dong-centroids"  # 220 rows, a dong code (so a district key) and coordinates
PM = "plan-ii-41-pm10-pm25-seven-cities"


def _schema(live: Live, name: str) -> tuple[str, list[str]]:
    rid = live.hub.catalog.dataset(name)["resources"][0]["id"]
    return rid, [f["id"] for f in live.hub.catalog.version(rid)["schema"]]


def _column_ids(page: Page) -> list[str]:
    """The preview's column ids (each header link holds the id, then a <span> with the type)."""
    return page.eval_on_selector_all(
        "#preview thead th a", "links => links.map(a => a.firstChild.textContent.trim())"
    )


def _column(page: Page, index: int) -> list[str]:
    return page.eval_on_selector_all(
        "#preview tbody tr", "(rows, i) => rows.map(r => r.cells[i].textContent.trim())", index
    )


def _number(text: str) -> float:
    return float(text.replace(",", ""))


def test_search_dataset_preview_map_download(live: Live, page: Page) -> None:
    rid, columns = _schema(live, DONGS)

    # Home → search
    page.goto(live.url + "/")
    page.fill("#q", "행정동")
    page.press("#q", "Enter")
    page.wait_for_url(re.compile(r"/dataset\?q="))
    assert parse_qs(urlsplit(page.url).query)["q"] == ["행정동"]
    expect(page.locator("#facet-form")).to_be_visible()
    hit = page.locator(f"#results a[href='/dataset/{DONGS}']")
    expect(hit).to_be_visible()

    # → dataset page
    hit.click()
    page.wait_for_url(f"{live.url}/dataset/{DONGS}")
    expect(page.locator("h1")).to_have_text(live.hub.catalog.dataset(DONGS)["title"])

    # Preview: first page of the default size, rows in table order (_id 1..)
    preview = page.locator("#preview")
    expect(preview).to_be_visible()
    assert _column_ids(page) == columns
    size = int(page.locator("#limit").input_value())
    expect(page.locator("#preview tbody tr")).to_have_count(size)
    id_col = columns.index("_id")
    assert _column(page, id_col)[0] == "1"

    # Paging: page 2 comes from the server (a link, no script) and starts at row size + 1
    page.locator("#preview-region nav.pager a[href*='page=2']").click()
    page.wait_for_url(re.compile(r"[?&]page=2"))
    assert _column(page, id_col)[0] == str(size + 1)
    expect(page.locator("#preview-region nav.pager a[aria-current='page']")).to_contain_text("2")

    # Sorting by a numeric column: ascending, then descending, over the whole table (not just the page)
    x = columns.index("x")
    header = page.locator("#preview thead th").nth(x)
    header.locator("a").click()
    page.wait_for_url(re.compile(r"sort=x"))
    expect(page.locator("#preview thead th").nth(x)).to_have_attribute("aria-sort", "ascending")
    values = [_number(v) for v in _column(page, x)]
    assert values == sorted(values) and len(values) == size
    page.locator("#preview thead th").nth(x).locator("a").click()
    expect(page.locator("#preview thead th").nth(x)).to_have_attribute("aria-sort", "descending")
    values = [_number(v) for v in _column(page, x)]
    assert values == sorted(values, reverse=True)
    top = live.hub.datastore.search({"resource_id": rid, "sort": '"x" desc', "limit": 1})["records"][0]
    assert values[0] == top["x"]

    # Map: an inline SVG choropleth of the ten districts, named on the map
    svg = page.locator("svg#map")
    expect(svg).to_be_visible()
    box = svg.bounding_box()
    assert box is not None and box["width"] > 200 and box["height"] > 150
    expect(page.locator("#map path.district")).to_have_count(10)
    labels = page.locator("#map text").all_text_contents()
    assert sorted(labels) == sorted(base_layers().districts.values())
    for code, name in base_layers().districts.items():
        assert (page.locator(f"#sgg-{code}").get_attribute("aria-label") or "").startswith(name)

    # Download: a real download of the CSV (UTF-8 with BOM for Excel), every row
    link = page.locator("#downloads a.download-csv")
    assert link.get_attribute("href") == f"/download/{rid}.csv"
    with page.expect_download() as info:
        link.click()
    download = info.value
    assert download.failure() is None
    assert download.suggested_filename.endswith(".csv")
    data = open(download.path(), "rb").read()  # noqa: SIM115 - a short read
    assert data.startswith(b"\xef\xbb\xbf")
    rows = list(csv.reader(io.StringIO(data[3:].decode("utf-8"))))
    assert rows[0] == columns
    assert len(rows) == 1 + live.hub.catalog.version(rid)["rows"]


def _focused(page: Page) -> dict:
    return page.evaluate(
        """() => { const e = document.activeElement; const s = getComputedStyle(e);
        return {tag: e.tagName.toLowerCase(), id: e.id, cls: e.className, href: e.getAttribute('href'),
                outline: s.outlineStyle, shadow: s.boxShadow,
                visible: e.getBoundingClientRect().left >= 0 && e.getBoundingClientRect().width > 0}; }"""
    )


def _tab_to(page: Page, predicate, limit: int = 250) -> dict:  # type: ignore[no-untyped-def]
    for _ in range(limit):
        page.keyboard.press("Tab")
        now = _focused(page)
        if predicate(now):
            return now
    raise AssertionError(f"Tab never reached the element (last focus: {now})")


def test_skip_link_is_first_and_moves_focus_to_main(live: Live, page: Page) -> None:
    for path in ("/", f"/dataset/{DONGS}"):
        page.goto(live.url + path)
        page.keyboard.press("Tab")
        first = _focused(page)
        assert first["tag"] == "a" and "skip-link" in first["cls"] and first["href"] == "#main", first
        assert first["visible"], "the skip link must be visible when focused"
        assert first["outline"] != "none" or first["shadow"] != "none"
        page.keyboard.press("Enter")
        assert _focused(page)["id"] == "main"
        assert urlsplit(page.url).fragment == "main"


def test_search_with_the_keyboard_only(live: Live, page: Page) -> None:
    page.goto(live.url + "/")
    field = _tab_to(page, lambda f: f["id"] == "q")
    assert field["outline"] != "none" or field["shadow"] != "none", "focus must be visible"
    page.keyboard.type("미세먼지")
    page.keyboard.press("Enter")
    page.wait_for_url(re.compile(r"/dataset\?q="))
    assert parse_qs(urlsplit(page.url).query)["q"] == ["미세먼지"]
    target = f"/dataset/{PM}"
    link = _tab_to(page, lambda f: f["tag"] == "a" and f["href"] == target)
    assert link["outline"] != "none" or link["shadow"] != "none", "focus must be visible"
    page.keyboard.press("Enter")
    page.wait_for_url(live.url + target)
    expect(page.locator("h1")).to_have_text(live.hub.catalog.dataset(PM)["title"])


def test_english_switch(live: Live, page: Page, messages: dict[str, dict[str, str]]) -> None:
    ko, en = messages["ko"], messages["en"]
    page.goto(live.url + "/")
    expect(page.locator("html")).to_have_attribute("lang", "ko")
    expect(page.locator("h1")).to_have_text(ko["home.heading"])
    expect(page.locator(".skip-link")).to_have_text(ko["layout.skip"])

    page.locator(".lang-switch a[hreflang='en']").click()
    page.wait_for_url(re.compile(r"lang=en"))
    expect(page.locator("html")).to_have_attribute("lang", "en")
    expect(page.locator("h1")).to_have_text(en["home.heading"])
    expect(page.locator(".skip-link")).to_have_text(en["layout.skip"])
    expect(page.locator("label[for='q']")).to_have_text(en["search.label"])
    assert page.locator(".lang-switch a[hreflang='en']").get_attribute("aria-current") == "true"

    # The choice sticks: the next pages (no lang parameter) are English too, data titles included
    page.fill("#q", "인구")
    page.press("#q", "Enter")
    page.wait_for_url(re.compile(r"/dataset\?q="))
    expect(page.locator("html")).to_have_attribute("lang", "en")
    expect(page.locator("h1")).to_have_text(en["search.heading"])
    pkg = live.hub.catalog.dataset("plan-ii-23-population-by-district")
    page.goto(f"{live.url}/dataset/{pkg['name']}")
    expect(page.locator("h1")).to_have_text(pkg["title_en"])
    expect(page.locator("#preview-heading")).to_have_text(en["preview.heading"])
    assert sorted(page.locator("#map text").all_text_contents()) == sorted(DISTRICT_NAMES_EN.values())

    # And back to Korean
    page.locator(".lang-switch a[hreflang='ko']").click()
    page.wait_for_url(re.compile(r"lang=ko"))
    expect(page.locator("html")).to_have_attribute("lang", "ko")
    expect(page.locator("h1")).to_have_text(pkg["title"])
