"""The publisher's flow in a real browser, on both back ends: log in with an API key, create a dataset,
upload a CP949 CSV, read the inferred schema and the validation and quality result of the dry run, fix a
column type, publish, and find the new data on the dataset page; a ragged row is refused with its line."""

from __future__ import annotations

import re
import uuid
from pathlib import Path

from playwright.sync_api import Page, expect

from incheon.hub.auth import Principal
from tests.browser.conftest import Live, Publisher, login

CODES = ["28110", "28140", "28177", "28185", "28200", "28237", "28245", "28260", "28710", "28720"]
ROWS = 30


def _shelters_cp949(path: Path) -> Path:
    """30 shelters: a district code, a Korean name, a year (inferred as a number), a count, an id with
    leading zeros. Written in CP949, as Korean public files often are."""
    lines = ["시군구코드,시설명,기준연도,개소수,관리번호"]
    lines += [f"{CODES[i % 10]},무더위쉼터 {i}호,2023,{i % 7 + 1},{i:06d}" for i in range(ROWS)]
    path.write_bytes(("\r\n".join(lines) + "\r\n").encode("cp949"))
    return path


def _types(page: Page) -> dict[str, str]:
    return {
        (s.get_attribute("name") or "")[len("type.") :]: s.input_value()
        for s in page.locator("#schema select").all()
    }


def _error_rows(page: Page) -> list[list[str]]:
    return page.eval_on_selector_all(
        "#upload-errors tbody tr", "rows => rows.map(r => [...r.cells].map(c => c.textContent.trim()))"
    )


def test_publisher_flow(live: Live, page: Page, publisher: Publisher, tmp_path: Path) -> None:
    csv_file = _shelters_cp949(tmp_path / "무더위쉼터.csv")
    login(page, live, publisher.key)
    expect(page.locator(".who")).to_contain_text(publisher.user)

    # Create the dataset
    name = f"shelters-{uuid.uuid4().hex[:8]}"
    page.select_option("#owner_org", publisher.org)
    page.fill("#name", name)
    page.fill("#title", "무더위쉼터 현황")
    page.fill("#title_en", "Heat shelters")
    page.check("#g-safety")
    page.locator("#create-dataset button[type=submit]").click()
    page.wait_for_url(f"{live.url}/publish/{name}/upload")
    expect(page.locator("form#upload")).to_be_visible()

    # Dry run: the file is checked, not published
    page.set_input_files("#file", str(csv_file))
    page.select_option("#encoding", "cp949")
    page.locator("#upload button[value=check]").click()
    expect(page.locator("#check-result")).to_be_visible()
    summary = page.locator("#check-result [role=status]").inner_text()
    assert str(ROWS) in summary and "cp949" in summary.lower()
    assert _types(page) == {
        "시군구코드": "VARCHAR",
        "시설명": "VARCHAR",
        "기준연도": "BIGINT",
        "개소수": "BIGINT",
        "관리번호": "VARCHAR",
    }
    score = page.locator("#check-result .score-n").inner_text()
    assert 0 <= float(score) <= 100
    expect(page.locator("#check-result table.quality-table tbody tr")).to_have_count(4)
    assert live.hub.catalog.dataset(name)["resources"] == []  # nothing published by a check

    # A wrong type is refused cell by cell, with row, file line, column and value
    page.select_option("select[name='type.시설명']", "BIGINT")
    page.locator("#upload button[value=check]").click()
    expect(page.locator("#upload-error")).to_be_visible()
    expect(page.locator("#publish-button")).to_have_count(0)
    first = _error_rows(page)[0]
    assert first[:4] == ["1", "2", "시설명", "무더위쉼터 0호"]

    # Fix the types (the name back to text; the year as text, not a number) and check again
    page.select_option("select[name='type.시설명']", "VARCHAR")
    page.select_option("select[name='type.기준연도']", "VARCHAR")
    page.locator("#upload button[value=check]").click()
    expect(page.locator("#check-result")).to_be_visible()
    expect(page.locator("#upload-error")).to_have_count(0)
    assert _types(page)["기준연도"] == "VARCHAR"

    # Publish → the dataset page shows the new version and its data
    page.locator("#publish-button").click()
    page.wait_for_url(re.compile(rf"/dataset/{name}\?.*published=1"))
    expect(page.locator(".notice-ok[role=status]")).to_be_visible()
    expect(page.locator("h1")).to_have_text("무더위쉼터 현황")
    ids = page.eval_on_selector_all(
        "#preview thead th a", "links => links.map(a => a.firstChild.textContent.trim())"
    )
    types = page.eval_on_selector_all("#preview thead th .col-type", "s => s.map(x => x.textContent.trim())")
    column_types = dict(zip(ids, types, strict=True))
    assert column_types["기준연도"] == "VARCHAR" and column_types["개소수"] == "BIGINT"
    first_row = page.eval_on_selector(
        "#preview tbody tr", "r => Object.fromEntries([...r.cells].map((c, i) => [i, c.textContent.trim()]))"
    )
    row = {ids[int(i)]: v for i, v in first_row.items()}
    assert row["시설명"] == "무더위쉼터 0호"  # CP949 decoded
    assert row["관리번호"] == "000000"  # leading zeros kept
    assert row["기준연도"] == "2023"
    assert f"{ROWS}" in page.locator("#preview-region").inner_text()
    expect(page.locator("#map path.district")).to_have_count(10)  # district codes → a map

    # The hub agrees
    res = live.hub.catalog.dataset(name)["resources"]
    assert len(res) == 1
    version = live.hub.catalog.version(res[0]["id"])
    assert version["rows"] == ROWS and version["encoding"] == "cp949"


def test_ragged_row_is_refused_with_its_line(
    live: Live, page: Page, publisher: Publisher, tmp_path: Path
) -> None:
    admin = Principal(user_id="t", name="browser-test-admin", sysadmin=True)
    name = f"ragged-{uuid.uuid4().hex[:8]}"
    live.hub.catalog.create_dataset(
        admin, {"name": name, "title": "열이 어긋난 파일", "owner_org": publisher.org}
    )
    ragged = tmp_path / "ragged.csv"
    # line 1 header, lines 2-3 fine, line 4 (data row 3) has one value too many, line 5 fine
    ragged.write_bytes(
        "시군구코드,시설명,개소수\n28110,가,1\n28140,나,2\n28177,다,3,넘침\n28185,라,4\n".encode("cp949")
    )

    login(page, live, publisher.key)
    page.goto(f"{live.url}/publish/{name}/upload")
    page.set_input_files("#file", str(ragged))
    page.locator("#upload button[value=check]").click()
    error = page.locator("#upload-error[role=alert]")
    expect(error).to_be_visible()
    message = error.locator("p").first.inner_text()
    assert re.search(r"(^|\D)4(\D|$)", message), message  # names line 4
    rows = _error_rows(page)
    assert len(rows) == 1 and "28177,다,3,넘침" in rows[0]
    assert rows[0][:2] == ["3", "4"]  # data row 3, file line 4
    expect(page.locator("#publish-button")).to_have_count(0)
    assert live.hub.catalog.dataset(name)["resources"] == []
