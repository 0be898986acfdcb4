"""The portal's reading pages over HTTP on both back ends, against the seeded hub: Korean and English,
search and facets, the dataset page (metadata, versions, quality, preview paging/sorting, chart, map,
API snippet, downloads, usage), the plan page, and what every page must carry (no off-site requests,
landmarks, labels, captions)."""

from __future__ import annotations

import re
import uuid
from html import unescape
from urllib.parse import quote

import pytest

from tests.web.conftest import Portal, parse

PAGES = [
    "/",
    "/dataset",
    "/dataset?q=인구",
    "/dataset/plan-ii-23-population-by-district",
    "/dataset/plan-ii-23-population-by-district/map",
    "/dataset/plan-v-tasks",
    "/dataset/plan-ii-41-pm10-pm25-seven-cities",
    "/plan",
    "/login",
]


# ---------------------------------------------------------------------------------------------- every page
@pytest.mark.parametrize("path", PAGES)
def test_page_renders_in_korean_and_english(portal: Portal, path: str) -> None:
    portal.client.cookies.clear()
    ko = portal.client.get(path)
    assert ko.status_code == 200
    assert ko.headers["content-type"].startswith("text/html")
    assert '<html lang="ko">' in ko.text
    assert "인천 데이터허브" in ko.text and "본문 바로가기" in ko.text
    sep = "&" if "?" in path else "?"
    en = portal.client.get(f"{path}{sep}lang=en")
    assert en.status_code == 200
    assert '<html lang="en">' in en.text
    assert "Skip to main content" in en.text
    assert "본문 바로가기" not in en.text
    portal.client.cookies.clear()


@pytest.mark.parametrize("path", PAGES)
def test_no_page_refers_outside_the_site(portal: Portal, path: str) -> None:
    """No CDN, no online fonts or tiles: every URL is relative; absolute ones only in the API snippet,
    and those name the site itself."""
    page = parse(portal.get(path).text)
    for url in page.urls:
        assert url.startswith(("/", "#", "?", "data:")), url
    site = portal.settings.site_url.rstrip("/")
    for m in re.finditer(r"(?:https?:)?//[\w.-]+(?::\d+)?", page.html):
        assert m.group(0) == site, m.group(0)
    assert "xmlns" not in page.html  # inline SVG needs no namespace URL


@pytest.mark.parametrize("path", PAGES)
def test_page_structure_is_accessible(portal: Portal, path: str) -> None:
    """Landmarks, skip link, labelled controls, captioned tables with header scopes."""
    page = parse(portal.get(path).text)
    assert page.all("a", href="#main") and page.ids["main"]["tag"] == "main"
    for tag in ("header", "nav", "footer"):
        assert page.all(tag), tag
    for tag, attrs in page.tags:
        if tag in ("input", "select", "textarea") and attrs.get("type") not in ("hidden", "submit"):
            assert attrs.get("id") in page.label_for or attrs.get("aria-label"), attrs
    assert page.html.count("<table") == page.html.count("<caption")
    for tag, attrs in page.tags:
        if tag == "th":
            assert attrs.get("scope") in ("col", "row", "colgroup"), attrs
        if tag in ("svg",) and attrs.get("role") == "img":
            assert attrs.get("aria-labelledby"), attrs


def test_security_headers_and_static_files(portal: Portal) -> None:
    r = portal.get("/")
    assert "default-src 'self'" in r.headers["content-security-policy"]
    assert r.headers["x-content-type-options"] == "nosniff"
    css = portal.get("/static/web/portal.css")
    assert css.status_code == 200 and css.headers["content-type"].startswith("text/css")
    assert ":focus-visible" in css.text
    assert portal.get("/static/web/portal.js").status_code == 200
    for bad in (
        "/static/web/..%2Fmodule.py",
        "/static/web/module.py",
        "/static/nope/x.css",
        "/static/web/x.css",
    ):
        assert portal.get(bad).status_code == 404, bad


def test_language_choice_is_remembered(portal: Portal) -> None:
    client = portal.client
    client.cookies.clear()
    r = client.get("/?lang=en")
    assert "lang=en" in r.headers["set-cookie"]
    assert '<html lang="en">' in client.get("/dataset").text
    assert '<html lang="ko">' in client.get("/dataset?lang=ko").text
    assert '<html lang="ko">' in client.get("/").text
    client.cookies.clear()


# ---------------------------------------------------------------------------------------------- home
def test_home_lists_search_popular_recent_themes_and_publishers(portal: Portal) -> None:
    portal.get("/dataset/plan-v-tasks")  # a view: the dataset becomes popular
    page = parse(portal.get("/").text)
    assert page.ids["q"]["tag"] == "input" and "q" in page.label_for
    assert page.all("form", action="/dataset")
    assert 'href="/dataset/plan-v-tasks"' in page.inner("popular")
    assert page.inner("recent").count('href="/dataset/') == 6
    assert "행정" in page.text_of("themes") and "교통" in page.text_of("themes")
    assert "인천광역시" in page.text_of("organizations")
    en = parse(portal.get("/?lang=en").text)
    assert "Administration" in en.text_of("themes") and "Incheon Metropolitan City" in en.text_of(
        "organizations"
    )
    assert "Most viewed" in en.html and "Recently updated" in en.html


# ---------------------------------------------------------------------------------------------- search
def _result_names(html: str) -> list[str]:
    return re.findall(r'<h3><a href="/dataset/([\w-]+)"', parse(html).inner("results"))


def test_search_korean_full_text_and_facets(portal: Portal) -> None:
    r = portal.get("/dataset?q=" + quote("인구"))
    names = _result_names(r.text)
    assert "plan-ii-23-population-by-district" in names and "plan-ii-22-population-by-year" in names
    page = parse(r.text)
    for facet in ("theme", "org", "district", "format", "license"):
        assert f"facet-{facet}" in page.ids, facet
    assert page.all("input", type="checkbox", name="theme", value="health-welfare")

    welfare = _result_names(portal.get("/dataset?q=" + quote("인구") + "&theme=health-welfare").text)
    assert welfare == ["plan-ii-25-population-by-age-band"]
    # OR within a facet, AND across facets
    both = _result_names(portal.get("/dataset?theme=transport&theme=safety").text)
    assert len(both) >= 5 and "plan-ii-39-public-car-parks" in both and "plan-ii-57-five-major-crimes" in both
    assert _result_names(portal.get("/dataset?theme=transport&org=no-such-org").text) == []
    city = _result_names(
        portal.get("/dataset?org=incheon-city&format=CSV&license=kogl-type1&district=28000").text
    )
    assert len(city) == 10  # a full first page
    checked = parse(portal.get("/dataset?theme=safety").text).all(
        "input", type="checkbox", name="theme", value="safety"
    )
    assert "checked" in checked[0]


def test_search_facet_counts_ignore_their_own_filter(portal: Portal) -> None:
    """Ticking one theme still shows the other themes with their counts (multi-select facets)."""
    html = portal.get("/dataset?theme=safety").text
    page = parse(html)
    assert page.all("input", name="theme", value="transport")
    assert "remove" in html or "필터 해제" in html


def test_search_zero_results_paging_and_sort(portal: Portal) -> None:
    none = portal.get("/dataset?q=" + quote("존재하지않는낱말qqq"))
    assert (
        none.status_code == 200 and 'id="no-results"' in none.text and "맞는 데이터셋이 없습니다" in none.text
    )
    assert "No datasets match" in portal.get("/dataset?q=qqqzzz&lang=en").text
    first = _result_names(portal.get("/dataset?sort=name+asc").text)
    second = _result_names(portal.get("/dataset?sort=name+asc&page=2").text)
    assert len(first) == 10 and second and not set(first) & set(second)
    assert first == sorted(first) and first[-1] < second[0]
    assert 'aria-current="page"' in portal.get("/dataset?page=2").text
    assert portal.get("/dataset?page=abc&sort=evil").status_code == 200


# ---------------------------------------------------------------------------------------------- dataset
def test_dataset_page_metadata_versions_quality_downloads_api(portal: Portal) -> None:
    name = "plan-ii-23-population-by-district"
    rid = portal.rid(name)
    html = portal.get(f"/dataset/{name}").text
    page = parse(html)
    assert "인천광역시 행정구역(군·구)별 인구 현황" in page.text_of("dataset-title")
    meta = page.text_of("metadata")
    assert "공공누리 제1유형: 출처표시" in html and "상업적 이용과 2차적 저작물" in html
    assert "표 II-23" in html and "통계청" in html  # table reference and source citation
    assert "인천광역시 전체" in html and "2020-01-01" in html
    assert "식별자" in meta or "identifier" in meta.lower()
    # versions, each linked
    assert f"/dataset/{name}?resource={rid}&amp;version=1" in html
    # quality report
    assert 'class="score-n"' in html and "완전성" in html
    assert "'sgg_code' 열의 9.1%가 비어 있습니다." in unescape(html)
    # downloads by the URL convention, and DCAT
    for url in (
        f"/download/{rid}.csv",
        f"/download/{rid}.csv?encoding=cp949",
        f"/download/{rid}.json",
        f"/download/{rid}.geojson",
        f"/download/{rid}.parquet",
        f"/download/{rid}.csv?version=1",
        f"/dcat/dataset/{name}.jsonld",
    ):
        assert f'href="{url}"' in html.replace("&amp;", "&"), url
    # API snippet for developers
    assert f'ckanapi.RemoteCKAN("{portal.settings.site_url}")' in unescape(html)
    assert f"datastore_search?resource_id={rid}" in html and "curl" in html
    en = portal.get(f"/dataset/{name}?lang=en").text
    assert "Population of Incheon by district" in en and "KOGL Type 1: Attribution" in en
    assert "9.1% of column 'sgg_code' is empty." in unescape(en) and "Quality report" in en


def test_dataset_version_links_and_old_version(portal: Portal) -> None:
    name = "plan-v-tasks"
    rid = portal.rid(name)
    page = portal.get(f"/dataset/{name}?resource={rid}&version=1")
    assert page.status_code == 200 and "/download/" + rid + ".csv?version=1" in page.text
    assert portal.get(f"/dataset/{name}?resource=nope&version=99").status_code == 200  # falls back
    by_id = portal.client.get(f"/dataset/{portal.hub.catalog.dataset(name)['id']}", follow_redirects=False)
    assert by_id.status_code == 301 and by_id.headers["location"] == f"/dataset/{name}"


def test_dataset_not_found_is_a_page(portal: Portal) -> None:
    r = portal.get("/dataset/no-such-dataset")
    assert r.status_code == 404 and r.headers["content-type"].startswith("text/html")
    assert "찾을 수 없습니다" in r.text
    assert "not found" in portal.get("/dataset/no-such-dataset?lang=en").text


def test_dataset_page_counts_views(portal: Portal) -> None:
    name = "plan-ii-42-schools"

    def views() -> int:
        html = portal.get(f"/dataset/{name}").text
        m = re.search(r'<span class="usage-n">([\d,]+)</span> 조회', html)
        assert m, "usage counts shown"
        return int(m.group(1).replace(",", ""))

    first = views()
    assert views() == first + 1
    summary = portal.hub.usage.summary(portal.hub.catalog.dataset(name)["id"])
    assert summary["view"]["total"] == first + 1


# ---------------------------------------------------------------------------------------------- preview
def _preview_rows(html: str) -> list[list[str]]:
    table = re.search(r'<table[^>]*id="preview".*?</table>', html, re.S)
    assert table, "preview table present"
    body = re.search(r"<tbody>(.*?)</tbody>", table.group(0), re.S)
    return [
        [re.sub(r"<[^>]+>", "", c).strip() for c in re.findall(r"<td[^>]*>(.*?)</td>", row, re.S)]
        for row in re.findall(r"<tr>(.*?)</tr>", body.group(1), re.S)
    ]


def test_preview_pages_and_sorts_on_the_server(portal: Portal) -> None:
    base = "/dataset/plan-v-tasks"
    rows = _preview_rows(portal.get(base).text)
    assert len(rows) == 20 and rows[0][1] == "1-1-1"
    page2 = _preview_rows(portal.get(base + "?limit=10&page=2").text)
    assert len(page2) == 10 and page2[0][0] == "11" and page2[0][1] == "1-3-1"
    html = portal.get(base + "?sort=budget_total+desc&limit=5").text
    top = _preview_rows(html)
    assert top[0][1] == "3-2-4" and top[0][14] == "16,853"
    assert 'aria-sort="descending"' in html
    # the column header links flip the order, keep the limit and reset the page
    assert "sort=budget_total+asc" in html and "limit=5" in html
    asc = _preview_rows(portal.get(base + "?sort=task_code+asc&page=3").text)
    assert [r[1] for r in asc] == ["4-2-1", "4-2-2", "4-2-3", "4-2-4", "4-2-5"]
    assert len(_preview_rows(portal.get(base + "?limit=1000").text)) == 45  # capped at 100 rows a page
    assert len(_preview_rows(portal.get(base + "?limit=100").text)) == 45
    # unknown columns and junk are ignored, not errors
    assert len(_preview_rows(portal.get(base + "?sort=nope+desc&page=-4&limit=x").text)) == 20
    pager = parse(portal.get(base + "?limit=10").text)
    assert any("page=5" in (a.get("href") or "") for a in pager.all("a"))


# ---------------------------------------------------------------------------------------------- chart
def _svg(html: str, element_id: str) -> str:
    m = re.search(rf'<svg[^>]*id="{element_id}".*?</svg>', html, re.S)
    assert m, f"svg #{element_id}"
    return m.group(0)


def test_bar_chart_by_label_with_title_desc_and_table(portal: Portal) -> None:
    html = portal.get("/dataset/plan-ii-23-population-by-district?chart_y=pop_2022").text
    svg = _svg(html, "chart")
    assert 'role="img"' in svg and '<title id="chart-title">' in svg and '<desc id="chart-desc">' in svg
    assert "부평구" in svg and "chart-bar" in svg
    assert svg.count("<rect") == 10  # the ten districts; the printed total row is left out
    assert 'id="chart-table"' in html and "<caption>name_ko별 pop_2022</caption>" in html


def test_line_chart_when_a_year_column_exists(portal: Portal) -> None:
    html = portal.get("/dataset/plan-ii-22-population-by-year").text
    svg = _svg(html, "chart")
    assert "chart-line" in svg and "year에 따른 population 변화" in svg
    multi = _svg(portal.get("/dataset/plan-ii-41-pm10-pm25-seven-cities?chart_y=pm25").text, "chart")
    assert multi.count("<path") == 7 and "인천" in multi  # one line per city, labelled
    en = _svg(portal.get("/dataset/plan-ii-22-population-by-year?lang=en").text, "chart")
    assert "population over year" in en


def test_chart_by_district(portal: Portal) -> None:
    html = portal.get("/dataset/plan-ii-39-public-car-parks?chart_x=_sgg_code&chart_y=spaces").text
    svg = _svg(html, "chart")
    assert "군·구별 합계" in svg and "부평구" in svg


# ---------------------------------------------------------------------------------------------- map
def test_district_map_is_an_accessible_svg_choropleth(portal: Portal) -> None:
    html = portal.get("/dataset/plan-ii-23-population-by-district").text
    svg = _svg(html, "map")
    paths = re.findall(r"<path [^>]*class=\"district\"[^>]*>.*?</path>", svg, re.S)
    assert len(paths) == 10
    assert all('tabindex="0"' in p and "<title>" in p for p in paths)
    assert "<title>부평구: 494,962</title>" in svg  # pop_2020 (the first numeric column), summed
    assert '<title id="map-title">' in svg and '<desc id="map-desc">' in svg
    page = parse(html)
    assert "map-legend" in page.ids and "map-table" in page.ids
    assert "district-28237" in page.ids and "494,962" in page.text_of("district-28237")


def test_map_value_and_aggregation_are_chosen_with_a_form(portal: Portal) -> None:
    name = "plan-ii-39-public-car-parks"
    html = portal.get(f"/dataset/{name}?map_value=spaces&map_func=max").text
    page = parse(html)
    assert page.ids["map_value"]["tag"] == "select" and page.ids["map_func"]["tag"] == "select"
    assert re.search(r'<option value="max" selected>', html)
    count = portal.get(f"/dataset/{name}?map_value=&map_func=sum").text
    assert "행 수" in _svg(count, "map")
    assert portal.get(f"/dataset/{name}?map_value=nope&map_func=evil").status_code == 200
    en = _svg(portal.get(f"/dataset/{name}?lang=en").text, "map")
    assert "Bupyeong-gu" in en


def test_map_page_and_datasets_without_districts(portal: Portal) -> None:
    full = portal.get("/dataset/plan-ii-23-population-by-district/map?map_value=pop_2022&map_func=avg")
    assert full.status_code == 200 and 'id="map"' in full.text and "평균" in full.text
    assert 'id="map"' not in portal.get("/dataset/plan-v-tasks").text
    none = portal.get("/dataset/plan-v-tasks/map")
    assert none.status_code == 200 and "지도를 그릴 수 없습니다" in none.text


# ---------------------------------------------------------------------------------------------- plan
def test_plan_page_tasks_roadmap_budget_indicators_and_links(portal: Portal) -> None:
    html = portal.get("/plan").text
    page = parse(html)
    tasks = [i for i in page.ids if re.fullmatch(r"task-\d-\d-\d", i)]
    assert len(tasks) == 45
    for s in "1234":
        assert f"strategy-{s}" in page.ids and f"budget-chart-{s}" in page.ids
    assert "지능화로 확장되는 똑똑한 행정" in html and "1-1. 인천 데이터 가치사슬 구현" in html
    budget = page.text_of("plan-budget")
    assert "123,736" in budget and "46,571" in budget and "40,802" in budget  # Table V-1 totals
    row = page.text_of("task-1-1-1")
    assert "인천 데이터허브 고도화" in row and "2,575" in row and "2025년 추진" in row
    assert 'href="/dataset"' in re.search(r'<tr id="task-1-1-1">.*?</tr>', html, re.S).group(0)
    assert "준비 중" in page.text_of("task-2-2-3") and "준비 중" in page.text_of("task-3-1-1")
    assert "알 수 없음" in page.text_of("task-4-1-1")  # strategy 4 has no roadmap marks in the plan
    for name in ("plan-v-tasks", "plan-v-1-budget"):
        assert f'href="/dataset/{name}"' in html
    assert "indicator-summary" in page.ids and "/api/plan/tasks/{code}/indicators" in html
    assert '<a href="/plan" aria-current="page">' in html  # the plan module's menu entry
    en = unescape(portal.get("/plan?lang=en").text)
    assert (
        "Smart administration expanded by intelligence" in en and "Building Incheon's data value chain" in en
    )
    assert "In preparation" in en


def test_plan_page_shows_indicators_from_the_plan_api(portal: Portal) -> None:
    plan = next(m for m in portal.client.app.state.modules if m.name == "plan")
    user = f"planner-{uuid.uuid4().hex[:8]}"
    portal.hub.auth.create_user(user)
    portal.hub.auth.set_membership(user, portal.hub.catalog.organization("incheon-city")["id"], "editor")
    key = portal.hub.auth.create_key(user)
    r = portal.client.post(
        "/api/plan/tasks/1-1-1/indicators",
        json={
            "name_ko": "개방 데이터셋 수",
            "name_en": "Open datasets",
            "unit": "개",
            "baseline": 28,
            "baseline_year": 2024,
            "values": [{"year": 2025, "target": 60, "actual": 31}],
        },
        headers={"Authorization": key},
    )
    assert r.status_code == 201, r.text
    assert any(i["name_ko"] == "개방 데이터셋 수" for i in plan.all_indicators()["1-1-1"])
    html = portal.get("/plan").text
    section = parse(html).text_of("indicators-heading-1-1-1")
    assert "1-1-1" in section
    assert "개방 데이터셋 수" in html and "60 / 31" in html
    assert "Open datasets" in portal.get("/plan?lang=en").text
