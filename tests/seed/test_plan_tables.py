"""Tests of the statistical seed tables and of the plan-text helpers they rely on."""

from __future__ import annotations

import re
from typing import Any

import pytest

from incheon.seed.model import DISTRICTS, THEMES, Expectation, SeedTable, validate_table
from incheon.seed.plan_tables import (
    all_seed_tables,
    districts_population_table,
    statistical_tables,
)
from incheon.seed.plan_text import (
    find_label_lines,
    find_table,
    load_plan_text,
    normalize_label,
    parse_number,
    plan_lines,
    to_int,
)

# --- plan_text helpers -----------------------------------------------------------------------


def test_plan_text_loads() -> None:
    text = load_plan_text()
    assert "제6차 인천광역시" in text and len(plan_lines()) > 10000


@pytest.mark.parametrize(
    ("cell", "value"),
    [("1,234", 1234), ("△12", -12), ("△ 0.25", -0.25), ("-1,670", -1670), ("0.56%", 0.56), ("1,363*", 1363)],
)
def test_parse_number(cell: str, value: float) -> None:
    assert parse_number(cell) == value


def test_parse_number_dash_and_garbage() -> None:
    assert parse_number("-") is None and parse_number("") is None
    assert to_int("-", dash=0) == 0 and to_int("-") is None
    with pytest.raises(ValueError):
        parse_number("34개소")
    with pytest.raises(ValueError):
        to_int("1.5")


def test_labels_ocr_and_toc() -> None:
    assert normalize_label("11-47") == "II-47"
    assert normalize_label("Ⅲ-1") == "III-1"
    block = find_table("II-47")
    assert block.printed_label == "11-47" and block.label == "II-47"
    toc = plan_lines().index("5 표 목차")
    assert block.line_no - 1 < toc
    # every label is repeated in the table of contents; only the body occurrence counts
    assert len(find_label_lines("II-23")) == 1
    assert sum(1 for line in plan_lines() if line.startswith("[표 II-23]")) == 2
    with pytest.raises(ValueError):
        find_table("II-2")  # listed in the table of contents only


def test_find_table_block_parts() -> None:
    block = find_table("II-23")
    assert block.unit == "명"
    assert block.source.startswith("행정구역(시·군·구)별, 성별 인구수")
    assert block.rows[2][0] == "강화군" and len(block.rows) == 13
    v1 = find_table("V-1")
    assert v1.footnotes == ["* '0'은 비예산 과제임을 의미"]


# --- all tables: metadata and types ----------------------------------------------------------

REQUIRED_REFS = {
    "표 II-21", "표 II-22", "표 II-23", "표 II-24", "표 II-25", "표 II-28", "표 II-29", "표 II-37",
    "표 II-38", "표 II-39", "표 II-41", "표 II-42", "표 II-47", "표 II-56", "표 II-57", "표 II-62",
    "표 II-65", "표 II-72", "표 V-4", "표 V-5", "본문 II-2.4",
}  # fmt: skip

ROW_COUNTS = {
    "plan-ii-21-administrative-divisions": 11,
    "plan-ii-22-population-by-year": 11,
    "plan-ii-23-population-by-district": 11,
    "plan-ii-24-migration-by-year": 11,
    "plan-ii-25-population-by-age-band": 14,
    "plan-ii-28-industrial-complexes": 18,
    "plan-ii-29-grdp-by-province": 18,
    "plan-ii-37-vehicle-registrations": 5,
    "plan-ii-38-traffic-accidents": 8,
    "plan-ii-39-public-car-parks": 35,
    "plan-ii-41-pm10-pm25-seven-cities": 70,
    "plan-ii-42-schools": 6,
    "plan-ii-47-cultural-heritage-by-district": 11,
    "plan-ii-56-safety-accidents-by-type": 19,
    "plan-ii-57-five-major-crimes": 18,
    "plan-ii-2-4-fires-per-10k-by-district": 10,
    "plan-ii-62-informatization-budget": 5,
    "plan-ii-65-information-systems": 3,
    "plan-ii-72-public-wifi": 6,
    "plan-v-4-it-staff-by-province": 17,
    "plan-v-5-it-budget-by-province": 18,
    "incheon-districts-population-2022": 10,
    "plan-v-tasks": 45,
    "plan-v-1-budget": 59,
    "plan-vi-1-grant-sources": 45,
    "plan-v-strategies": 13,
}


@pytest.fixture(scope="module")
def tables() -> dict[str, SeedTable]:
    return {t.name: t for t in all_seed_tables()}


def rec(tables: dict[str, SeedTable], name: str) -> list[dict[str, Any]]:
    return tables[name].records()


def one(rows: list[dict[str, Any]], **where: Any) -> dict[str, Any]:
    hits = [r for r in rows if all(r[k] == v for k, v in where.items())]
    assert len(hits) == 1, (where, len(hits))
    return hits[0]


def test_slugs_unique_and_row_counts(tables: dict[str, SeedTable]) -> None:
    names = [t.name for t in all_seed_tables()]
    assert len(names) == len(set(names))
    assert {n: len(t.rows) for n, t in tables.items()} == ROW_COUNTS
    assert len(statistical_tables()) >= 16


def test_required_tables_present(tables: dict[str, SeedTable]) -> None:
    assert REQUIRED_REFS <= {t.table_ref for t in tables.values()}


@pytest.mark.parametrize("table", all_seed_tables(), ids=lambda t: t.name)
def test_table_is_valid(table: SeedTable) -> None:
    assert validate_table(table) == []
    assert re.fullmatch(r"[a-z0-9_-]{2,100}", table.name)
    assert table.theme in THEMES
    assert table.table_ref in table.source  # citation carries the table number
    assert table.source.startswith("제6차 인천광역시 지능정보화 기본계획")
    assert table.title_ko and table.title_en and table.description_ko and table.description_en
    assert table.keywords and all(re.search(r"[가-힣]", k) for k in table.keywords)
    assert table.unit
    assert all(re.fullmatch(r"[a-z][a-z0-9_]*", c) for c, _ in table.columns)


@pytest.mark.parametrize("table", all_seed_tables(), ids=lambda t: t.name)
def test_source_line_is_cited(table: SeedTable) -> None:
    ref = table.table_ref.removeprefix("표 ")
    if not table.table_ref.startswith("표 "):
        assert "※ 출처" in table.source
        return
    block = find_table(ref)
    if block.source:
        assert block.source in table.source


@pytest.mark.parametrize("table", [t for t in all_seed_tables() if t.district_column], ids=lambda t: t.name)
def test_district_tables(table: SeedTable) -> None:
    assert table.district_column == "sgg_code"
    names = table.column_names
    name_col = "district_ko" if "district_ko" in names else "name_ko"
    codes = set(DISTRICTS.values())
    for r in table.records():
        if r["sgg_code"] is None:
            assert r[name_col] == "계" and r.get("is_total") is True
        else:
            assert r["sgg_code"] in codes and len(r["sgg_code"]) == 5
            assert DISTRICTS[r[name_col]] == r["sgg_code"]


def test_validator_catches_bad_values() -> None:
    bad = SeedTable(
        name="Bad Slug", table_ref="표 X-1", title_ko="", title_en="", description_ko="", description_en="",
        theme="nope", keywords=[], source="no citation", unit="",
        columns=[("a", "BIGINT"), ("B", "TEXT")], rows=[(1.5, "x"), (1,)], district_column="a",
        expectations=[Expectation("column_sum", "zz", 1.0)],
    )  # fmt: skip
    problems = " | ".join(validate_table(bad))
    for part in ("bad slug", "unknown theme", "cite", "bad column name", "bad column type", "is not BIGINT",
                 "has 1 values", "expectation column"):  # fmt: skip
        assert part in problems


# --- total reconciliation --------------------------------------------------------------------

# Printed totals that differ from the sum of their details in the plan: (table, column) -> (total, sum)
KNOWN_TOTAL_MISMATCHES = {
    ("plan-ii-21-administrative-divisions", "legal_ri"): (122, 191),
    ("plan-ii-29-grdp-by-province", "grdp_2017"): (1840349, 1840348),
    ("plan-ii-29-grdp-by-province", "grdp_2018"): (1902528, 1902527),
    ("plan-ii-29-grdp-by-province", "grdp_2019"): (1927421, 1927422),
    ("plan-ii-29-grdp-by-province", "grdp_2020"): (1944644, 1944643),
    ("plan-ii-29-grdp-by-province", "grdp_2021"): (2083794, 2083785),
    ("plan-ii-39-public-car-parks", "spaces"): (4725, 4941),
    ("plan-ii-39-public-car-parks", "area_m2"): (139268, 143300),
    ("plan-v-5-it-budget-by-province", "it_budget"): (2580411, 2580412),
}


def _total_mismatches(table: SeedTable) -> dict[tuple[str, str], tuple[float, float]]:
    """(table, column) -> (printed total, sum of details) for every additive numeric column that disagrees."""
    rows = table.records()
    totals = [r for r in rows if r.get("is_total")]
    details = [r for r in rows if "is_total" in r and not r["is_total"] and r.get("row_type") != "subtotal"]
    if len(totals) != 1 or not details:
        return {}
    out = {}
    for col, typ in table.columns:
        if typ not in ("BIGINT", "DOUBLE") or col in table.non_additive_columns:
            continue
        total = totals[0][col]
        if total is None:
            continue
        detail_sum = sum(r[col] or 0 for r in details)
        if abs(detail_sum - total) > 1e-9:
            out[(table.name, col)] = (total, detail_sum)
    return out


def test_totals_reconcile_except_known_plan_errors(tables: dict[str, SeedTable]) -> None:
    found = {}
    for table in tables.values():
        found.update(_total_mismatches(table))
    assert found == KNOWN_TOTAL_MISMATCHES


def test_each_real_total_mismatch_has_a_note_and_expectation(tables: dict[str, SeedTable]) -> None:
    for (name, col), (total, detail_sum) in KNOWN_TOTAL_MISMATCHES.items():
        table = tables[name]
        n_details = sum(1 for r in table.records() if not r["is_total"])
        if abs(total - detail_sum) <= 0.5 * n_details and name == "plan-ii-29-grdp-by-province":
            continue  # within the rounding of the printed figures: noted, not flagged
        sums = [e for e in table.expectations if e.kind == "column_sum" and e.column == col]
        assert any(e.expected == total for e in sums), (name, col)
        assert any(f"{total:,}" in n or f"{detail_sum:,}" in n for n in table.notes), (name, col)


def test_row_level_identities(tables: dict[str, SeedTable]) -> None:
    for r in rec(tables, "plan-ii-21-administrative-divisions"):
        assert r["eup"] + r["myeon"] + r["dong"] == r["eupmyeondong_total"]
    for r in rec(tables, "plan-ii-22-population-by-year"):
        assert r["male"] + r["female"] == r["population"]
        assert round(r["population"] / r["households"], 2) == r["persons_per_household"]
    for r in rec(tables, "plan-ii-23-population-by-district"):
        assert r["male_2023_oct"] + r["female_2023_oct"] == r["pop_2023_oct"]
    for r in rec(tables, "plan-ii-24-migration-by-year"):
        assert r["moved_in"] - r["moved_out"] == r["net_migration"]
    for r in rec(tables, "plan-ii-37-vehicle-registrations"):
        assert r["passenger"] + r["van"] + r["truck"] + r["special"] == r["total"]
    for r in rec(tables, "plan-ii-47-cultural-heritage-by-district"):
        assert r["national_subtotal"] + r["city_subtotal"] + r["registered"] == r["heritage_total"]
    for r in rec(tables, "plan-ii-62-informatization-budget"):
        assert round(100 * r["it_budget"] / r["total_budget"], 2) == r["it_budget_ratio_pct"]
    for r in rec(tables, "plan-ii-72-public-wifi"):
        assert r["bus"] + r["public_facilities"] == r["total"]
    for r in rec(tables, "plan-v-4-it-staff-by-province"):
        assert r["it_staff_it_dept"] + r["it_staff_other_depts"] == r["it_staff_total"]
        assert round(100 * r["it_staff_total"] / r["civil_servants"], 2) == r["it_staff_ratio_pct"]
    for r in rec(tables, "plan-ii-65-information-systems"):
        parts = r["servers"] + r["storage"] + r["backup"] + r["security_equipment"]
        if r["year"] == 2022:
            assert (r["hw_subtotal"], parts) == (501, 510)  # the plan's own slip, kept as printed
        else:
            assert parts == r["hw_subtotal"] and r["hw_subtotal"] + r["software"] == r["total"]


def test_age_bands_reconcile(tables: dict[str, SeedTable]) -> None:
    rows = rec(tables, "plan-ii-25-population-by-age-band")
    by = {r["age_group_ko"]: r for r in rows}
    for col in ("pop_2018", "pop_2019", "pop_2020", "pop_2021", "pop_2022", "pop_2023_oct"):
        bands = [r for r in rows if r["row_type"] == "band"]
        under = sum(r[col] for r in bands if r["age_from"] < 60)
        over = sum(r[col] for r in bands if r["age_from"] >= 60)
        assert under == by["60세 미만"][col] and over == by["60세 이상"][col]
        assert under + over == by["총 인구수"][col]
    assert by["총 인구수"]["row_type_ko"] == "계" and by["60세 이상"]["row_type_ko"] == "소계"


def test_crimes_totals_and_dedup(tables: dict[str, SeedTable]) -> None:
    rows = rec(tables, "plan-ii-57-five-major-crimes")
    assert sum(r["is_total"] for r in rows) == 3  # the '계' block printed twice is kept once
    mismatches = []
    for measure in ("occurred", "cleared", "arrested_persons"):
        total = one(rows, crime="total", measure=measure)
        for y in range(2017, 2021):
            s = sum(r[f"count_{y}"] for r in rows if r["measure"] == measure and not r["is_total"])
            if s != total[f"count_{y}"]:
                mismatches.append((measure, y, total[f"count_{y}"], s))
    assert mismatches == [("arrested_persons", 2019, 33664, 33663)]


def test_safety_accidents_totals(tables: dict[str, SeedTable]) -> None:
    rows = rec(tables, "plan-ii-56-safety-accidents-by-type")
    total = one(rows, is_total=True)
    for y in range(2017, 2022):
        assert sum(r[f"count_{y}"] for r in rows if not r["is_total"]) == total[f"count_{y}"]
    assert total["avg_5y"] == 22005 and len(rows) == 19


# --- expectations: the plan's prose and cross-table figures ----------------------------------


def _evaluate(table: SeedTable, e: Expectation) -> float | None:
    rows = [r for r in table.records() if all(r[k] == v for k, v in e.where.items())]
    if e.kind == "column_sum":
        return float(sum(r[e.column] or 0 for r in rows))
    return float(rows[0][e.column]) if len(rows) == 1 and rows[0][e.column] is not None else None


# The plan's own disagreements; every other expectation must hold on the extracted data.
FAILING_EXPECTATIONS = {
    ("plan-ii-21-administrative-divisions", "legal_ri", 122.0),
    ("plan-ii-29-grdp-by-province", "grdp_2021", 2083794.0),
    ("plan-ii-38-traffic-accidents", "count_2019", 119.0),
    ("plan-ii-39-public-car-parks", "spaces", 4725.0),
    ("plan-ii-39-public-car-parks", "area_m2", 139268.0),
    ("plan-ii-57-five-major-crimes", "count_2019", 33664.0),
    ("plan-ii-65-information-systems", "hw_subtotal", 510.0),
    ("plan-v-5-it-budget-by-province", "it_budget", 2580411.0),
}


def test_expectations_fail_exactly_where_the_plan_disagrees(tables: dict[str, SeedTable]) -> None:
    failing = set()
    n = 0
    for table in tables.values():
        for e in table.expectations:
            n += 1
            assert e.source, (table.name, e.column)
            actual = _evaluate(table, e)
            if actual is None or abs(actual - e.expected) > 1e-9:
                failing.add((table.name, e.column, e.expected))
    assert failing == FAILING_EXPECTATIONS
    assert n > 60


def test_traffic_deaths_prose_vs_table(tables: dict[str, SeedTable]) -> None:
    table = tables["plan-ii-38-traffic-accidents"]
    row = one(table.records(), indicator="deaths", region_ko="인천")
    assert row["count_2019"] == 118  # the table's figure is kept
    e = one([e.__dict__ for e in table.expectations], kind="cell_equals", column="count_2019", expected=119.0)
    assert e["where"] == {"indicator": "deaths", "region_ko": "인천"}
    assert "119명" in e["source"] and "본문" in e["source"]
    assert any("119" in n and "118" in n for n in table.notes)


# --- known cells, one or more per table ------------------------------------------------------


def test_population_cells(tables: dict[str, SeedTable]) -> None:
    rows = rec(tables, "plan-ii-23-population-by-district")
    assert one(rows, name_ko="서구")["pop_2023_oct"] == 621152
    total = one(rows, name_ko="계")
    assert total["pop_2023_oct"] == 2990276 and total["sgg_code"] is None and total["is_total"] is True
    assert one(rows, sgg_code="28720")["female_2023_oct"] == 8767
    years = {r["year"]: r for r in rec(tables, "plan-ii-22-population-by-year")}
    assert years[2013]["population"] == 2879782 and years[2023]["period_printed"] == "2023(10월)"
    assert years[2022]["population"] == total["pop_2022"]  # II-22 and II-23 agree
    ages = rec(tables, "plan-ii-25-population-by-age-band")
    assert one(ages, age_group_ko="총 인구수")["pop_2018"] == years[2018]["population"]
    mig = {r["year"]: r for r in rec(tables, "plan-ii-24-migration-by-year")}
    assert mig[2020]["net_migration"] == -15748 and mig[2023]["period_printed"] == "2023(1월~9월)"


def test_districts_population_table() -> None:
    table = districts_population_table()
    rows = table.records()
    assert [r["sgg_code"] for r in rows] == list(DISTRICTS.values())
    assert one(rows, name_ko="미추홀구")["name_en"] == "Michuhol-gu"
    assert one(rows, sgg_code="28260")["population_2022"] == 589013
    assert sum(r["population_2022"] for r in rows) == 2967314


def test_admin_divisions_cells(tables: dict[str, SeedTable]) -> None:
    rows = rec(tables, "plan-ii-21-administrative-divisions")
    total = one(rows, is_total=True)
    assert (total["eupmyeondong_total"], total["eup"], total["myeon"], total["dong"]) == (155, 1, 19, 135)
    assert one(rows, name_ko="강화군")["legal_ri"] == 95 and one(rows, name_ko="중구")["legal_ri"] == 0


def test_car_parks_reassigned(tables: dict[str, SeedTable]) -> None:
    rows = rec(tables, "plan-ii-39-public-car-parks")
    assert sum(1 for r in rows if not r["is_total"]) == 34
    nonhyeon5 = one(rows, name_ko="논현택지5")
    assert nonhyeon5["sgg_code"] == "28200" and nonhyeon5["district_ko"] == "남동구"
    assert nonhyeon5["printed_group"] == "부평구"
    assert nonhyeon5["reassigned"] is True
    assert one(rows, name_ko="논현택지3")["reassigned"] is False
    unseo = one(rows, name_ko="운서역")
    assert (unseo["sgg_code"], unseo["printed_group"], unseo["spaces"]) == ("28110", "IFEZ (운서지구)", 1034)
    assert one(rows, name_ko="시립박물관주변")["sgg_code"] == "28185"
    # merged cells: the district printed once per group is carried down
    assert one(rows, name_ko="늘봄공원")["sgg_code"] == "28185"
    assert one(rows, name_ko="계산4")["manager"] is None
    assert sum(r["reassigned"] for r in rows) == 9
    assert {r["printed_group"] for r in rows} == {
        "계", "중구", "미추홀구", "연수구", "남동구", "부평구", "계양구", "IFEZ (운서지구)",
    }  # fmt: skip


def test_particulate_matter_cells(tables: dict[str, SeedTable]) -> None:
    rows = rec(tables, "plan-ii-41-pm10-pm25-seven-cities")
    assert {r["city_ko"] for r in rows} == {"인천", "서울", "부산", "대구", "광주", "대전", "울산"}
    assert one(rows, year=2015, city_ko="인천")["pm25"] == 29
    assert one(rows, year=2014, city_ko="서울")["pm25"] is None  # '-' before 2015: not observed
    assert one(rows, year=2021, city_ko="울산") == {"year": 2021, "city_ko": "울산", "pm10": 30, "pm25": 15}
    assert tables["plan-ii-41-pm10-pm25-seven-cities"].unit == "μg/m³"


def test_other_statistical_cells(tables: dict[str, SeedTable]) -> None:
    ic = rec(tables, "plan-ii-28-industrial-complexes")
    assert one(ic, is_total=True)["area_thousand_m2"] == 21929
    assert one(ic, name_ko="남동국가산업단지")["tenant_firms"] == 6970
    assert one(ic, name_ko="영종항공일반산업단지")["tenant_firms"] is None
    grdp = rec(tables, "plan-ii-29-grdp-by-province")
    assert one(grdp, region_ko="인천")["grdp_2021"] == 98670 and len(grdp) == 18
    assert one(rec(tables, "plan-ii-37-vehicle-registrations"), year=2023)["total"] == 1704523
    assert one(rec(tables, "plan-ii-42-schools"), year=2022)["students"] == 409900
    heritage = rec(tables, "plan-ii-47-cultural-heritage-by-district")
    assert one(heritage, name_ko="강화군")["heritage_total"] == 117
    assert one(heritage, is_total=True)["registered"] == 16
    assert one(rec(tables, "plan-ii-56-safety-accidents-by-type"), accident_type_ko="낙상")["avg_5y"] == 13163
    assert one(rec(tables, "plan-ii-62-informatization-budget"), year=2023)["it_budget"] == 78583
    wifi = rec(tables, "plan-ii-72-public-wifi")
    assert one(wifi, is_total=True)["total"] == 9498 and one(wifi, period_printed="'22년")["bus"] == 0
    staff = rec(tables, "plan-v-4-it-staff-by-province")
    assert one(staff, province_ko="인천광역시")["it_staff_total"] == 207
    v5 = rec(tables, "plan-v-5-it-budget-by-province")
    assert one(v5, province_ko="경기도")["it_budget"] == 584364
    assert one(v5, province_ko="제주특별자치도")["it_budget_per_1000_residents"] == 54.35
    assert one(v5, is_total=True)["province_ko"] == "합계"
    fires = rec(tables, "plan-ii-2-4-fires-per-10k-by-district")
    assert one(fires, name_ko="옹진군")["fires_per_10k"] == 15.24
    assert one(fires, sgg_code="28185")["rank_printed"] == 10
    assert sorted((r["fires_per_10k"] for r in fires), reverse=True) == [r["fires_per_10k"] for r in fires]
