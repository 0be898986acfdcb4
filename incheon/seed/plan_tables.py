"""Statistical seed tables extracted from Part II (and Part V §4) of the plan.

Each parser reads one printed table, asserts the header shape it was written against (so a changed
text fails loudly instead of shifting columns), keeps total rows ('계'/'합계') as rows flagged
`is_total`, and records the plan's own inconsistencies as notes and Expectations rather than
correcting figures.
"""

from __future__ import annotations

import re
from typing import Any

from incheon.seed.model import DISTRICTS, DISTRICTS_EN, Expectation, SeedTable
from incheon.seed.plan_tasks import budget_table, grants_table, strategies_table, tasks_table
from incheon.seed.plan_text import (
    PLAN_TITLE,
    TableBlock,
    find_table,
    is_dash,
    nonempty,
    plan_lines,
    source_citation,
    to_float,
    to_int,
)

TOTAL_LABELS = ("계", "합계", "합 계", "총계")


def _seed(block: TableBlock, name: str, **kwargs: Any) -> SeedTable:
    """A SeedTable citing `block` (plan title, table number and title, and its '※ 출처' line)."""
    kwargs.setdefault("unit", block.unit)
    kwargs.setdefault("source", source_citation(block))
    notes = kwargs.setdefault("notes", [])
    if block.printed_label != block.label:
        notes.append(
            f"표 번호가 원문에 '[표 {block.printed_label}]'로 인쇄됨(OCR 오류) → 표 {block.label}로 인용."
        )
    return SeedTable(name=name, table_ref=block.ref, **kwargs)


def _expect_header(block: TableBlock, index: int, *expected: str) -> None:
    """Fail loudly when a table's printed header differs from the one its parser was written for."""
    got = block.rows[index][: len(expected)]
    if got != list(expected):
        raise ValueError(f"{block.ref}: header row {index} is {got!r}, expected {list(expected)!r}")


def _sgg(name: str) -> str | None:
    """sgg_code of a district name, None for a total row; unknown names fail."""
    if name in TOTAL_LABELS:
        return None
    return DISTRICTS[name]


def _year(cell: str) -> int:
    """The year of a '2023(10월)', '2019년' or '2019' cell."""
    m = re.match(r"^(\d{4})", cell.strip())
    if not m:
        raise ValueError(f"not a year cell: {cell!r}")
    return int(m.group(1))


# ---------------------------------------------------------------------------------------------
# 1. Population and territory (Part II §2.1)


def admin_divisions_table() -> SeedTable:
    """[표 II-21] 행정구역 현황: 읍·면·동, 법정동·법정리 per district."""
    block = find_table("II-21")
    _expect_header(block, 0, "군·구", "읍·면·동")
    rows = []
    for cells in block.rows[2:]:
        name, *vals = cells
        nums = [to_int(v, dash=0) for v in vals]
        rows.append((_sgg(name), name, name in TOTAL_LABELS, *nums))
    return _seed(
        block,
        "plan-ii-21-administrative-divisions",
        title_ko="인천광역시 행정구역 현황(군·구별 읍·면·동, 법정동·법정리 수)",
        title_en="Administrative divisions of Incheon by district",
        description_ko="10개 군·구별 읍·면·동(행정동) 수와 법정동·법정리 수, 계 행 포함.",
        description_en="Number of eup/myeon/dong and legal dong/ri per district, with the printed total row.",
        theme="administration",
        keywords=["행정구역", "읍면동", "법정동", "법정리", "군구"],
        unit="개",
        columns=[
            ("sgg_code", "VARCHAR"),
            ("name_ko", "VARCHAR"),
            ("is_total", "BOOLEAN"),
            ("eupmyeondong_total", "BIGINT"),
            ("eup", "BIGINT"),
            ("myeon", "BIGINT"),
            ("dong", "BIGINT"),
            ("legal_dong", "BIGINT"),
            ("legal_ri", "BIGINT"),
        ],
        rows=rows,
        district_column="sgg_code",
        temporal_start="2022-01-01",
        temporal_end="2022-12-31",
        notes=[
            "표에 단위 표기 없음 → 개수('개')로 기재. 기준 시점 표기 없음 → 출처 연도(2022)를 기간으로 사용.",
            "'-'는 해당 없음 → 0.",
            "'계' 행을 보존(sgg_code None, is_total True).",
            "불일치: 법정리 계 122 ≠ 강화군 95 + 옹진군 96 = 191 — 원문 그대로 두고 Expectation으로 기록.",
        ],
        expectations=[
            Expectation(
                kind="column_sum",
                column="legal_ri",
                expected=122.0,
                where={"is_total": False},
                source="[표 II-21] '계' 행 법정리 122 (군·구별 합은 95+96=191)",
            ),
            Expectation(
                kind="cell_equals",
                column="dong",
                expected=135.0,
                where={"is_total": True},
                source="본문 §2.1: '2군 8구 1읍 19면 135개동의 행정구역체계'",
            ),
            Expectation(
                kind="cell_equals",
                column="myeon",
                expected=19.0,
                where={"is_total": True},
                source="본문 §2.1: '2군 8구 1읍 19면 135개동의 행정구역체계'",
            ),
        ],
    )


def population_by_year_table() -> SeedTable:
    """[표 II-22] 연도별 인구현황 2013~2023(10월)."""
    block = find_table("II-22")
    _expect_header(block, 0, "연도", "인구 수", "", "", "성 비", "세대수", "세대당 인구")
    rows = []
    for cells in block.rows[2:]:
        period, total, male, female, ratio, households, per_household = cells
        rows.append(
            (
                _year(period),
                period,
                to_int(total),
                to_int(male),
                to_int(female),
                to_float(ratio),
                to_int(households),
                to_float(per_household),
            )
        )
    prose = (
        "본문 §2.1 인구 현황: '(인구) 2013년 2,879,782명…', '(세대 수) 2013년 1,118,988세대…', "
        "'(세대당 인구 수) 2013년 2.57명'"
    )
    return _seed(
        block,
        "plan-ii-22-population-by-year",
        non_additive_columns=["year", "sex_ratio", "persons_per_household"],
        title_ko="인천광역시 연도별 인구현황(2013년~2023년)",
        title_en="Population of Incheon by year, 2013-2023",
        description_ko="연도별 주민등록 인구(계·남·여), 성비, 세대수, 세대당 인구. 2023년은 10월 기준.",
        description_en="Registered population (total, male, female), sex ratio, households and persons per "
        "household by year; 2023 is as of October.",
        theme="administration",
        keywords=["인구", "주민등록", "세대수", "성비", "인구추이"],
        columns=[
            ("year", "BIGINT"),
            ("period_printed", "VARCHAR"),
            ("population", "BIGINT"),
            ("male", "BIGINT"),
            ("female", "BIGINT"),
            ("sex_ratio", "DOUBLE"),
            ("households", "BIGINT"),
            ("persons_per_household", "DOUBLE"),
        ],
        rows=rows,
        temporal_start="2013-01-01",
        temporal_end="2023-10-31",
        notes=[
            "2023년 행은 '2023(10월)' 기준(period_printed에 원문 보존).",
            "본문은 2023년 5월 기준 인구 2,978,089명·세대 1,335,225·세대당 2.23명을 언급하나 표(10월 기준)와 "
            "시점이 달라 표 값을 사용.",
            "성비는 원문 표기(남/여 비, 소수 둘째 자리) 그대로.",
        ],
        expectations=[
            Expectation("cell_equals", "population", 2879782.0, {"year": 2013}, prose),
            Expectation("cell_equals", "households", 1118988.0, {"year": 2013}, prose),
            Expectation("cell_equals", "persons_per_household", 2.57, {"year": 2013}, prose),
            Expectation(
                "cell_equals",
                "population",
                2990276.0,
                {"year": 2023},
                "본문 §2.1: '2023년 10월 기준 인천광역시의 전체 인구는 2,990,276명'",
            ),
        ],
    )


def _population_by_district_rows() -> tuple[TableBlock, list[tuple]]:
    """Parsed rows of [표 II-23] (shared by the district population tables)."""
    block = find_table("II-23")
    _expect_header(block, 0, "군·구", "2020년", "2021년", "2022년", "2023년 (10월)")
    _expect_header(block, 1, "", "", "", "", "계", "남", "여")
    rows = []
    for cells in block.rows[2:]:
        name, *vals = cells
        nums = [to_int(v) for v in vals]
        if len(nums) != 6:
            raise ValueError(f"II-23 row {cells!r}")
        rows.append((_sgg(name), name, name in TOTAL_LABELS, *nums))
    return block, rows


def population_by_district_table() -> SeedTable:
    """[표 II-23] 행정구역별 인구 현황 2020~2023(10월)."""
    block, rows = _population_by_district_rows()
    return _seed(
        block,
        "plan-ii-23-population-by-district",
        title_ko="인천광역시 행정구역(군·구)별 인구 현황",
        title_en="Population of Incheon by district, 2020-2023",
        description_ko="10개 군·구별 인구 2020~2022년과 2023년 10월(계·남·여), 계 행 포함.",
        description_en="Population per district 2020-2022 and October 2023 (total, male, female), with the "
        "printed total row.",
        theme="administration",
        keywords=["인구", "군구별 인구", "행정구역", "성별 인구"],
        columns=[
            ("sgg_code", "VARCHAR"),
            ("name_ko", "VARCHAR"),
            ("is_total", "BOOLEAN"),
            ("pop_2020", "BIGINT"),
            ("pop_2021", "BIGINT"),
            ("pop_2022", "BIGINT"),
            ("pop_2023_oct", "BIGINT"),
            ("male_2023_oct", "BIGINT"),
            ("female_2023_oct", "BIGINT"),
        ],
        rows=rows,
        district_column="sgg_code",
        temporal_start="2020-01-01",
        temporal_end="2023-10-31",
        notes=[
            "2023년은 10월 기준(계·남·여). 2020~2022년은 성별 구분 없이 계만 인쇄됨.",
            "'계' 행을 보존(sgg_code None, is_total True). 계는 군·구 합과 모든 열에서 일치.",
        ],
        expectations=[
            Expectation(
                "cell_equals",
                "pop_2023_oct",
                621152.0,
                {"name_ko": "서구"},
                "본문 §2.1: '인구가 가장 많은 행정구역은 서구(621,152명)'",
            ),
            Expectation(
                "cell_equals",
                "pop_2023_oct",
                2990276.0,
                {"is_total": True},
                "본문 §2.1: '2023년 10월 기준 인천광역시의 전체 인구는 2,990,276명'",
            ),
            Expectation(
                "cell_equals",
                "pop_2022",
                2967314.0,
                {"is_total": True},
                "[표 II-22] 2022년 인구 계 2,967,314명",
            ),
        ],
    )


def districts_population_table() -> SeedTable:
    """The ten districts with their 2022 population from [표 II-23] (a reference list for joins)."""
    block, parsed = _population_by_district_rows()
    rows = [
        (code, name, DISTRICTS_EN[name], pop22)
        for code, name, is_total, _, _, pop22, *_ in parsed
        if not is_total
    ]
    order = list(DISTRICTS.values())
    rows.sort(key=lambda r: order.index(r[0]))
    return _seed(
        block,
        "incheon-districts-population-2022",
        title_ko="인천광역시 군·구 목록과 2022년 인구",
        title_en="Incheon's ten districts with their 2022 population",
        description_ko="10개 군·구의 시군구 코드, 국문·영문 명칭, [표 II-23]의 2022년 인구.",
        description_en="The ten districts: sgg_code, Korean and English name, and 2022 population from Table "
        "II-23.",
        theme="administration",
        keywords=["군구", "시군구코드", "행정구역", "인구"],
        columns=[
            ("sgg_code", "VARCHAR"),
            ("name_ko", "VARCHAR"),
            ("name_en", "VARCHAR"),
            ("population_2022", "BIGINT"),
        ],
        rows=rows,
        district_column="sgg_code",
        temporal_start="2022-01-01",
        temporal_end="2022-12-31",
        notes=[
            "시군구 코드·영문 명칭은 원문에 없음: 행정표준코드(시군구)와 각 군·구의 공식 영문 명칭을 사용.",
            "인구는 [표 II-23] 2022년 값; 합계(2,967,314)는 표의 '계' 행과 같음.",
        ],
        expectations=[
            Expectation(
                "column_sum", "population_2022", 2967314.0, {}, "[표 II-23] '계' 행 2022년 2,967,314명"
            )
        ],
    )


def migration_table() -> SeedTable:
    """[표 II-24] 연도별 인구 전출 및 전입."""
    block = find_table("II-24")
    _expect_header(block, 0, "연도", "순 이동", "전입", "전출")
    rows = []
    for period, net, moved_in, moved_out in block.rows[1:]:
        rows.append((_year(period), period, to_int(net), to_int(moved_in), to_int(moved_out)))
    return _seed(
        block,
        "plan-ii-24-migration-by-year",
        non_additive_columns=["year"],
        title_ko="연도별 인천광역시 인구 전출 및 전입 현황",
        title_en="In- and out-migration of Incheon by year, 2013-2023",
        description_ko="연도별 전입·전출 인구와 순이동. 2023년은 1~9월 누계.",
        description_en="People moving in and out of Incheon and net migration by year; 2023 covers "
        "January-September.",
        theme="administration",
        keywords=["인구이동", "전입", "전출", "순이동"],
        columns=[
            ("year", "BIGINT"),
            ("period_printed", "VARCHAR"),
            ("net_migration", "BIGINT"),
            ("moved_in", "BIGINT"),
            ("moved_out", "BIGINT"),
        ],
        rows=rows,
        temporal_start="2013-01-01",
        temporal_end="2023-09-30",
        notes=[
            "순이동 감소는 '△'가 아니라 '-1,670'처럼 음수로 인쇄됨 → 음수로 저장.",
            "2023년은 1~9월 누계(period_printed 보존). 모든 행에서 순이동 = 전입 - 전출.",
        ],
    )


_AGE_ROW = re.compile(r"^(\d+)~(\d+)세$")
_ROW_TYPE_KO = {"total": "계", "subtotal": "소계", "band": "연령대"}
_AGE_YEAR_COLUMNS = ("pop_2018", "pop_2019", "pop_2020", "pop_2021", "pop_2022", "pop_2023_oct")


def age_bands_table() -> SeedTable:
    """[표 II-25] 연령대별 인구 현황(10세 단위) 2018~2023(10월)."""
    block = find_table("II-25")
    _expect_header(block, 0, "구분", "2018년", "2019년", "2020년", "2021년", "2022년", "2023(10월)")
    rows = []
    for label, *vals in block.rows[1:]:
        nums = [to_int(v) for v in vals]
        if label == "총 인구수":
            kind, lo, hi = "total", None, None
        elif m := _AGE_ROW.match(label):
            kind, lo, hi = "band", int(m.group(1)), int(m.group(2))
        elif label == "100세 이상":
            kind, lo, hi = "band", 100, None
        elif label == "60세 미만":
            kind, lo, hi = "subtotal", 0, 59
        elif label == "60세 이상":
            kind, lo, hi = "subtotal", 60, None
        else:
            raise ValueError(f"II-25: unexpected row {label!r}")
        rows.append((label, _ROW_TYPE_KO[kind], kind, kind == "total", lo, hi, *nums))
    prose = "본문 §2.1 인구 고령화"
    return _seed(
        block,
        "plan-ii-25-population-by-age-band",
        non_additive_columns=["age_from", "age_to"],
        title_ko="연령대별 인구 현황(10세 단위)",
        title_en="Population of Incheon by ten-year age band, 2018-2023",
        description_ko="10세 단위 연령대별 인구와 60세 미만·60세 이상 소계, 총 인구수(2018~2023년 10월).",
        description_en="Population by ten-year age band with the under-60 / 60-and-over subtotals and the "
        "total, 2018 to October 2023.",
        theme="health-welfare",
        keywords=["연령별 인구", "고령화", "인구구조", "노인인구"],
        columns=[
            ("age_group_ko", "VARCHAR"),
            ("row_type_ko", "VARCHAR"),
            ("row_type", "VARCHAR"),
            ("is_total", "BOOLEAN"),
            ("age_from", "BIGINT"),
            ("age_to", "BIGINT"),
            *[(c, "BIGINT") for c in _AGE_YEAR_COLUMNS],
        ],
        rows=rows,
        temporal_start="2018-01-01",
        temporal_end="2023-10-31",
        notes=[
            "row_type: total(총 인구수), band(10세 단위), subtotal(60세 미만/60세 이상 — 원문에 인쇄된 소계 "
            "행); row_type_ko는 계/연령대/소계.",
            "합계 검증은 row_type='band'만 더해야 함(소계 행까지 더하면 이중 계산). 모든 연도에서 밴드 합 = "
            "소계, 소계 합 = 총 인구수.",
            "100세 이상이 2020년 969명 → 2021년 417명으로 급감 — 원문 그대로.",
        ],
        expectations=[
            Expectation(
                "column_sum", col, float(val), {"row_type": "band"}, f"[표 II-25] 총 인구수 {col} {val:,}명"
            )
            for col, val in zip(_AGE_YEAR_COLUMNS, next(r for r in rows if r[2] == "total")[6:], strict=True)
        ]
        + [
            Expectation("cell_equals", "pop_2018", 2396040.0, {"age_group_ko": "60세 미만"}, prose),
            Expectation("cell_equals", "pop_2023_oct", 2245102.0, {"age_group_ko": "60세 미만"}, prose),
            Expectation("cell_equals", "pop_2018", 558602.0, {"age_group_ko": "60세 이상"}, prose),
            Expectation("cell_equals", "pop_2023_oct", 745174.0, {"age_group_ko": "60세 이상"}, prose),
        ],
    )


def industrial_complexes_table() -> SeedTable:
    """[표 II-28] 인천광역시 산업단지 현황 (17 complexes and their total)."""
    block = find_table("II-28")
    _expect_header(block, 0, "구분", "조성면적", "입주업체", "가동업체", "가동률", "준공년도")
    rows = []
    for name, area, tenants, operating, rate, year in block.rows[1:]:
        rows.append(
            (
                name,
                name in TOTAL_LABELS,
                to_int(area),
                to_int(tenants),
                to_int(operating),
                to_float(rate),
                None if is_dash(year) or not year else _year(year),
            )
        )
    return _seed(
        block,
        "plan-ii-28-industrial-complexes",
        non_additive_columns=["operation_rate_pct", "completion_year"],
        title_ko="인천광역시 산업단지 현황",
        title_en="Industrial complexes of Incheon",
        description_ko="17개 산업단지(국가·지방·도시첨단)의 조성면적, 입주·가동업체 수, 가동률, 준공년도와 "
        "합계.",
        description_en="The 17 industrial complexes: developed area, tenant and operating firms, operation "
        "rate and completion year, with the printed total.",
        theme="industry",
        keywords=["산업단지", "입주업체", "가동률", "국가산업단지"],
        columns=[
            ("name_ko", "VARCHAR"),
            ("is_total", "BOOLEAN"),
            ("area_thousand_m2", "BIGINT"),
            ("tenant_firms", "BIGINT"),
            ("operating_firms", "BIGINT"),
            ("operation_rate_pct", "DOUBLE"),
            ("completion_year", "BIGINT"),
        ],
        rows=rows,
        temporal_start="2022-01-01",
        temporal_end="2022-12-31",
        notes=[
            "'-'는 자료 없음/해당 없음(미입주·미준공 등) → None (0으로 단정하지 않음).",
            "단위: 조성면적 천m², 업체 수 개, 가동률 %. 본문은 총면적을 '21,929m²'로 적었으나 표 단위는 "
            "천m².",
            "합계 행 보존(is_total). 면적·입주·가동업체 합계는 17개 단지 합과 일치.",
        ],
        expectations=[
            Expectation(
                "cell_equals",
                "tenant_firms",
                11787.0,
                {"is_total": True},
                "본문 §2.1 산업단지: '17개 산업단지 내 총 11,787개의 업체가 입주'",
            ),
            Expectation(
                "cell_equals",
                "operation_rate_pct",
                97.1,
                {"is_total": True},
                "본문 §2.1 산업단지: '가동률은 97.1%'",
            ),
        ],
    )


# ---------------------------------------------------------------------------------------------
# 2. Economy (Part II §2.2)


def grdp_table() -> SeedTable:
    """[표 II-29] 광역시도별 지역내총생산 2017~2021."""
    block = find_table("II-29")
    _expect_header(block, 0, "구분", "2017년", "2018년", "2019년", "2020년", "2021년")
    rows = []
    for name, *vals in block.rows[1:]:
        rows.append((name, name == "전국", *[to_int(v) for v in vals]))
    return _seed(
        block,
        "plan-ii-29-grdp-by-province",
        title_ko="광역시도별 지역내총생산(GRDP)",
        title_en="Gross regional domestic product by province, 2017-2021",
        description_ko="전국 및 17개 시·도의 지역내총생산(명목, 10억 원) 2017~2021년.",
        description_en="GRDP of Korea and its 17 provinces, 2017-2021 (KRW billion).",
        theme="industry",
        keywords=["지역내총생산", "지역경제", "시도별", "경제규모"],
        columns=[
            ("region_ko", "VARCHAR"),
            ("is_total", "BOOLEAN"),
            ("grdp_2017", "BIGINT"),
            ("grdp_2018", "BIGINT"),
            ("grdp_2019", "BIGINT"),
            ("grdp_2020", "BIGINT"),
            ("grdp_2021", "BIGINT"),
        ],
        rows=rows,
        temporal_start="2017-01-01",
        temporal_end="2021-12-31",
        notes=[
            "'전국' 행을 합계 행으로 보존(is_total).",
            "시·도 합 vs 전국: 2017~2020년은 ±1(반올림 차이), 2021년은 17개 시·도 합 2,083,785 ≠ 전국 "
            "2,083,794(차이 9, 17개 값의 반올림 오차 한계 8.5 초과) → 원문 그대로 두고 2021년을 "
            "Expectation으로 기록.",
            "본문의 '약 986,705억 원'(2021 인천)은 표의 98,670(10억 원)과 반올림 수준에서만 다름.",
        ],
        expectations=[
            Expectation(
                "column_sum",
                "grdp_2021",
                2083794.0,
                {"is_total": False},
                "[표 II-29] 전국 2021년 2,083,794(10억 원); 17개 시·도 합은 2,083,785",
            )
        ],
    )


# ---------------------------------------------------------------------------------------------
# 3. Living environment (Part II §2.3)


def vehicles_table() -> SeedTable:
    """[표 II-37] 연도별 자동차 등록 현황."""
    block = find_table("II-37")
    _expect_header(block, 0, "연도", "계", "승용차", "승합차", "화물차", "특수차")
    rows = []
    for period, *vals in block.rows[1:]:
        rows.append((_year(period), period, *[to_int(v) for v in vals]))
    prose = "본문 §2.3 차량등록대수: '2023년 5월 기준 … 총 1,704,523대로 승용차 1,454,603대, 승합차 40,914대, 화물차 199,964대, 특수차량 9,042대'"  # noqa: E501
    return _seed(
        block,
        "plan-ii-37-vehicle-registrations",
        non_additive_columns=["year"],
        title_ko="연도별 인천광역시 자동차 등록 현황",
        title_en="Registered motor vehicles in Incheon by year and type",
        description_ko="차종별(승용·승합·화물·특수) 자동차 등록대수 2019~2023년(5월).",
        description_en="Registered vehicles by type (passenger, van, truck, special), 2019 to May 2023.",
        theme="transport",
        keywords=["자동차 등록", "차량", "승용차", "화물차"],
        columns=[
            ("year", "BIGINT"),
            ("period_printed", "VARCHAR"),
            ("total", "BIGINT"),
            ("passenger", "BIGINT"),
            ("van", "BIGINT"),
            ("truck", "BIGINT"),
            ("special", "BIGINT"),
        ],
        rows=rows,
        temporal_start="2019-01-01",
        temporal_end="2023-05-31",
        notes=["2023년은 5월 기준. 모든 행에서 계 = 차종 합."],
        expectations=[
            Expectation("cell_equals", "total", 1704523.0, {"year": 2023}, prose),
            Expectation("cell_equals", "passenger", 1454603.0, {"year": 2023}, prose),
            Expectation("cell_equals", "van", 40914.0, {"year": 2023}, prose),
            Expectation("cell_equals", "truck", 199964.0, {"year": 2023}, prose),
            Expectation("cell_equals", "special", 9042.0, {"year": 2023}, prose),
        ],
    )


_ACCIDENT_INDICATORS = {
    "교통사고 건수": "accidents",
    "사망자 수": "deaths",
    "중상자 수": "serious_injuries",
    "부상자 수": "injuries",
}


def traffic_accidents_table() -> SeedTable:
    """[표 II-38] 전국 및 인천 교통사고 (merged group-label rows carried down to their data rows)."""
    block = find_table("II-38")
    _expect_header(block, 0, "구분", "2018년", "2019년", "2020년", "2021년")
    rows = []
    group: str | None = None
    for cells in block.rows[1:]:
        filled = nonempty(cells)
        if len(filled) == 1:  # a group label printed on its own row (in column 0 or 1)
            group = filled[0]
            continue
        region, *vals = cells
        if group is None:
            raise ValueError("II-38: data row before any group label")
        rows.append((_ACCIDENT_INDICATORS[group], group, region, *[to_int(v) for v in vals]))
    prose = "본문 §2.3 교통사고"
    return _seed(
        block,
        "plan-ii-38-traffic-accidents",
        title_ko="연도별 전국 및 인천광역시 교통사고 현황",
        title_en="Road traffic accidents, deaths and injuries: Korea and Incheon, 2018-2021",
        description_ko="교통사고 건수, 사망자·중상자·부상자 수(전국, 인천) 2018~2021년, 긴 형식(지표×지역).",
        description_en="Accidents, deaths, serious injuries and injuries for Korea and Incheon, 2018-2021, "
        "one row per indicator and area.",
        theme="transport",
        keywords=["교통사고", "사망자", "부상자", "교통안전"],
        columns=[
            ("indicator", "VARCHAR"),
            ("indicator_ko", "VARCHAR"),
            ("region_ko", "VARCHAR"),
            ("count_2018", "BIGINT"),
            ("count_2019", "BIGINT"),
            ("count_2020", "BIGINT"),
            ("count_2021", "BIGINT"),
        ],
        rows=rows,
        temporal_start="2018-01-01",
        temporal_end="2021-12-31",
        notes=[
            "병합 셀: 지표명(교통사고 건수/사망자 수/…)이 별도 행에 한 번만 인쇄됨(첫 그룹은 2열에) → 아래 "
            "'전국'·'인천' 행에 이어 붙임.",
            "불일치: 본문은 2019년 인천 교통사고 사망자를 119명이라 하나 표는 118명 — 표 값을 유지하고 본문 "
            "값을 Expectation으로 기록.",
            "표의 출처 줄이 [표 II-37]과 같은 '자동차 등록현황(인천광역시, 2023)'으로 인쇄됨(복사 오류로 "
            "보임) — 원문 그대로 인용.",
        ],
        expectations=[
            Expectation(
                "cell_equals",
                "count_2019",
                119.0,
                {"indicator": "deaths", "region_ko": "인천"},
                f"{prose}: '교통사고로 인한 사망자수는 2018년 113명에서 2019년 119명까지 증가'",
            ),
            Expectation(
                "cell_equals",
                "count_2018",
                113.0,
                {"indicator": "deaths", "region_ko": "인천"},
                f"{prose}: '사망자수는 2018년 113명'",
            ),
            Expectation(
                "cell_equals",
                "count_2021",
                104.0,
                {"indicator": "deaths", "region_ko": "인천"},
                f"{prose}: '2021년에는 104명으로 감소'",
            ),
            Expectation(
                "cell_equals",
                "count_2019",
                8698.0,
                {"indicator": "accidents", "region_ko": "인천"},
                f"{prose}: '2018년 7,632건에서 2019년 8,698건으로 증가'",
            ),
            Expectation(
                "cell_equals",
                "count_2021",
                1822.0,
                {"indicator": "serious_injuries", "region_ko": "인천"},
                f"{prose}: '중상자수는 2018년 2,473명에서 2021년 1,822명으로'",
            ),
        ],
    )


# Car parks printed under the wrong district group in [표 II-39]: number -> (district, reason)
_CAR_PARK_FIXES = {
    13: ("연수구", "인천시립박물관은 연수구 옥련동 소재 — 남동구 묶음 첫 행에 인쇄됨(한 행 밀림)"),
    18: (
        "남동구",
        "논현택지(논현동)는 남동구 — 부평구 묶음 첫 행에 인쇄됨(한 행 밀림), 논현택지3은 남동구에 인쇄",
    ),
}
_IFEZ_GROUP = "IFEZ (운서지구)"


def car_parks_table() -> SeedTable:
    """[표 II-39] 공영주차장 현황, with district groups carried down and mis-printed groups fixed."""
    block = find_table("II-39")
    _expect_header(block, 0, "구 분", "번호", "주차장명", "급 지", "면 수", "면 적", "운영시간", "관리자")
    rows = []
    group = ""
    for cells in block.rows[1:]:
        label, no, name, grade, spaces, area, hours, manager = cells
        if label in TOTAL_LABELS:
            rows.append(
                (None, "계", "계", None, name, None, to_int(spaces), to_int(area), None, None, True, False)
            )
            continue
        if label:
            group = label  # the district is printed on the first row of its group only
        number = int(no)
        if number in _CAR_PARK_FIXES:
            district, reassigned = _CAR_PARK_FIXES[number][0], True
        elif group == _IFEZ_GROUP:
            district, reassigned = "중구", True
        else:
            district, reassigned = group, False
        rows.append(
            (
                DISTRICTS[district],
                district,
                group,
                number,
                name,
                to_int(grade),
                to_int(spaces),
                to_int(area),
                hours,
                None if is_dash(manager) else manager,
                False,
                reassigned,
            )
        )
    return _seed(
        block,
        "plan-ii-39-public-car-parks",
        non_additive_columns=["no", "grade"],
        title_ko="인천광역시 운영 공영주차장 현황",
        title_en="Public off-street car parks operated by Incheon",
        description_ko="34개 노외 공영주차장의 군·구, 급지, 주차면 수, 면적, 운영시간, 관리자. 계 행 포함.",
        description_en="The 34 public off-street car parks: district, grade, spaces, area, opening hours and "
        "operator, with the printed total row.",
        theme="transport",
        keywords=["공영주차장", "주차면", "주차", "노외주차장"],
        columns=[
            ("sgg_code", "VARCHAR"),
            ("district_ko", "VARCHAR"),
            ("printed_group", "VARCHAR"),
            ("no", "BIGINT"),
            ("name_ko", "VARCHAR"),
            ("grade", "BIGINT"),
            ("spaces", "BIGINT"),
            ("area_m2", "BIGINT"),
            ("operating_hours", "VARCHAR"),
            ("manager", "VARCHAR"),
            ("is_total", "BOOLEAN"),
            ("reassigned", "BOOLEAN"),
        ],
        rows=rows,
        district_column="sgg_code",
        temporal_start="2022-05-01",
        temporal_end="2022-05-31",
        notes=[
            "병합 셀: 군·구가 묶음 첫 행에만 인쇄됨 → 아래 행으로 이어 채움. 인쇄된 묶음명은 printed_group에 "
            "보존.",
            "군·구 재배정(reassigned=True): 'IFEZ (운서지구)' 묶음(28~34, 영종 운서지구)은 중구.",
            *[f"군·구 재배정: {no}번 → {d} ({why})." for no, (d, why) in _CAR_PARK_FIXES.items()],
            "'계' 행 보존(sgg_code None): 주차장명 칸의 '34개소'를 name_ko에 그대로 둠.",
            "불일치: 34개소 합은 면 수 4,941·면적 143,300m²이나 계 행(및 본문)은 4,725면·139,268m² → 원문 "
            "그대로 두고 Expectation으로 기록.",
            "관리자 '-'(27번 계산4) → None. 기준 시점은 본문의 '2022년 5월 기준'.",
        ],
        expectations=[
            Expectation(
                "cell_equals",
                "spaces",
                4725.0,
                {"is_total": True},
                "본문 §2.3 주차장: '공영주차장은 총 34개소로 4,725개의 주차면 수'",
            ),
            Expectation(
                "cell_equals",
                "area_m2",
                139268.0,
                {"is_total": True},
                "본문 §2.3 주차장: '총 면적은 139,268m²'",
            ),
            Expectation(
                "column_sum",
                "spaces",
                4725.0,
                {"is_total": False},
                "[표 II-39] 계 행 면 수 4,725 (34개소 합 4,941)",
            ),
            Expectation(
                "column_sum",
                "area_m2",
                139268.0,
                {"is_total": False},
                "[표 II-39] 계 행 면적 139,268m² (34개소 합 143,300)",
            ),
        ],
    )


def particulate_matter_table() -> SeedTable:
    """[표 II-41] 7대 도시 연평균 PM-10/PM-2.5 (one row per year and city)."""
    block = find_table("II-41")
    header = block.rows[0]
    if header[0] != "연도" or block.rows[1][1:3] != ["PM-10", "PM-2.5"]:
        raise ValueError("II-41: unexpected header")
    cities = nonempty(header[1:])
    if len(cities) != 7:
        raise ValueError(f"II-41: expected 7 cities, got {cities}")
    rows = []
    for cells in block.rows[2:]:
        year, vals = _year(cells[0]), cells[1:]
        if len(vals) != 14:
            raise ValueError(f"II-41 row {cells!r}")
        for k, city in enumerate(cities):
            rows.append((year, city, to_int(vals[2 * k]), to_int(vals[2 * k + 1])))
    prose = "본문 §2.3 대기오염: '2021년 인천의 연평균 미세먼지 농도는 39㎍/㎥, 초미세먼지 농도는 20㎍/㎥'"
    return _seed(
        block,
        "plan-ii-41-pm10-pm25-seven-cities",
        non_additive_columns=["year", "pm10", "pm25"],
        title_ko="7대 도시의 연평균 PM-10·PM-2.5 농도(2012~2021)",
        title_en="Annual mean PM10 and PM2.5 in the seven largest cities, 2012-2021",
        description_ko="인천·서울·부산·대구·광주·대전·울산의 연평균 미세먼지(PM-10)·초미세먼지(PM-2.5) 농도.",
        description_en="Annual mean PM10 and PM2.5 concentrations in Incheon, Seoul, Busan, Daegu, Gwangju, "
        "Daejeon and Ulsan.",
        theme="environment",
        keywords=["미세먼지", "초미세먼지", "대기질", "대기오염"],
        unit="μg/m³",
        columns=[("year", "BIGINT"), ("city_ko", "VARCHAR"), ("pm10", "BIGINT"), ("pm25", "BIGINT")],
        rows=rows,
        temporal_start="2012-01-01",
        temporal_end="2021-12-31",
        notes=[
            "원문 단위가 LaTeX('$\\mu\\text{g}/\\text{m}^3$')로 추출됨 → μg/m³.",
            "도시마다 PM-10/PM-2.5 두 칸씩(하위 머리글은 첫 도시에만 인쇄) → 긴 형식(연도×도시)으로 변환.",
            "2012~2014년 PM-2.5 '-'는 관측자료 없음(표 각주) → None.",
            "출처 줄은 원문 그대로('2022 인천광역시민 재난 안전 의식조사').",
        ],
        expectations=[
            Expectation("cell_equals", "pm10", 39.0, {"year": 2021, "city_ko": "인천"}, prose),
            Expectation("cell_equals", "pm25", 20.0, {"year": 2021, "city_ko": "인천"}, prose),
        ],
    )


def schools_table() -> SeedTable:
    """[표 II-42] 학교 총 개황 2017~2022."""
    block = find_table("II-42")
    _expect_header(block, 0, "연도", "학교수", "학급 및 학과수", "학생수")
    rows = [(_year(y), to_int(s), to_int(c), to_int(n)) for y, s, c, n in block.rows[1:]]
    prose = (
        "본문 §2.3 학교: '2022년 … 교육시설은 977개소이며, 학생수는 2021년 345,267명에서 2022년 409,900명'"
    )
    return _seed(
        block,
        "plan-ii-42-schools",
        non_additive_columns=["year"],
        title_ko="인천광역시 학교 총 개황",
        title_en="Schools, classes and students in Incheon, 2017-2022",
        description_ko="연도별 학교 수, 학급 및 학과 수, 학생 수.",
        description_en="Number of schools, classes/departments and students by year.",
        theme="education",
        keywords=["학교", "학생수", "학급", "교육"],
        columns=[("year", "BIGINT"), ("schools", "BIGINT"), ("classes", "BIGINT"), ("students", "BIGINT")],
        rows=rows,
        temporal_start="2017-01-01",
        temporal_end="2022-12-31",
        notes=["학생 수가 2020년 424,041 → 2021년 345,267 → 2022년 409,900으로 크게 변동 — 원문 그대로."],
        expectations=[
            Expectation("cell_equals", "schools", 977.0, {"year": 2022}, prose),
            Expectation("cell_equals", "students", 345267.0, {"year": 2021}, prose),
            Expectation("cell_equals", "students", 409900.0, {"year": 2022}, prose),
        ],
    )


_HERITAGE_COLUMNS = [
    "heritage_total",
    "national_subtotal",
    "national_treasure",
    "treasure",
    "national_intangible",
    "historic_site",
    "scenic_site",
    "natural_monument",
    "national_folklore",
    "city_subtotal",
    "city_tangible",
    "city_intangible",
    "city_monument",
    "city_folklore",
    "city_cultural_material",
    "registered",
]


def cultural_heritage_table() -> SeedTable:
    """[표 II-47] (printed '[표 11-47]') 문화재 현황 by district."""
    block = find_table("II-47")
    _expect_header(block, 0, "구분", "계", "국가 지정문화재")
    _expect_header(block, 1, "", "", "소계", "국보", "보물")
    rows = []
    for name, *vals in block.rows[2:]:
        nums = [to_int(v, dash=0) for v in vals]
        if len(nums) != 16:
            raise ValueError(f"II-47 row {name!r}: {len(nums)} values")
        rows.append((_sgg(name), name, name in TOTAL_LABELS, *nums))
    prose = "본문 §2.3 문화재: '총 281개 … 국가 지정문화재는 71개, 시 지정 문화재는 194개, 등록문화재 16개'"
    return _seed(
        block,
        "plan-ii-47-cultural-heritage-by-district",
        title_ko="인천광역시 군·구별 문화재 현황",
        title_en="Designated cultural heritage in Incheon by district and category",
        description_ko="군·구별 국가지정문화재(국보·보물·무형문화재·사적·명승·천연기념물·민속문화재), "
        "시지정문화재, 등록문화재 수. 계 행 포함.",
        description_en="Number of national, city-designated and registered cultural heritage items per "
        "district and category, with the printed total row.",
        theme="culture-tourism",
        keywords=["문화재", "국가지정문화재", "시지정문화재", "등록문화재", "문화유산"],
        columns=[
            ("sgg_code", "VARCHAR"),
            ("name_ko", "VARCHAR"),
            ("is_total", "BOOLEAN"),
            *[(c, "BIGINT") for c in _HERITAGE_COLUMNS],
        ],
        rows=rows,
        district_column="sgg_code",
        temporal_start="2023-01-01",
        temporal_end="2023-12-31",
        notes=[
            "'-'는 해당 문화재 없음 → 0.",
            "'계' 행 보존(sgg_code None). 계 = 군·구 합, 각 행의 계 = 국가 소계 + 시 소계 + 등록문화재.",
            "기준 시점 표기 없음 → 출처 연도(2023).",
        ],
        expectations=[
            Expectation("cell_equals", "heritage_total", 281.0, {"is_total": True}, prose),
            Expectation("cell_equals", "national_subtotal", 71.0, {"is_total": True}, prose),
            Expectation("cell_equals", "city_subtotal", 194.0, {"is_total": True}, prose),
            Expectation("cell_equals", "registered", 16.0, {"is_total": True}, prose),
        ],
    )


# ---------------------------------------------------------------------------------------------
# 4. Safety (Part II §2.4)


def safety_accidents_table() -> SeedTable:
    """[표 II-56] 생활안전사고 유형별 발생 현황 2017~2021 and the 5-year average."""
    block = find_table("II-56")
    _expect_header(block, 0, "구분", "2017년", "2018년", "2019년", "2020년", "2021년", "5년 평균")
    rows = []
    for label, *vals in block.rows[1:]:
        rows.append((label, label in TOTAL_LABELS, *[to_int(v) for v in vals]))
    prose = "본문 §2.4 생활안전사고"
    return _seed(
        block,
        "plan-ii-56-safety-accidents-by-type",
        title_ko="생활안전사고 유형별 발생 현황(2017~2021년)",
        title_en="Everyday safety accidents in Incheon by type, 2017-2021",
        description_ko="낙상·추락·중독 등 18개 유형별 생활안전사고 발생건수와 5년 평균, 계 행 포함.",
        description_en="Everyday-life safety accidents by type (falls, poisoning, cuts, ...), 2017-2021 and "
        "the five-year average, with the printed total.",
        theme="safety",
        keywords=["생활안전사고", "낙상", "안전사고", "지역안전지수"],
        columns=[
            ("accident_type_ko", "VARCHAR"),
            ("is_total", "BOOLEAN"),
            ("count_2017", "BIGINT"),
            ("count_2018", "BIGINT"),
            ("count_2019", "BIGINT"),
            ("count_2020", "BIGINT"),
            ("count_2021", "BIGINT"),
            ("avg_5y", "BIGINT"),
        ],
        rows=rows,
        temporal_start="2017-01-01",
        temporal_end="2021-12-31",
        notes=[
            "'계' 행 보존(is_total). 연도별 계 = 유형 합.",
            "5년 평균은 원문에서 정수로 반올림되어 인쇄됨(유형별 평균의 합과 계의 평균은 반올림 차이가 날 수 "
            "있음).",
        ],
        expectations=[
            Expectation(
                "cell_equals", "count_2021", 20251.0, {"is_total": True}, f"{prose}: '2021년 … 20,251건'"
            ),
            Expectation(
                "cell_equals",
                "avg_5y",
                13163.0,
                {"accident_type_ko": "낙상"},
                f"{prose}: '낙상의 5년 평균 13,163건'",
            ),
            Expectation(
                "cell_equals",
                "count_2021",
                211.0,
                {"accident_type_ko": "중독"},
                f"{prose}: '중독 … 2021년 211건'",
            ),
        ],
    )


_CRIMES = {"계": "total", "살인": "murder", "강도": "robbery", "강간·강제추행": "sexual_violence",
           "절도": "theft", "폭력": "violence"}  # fmt: skip
_CRIME_MEASURES = {"발생": "occurred", "검거": "cleared", "검거인원": "arrested_persons"}


def _crime_total_expectations(rows: list[tuple]) -> list[Expectation]:
    """One column_sum per measure and year: the printed '계' must equal the sum of the five crimes."""
    out = []
    for row in rows:
        if not row[4]:
            continue
        for year, value in zip(range(2017, 2021), row[5:], strict=True):
            out.append(
                Expectation(
                    "column_sum",
                    f"count_{year}",
                    float(value),
                    {"measure": row[3], "is_total": False},
                    f"[표 II-57] 계 {year}년 {row[2]} {value:,}",
                )
            )
    return out


def crimes_table() -> SeedTable:
    """[표 II-57] 5대범죄 발생 및 검거 — printed in two halves, each repeating the '계' block."""
    block = find_table("II-57")
    rows: dict[tuple[str, str], tuple] = {}
    order: list[tuple[str, str]] = []
    crime = ""
    for cells in block.rows:
        if cells[0] == "구분":
            continue  # header, printed again on top of the second half
        label, measure, *vals = cells
        if label:
            crime = label.replace(" ", "")
        key = (crime, measure)
        row = (
            crime,
            _CRIMES[crime],
            measure,
            _CRIME_MEASURES[measure],
            crime == "계",
            *[to_int(v) for v in vals],
        )
        if key in rows:
            if rows[key] != row:
                raise ValueError(f"II-57: the repeated '계' rows differ for {key}")
            continue
        rows[key] = row
        order.append(key)
    prose = "본문 §2.4 범죄: '2017년(30,380건) 대비 2020년(28,226건)에 7% 감소'"
    return _seed(
        block,
        "plan-ii-57-five-major-crimes",
        title_ko="5대범죄 발생 및 검거현황(2017~2020년)",
        title_en="The five major crimes in Incheon: offences, cleared cases and arrests, 2017-2020",
        description_ko="살인·강도·강간·강제추행·절도·폭력의 발생건수, 검거건수, 검거인원과 계.",
        description_en="Offences, cleared cases and persons arrested for murder, robbery, sexual violence, "
        "theft and violence, with the totals.",
        theme="safety",
        keywords=["5대범죄", "범죄", "검거", "치안"],
        columns=[
            ("crime_ko", "VARCHAR"),
            ("crime", "VARCHAR"),
            ("measure_ko", "VARCHAR"),
            ("measure", "VARCHAR"),
            ("is_total", "BOOLEAN"),
            ("count_2017", "BIGINT"),
            ("count_2018", "BIGINT"),
            ("count_2019", "BIGINT"),
            ("count_2020", "BIGINT"),
        ],
        rows=[rows[k] for k in order],
        temporal_start="2017-01-01",
        temporal_end="2020-12-31",
        notes=[
            "표가 두 쪽으로 나뉘어 인쇄되며 머리글과 '계' 3행이 두 번 나옴 → 동일함을 확인하고 한 번만 수록.",
            "병합 셀: 범죄명은 묶음 첫 행에만 인쇄 → 아래 행에 이어 채움. '절 도', '강간· 강제추행' 등 "
            "띄어쓰기 정규화.",
            "'계' 행 보존(is_total). 계 = 5개 범죄 합(지표·연도별 Expectation 12개)이나, 2019년 검거인원만 "
            "계 33,664 ≠ 합 33,663 — 원문 그대로.",
        ],
        expectations=[
            *_crime_total_expectations([rows[k] for k in order]),
            Expectation(
                "cell_equals", "count_2017", 30380.0, {"crime": "total", "measure": "occurred"}, prose
            ),
            Expectation(
                "cell_equals", "count_2020", 28226.0, {"crime": "total", "measure": "occurred"}, prose
            ),
        ],
    )


def fires_by_district_table() -> SeedTable:
    """Fires per 10,000 residents by district (2021), a table made from the prose of Part II §2.4."""
    lines = plan_lines()
    idx = next(i for i, line in enumerate(lines) if "옹진군(15.24건)" in line)
    pairs = re.findall(r"([가-힣]+[구군])\((\d+\.\d+)건\)", lines[idx])
    if len(pairs) != 10:
        raise ValueError(f"fires prose: expected 10 districts, got {pairs}")
    rows = [(DISTRICTS[name], name, float(value), rank) for rank, (name, value) in enumerate(pairs, start=1)]
    source_line = next(line.strip() for line in lines[idx : idx + 8] if line.strip().startswith("※ 출처"))
    figure = next(line.strip() for line in lines[idx : idx + 10] if line.strip().startswith("[그림"))
    ref = "본문 II-2.4"
    return SeedTable(
        name="plan-ii-2-4-fires-per-10k-by-district",
        non_additive_columns=["fires_per_10k", "rank_printed"],
        table_ref=ref,
        title_ko="군·구별 주민 만 명당 화재 발생건수(2021년)",
        title_en="Fires per 10,000 residents by district, Incheon 2021",
        description_ko="제2부 2.4 안전·재난 '화재' 본문에 나열된 10개 군·구의 주민 만 명당 화재 "
        "발생건수(2021년).",
        description_en="Fires per 10,000 residents in each of the ten districts (2021), as listed in the "
        "prose of Part II §2.4 (the plan's figure II-38 has no table).",
        theme="safety",
        keywords=["화재", "화재 발생", "소방", "군구별 안전"],
        source=f"{PLAN_TITLE}, {ref}(2.4 안전·재난 > 나. 재난 > 화재) 본문, {figure}; {source_line}",
        unit="건/주민 만 명",
        columns=[
            ("sgg_code", "VARCHAR"),
            ("name_ko", "VARCHAR"),
            ("fires_per_10k", "DOUBLE"),
            ("rank_printed", "BIGINT"),
        ],
        rows=rows,
        district_column="sgg_code",
        temporal_start="2021-01-01",
        temporal_end="2021-12-31",
        notes=[
            "표가 아닌 본문 문장('옹진군(15.24건), 강화군(14.06건), …')에서 구성. 그림 II-38의 수치와 같은 "
            "문장.",
            "rank_printed는 본문 나열 순서(많은 순). 시 전체 값(4.31건)은 비율이라 합계 행을 두지 않음.",
        ],
        expectations=[
            Expectation(
                "cell_equals",
                "fires_per_10k",
                15.24,
                {"name_ko": "옹진군"},
                "본문 §2.4 화재: '옹진군이 15.24건으로 가장 많았으며'",
            ),
            Expectation(
                "cell_equals",
                "fires_per_10k",
                2.69,
                {"name_ko": "연수구"},
                "본문 §2.4 화재: '연수구가 2.69건으로 가장 낮은 것으로 확인'",
            ),
        ],
    )


# ---------------------------------------------------------------------------------------------
# 5. Informatization (Part II §3 and Part V §4)


def informatization_budget_table() -> SeedTable:
    """[표 II-62] 연도별 정보화 사업 예산 2019~2023."""
    block = find_table("II-62")
    _expect_header(block, 0, "연도별", "총 예산", "정보화 예산", "정보화 예산 비율")
    rows = []
    for year, total, it_budget, ratio in block.rows[1:]:
        rows.append((int(year), to_int(total), to_int(it_budget), to_float(ratio)))
    rows.sort()
    return _seed(
        block,
        "plan-ii-62-informatization-budget",
        non_additive_columns=["year", "it_budget_ratio_pct"],
        title_ko="인천광역시 연도별 정보화 사업 예산",
        title_en="Incheon's informatization budget by year, 2019-2023",
        description_ko="연도별 시 총예산, 정보화 예산과 비율(%).",
        description_en="Total city budget, informatization budget and its share (%), by year.",
        theme="administration",
        keywords=["정보화 예산", "예산", "지능정보화 시행계획"],
        unit="백만원, %",
        columns=[
            ("year", "BIGINT"),
            ("total_budget", "BIGINT"),
            ("it_budget", "BIGINT"),
            ("it_budget_ratio_pct", "DOUBLE"),
        ],
        rows=rows,
        temporal_start="2019-01-01",
        temporal_end="2023-12-31",
        notes=[
            "원문은 2023→2019 역순 → 연도 오름차순으로 정렬. 비율 '0.56%' → 0.56(%).",
            "모든 연도에서 비율 = 정보화 예산 / 총 예산 × 100 (소수 둘째 자리 반올림)과 일치.",
            "[표 V-5]의 2023년 인천 정보화 예산(135,742백만 원)과는 집계 범위가 달라 값이 다름.",
        ],
        expectations=[
            Expectation(
                "cell_equals",
                "it_budget",
                78583.0,
                {"year": 2023},
                "[표 II-63] 시 분청 및 사업소 2023년 계 예산액 78,583백만 원",
            ),
        ],
    )


def information_systems_table() -> SeedTable:
    """[표 II-65] 정보시스템 현황 2021~2023 (H/W by kind and S/W)."""
    block = find_table("II-65")
    _expect_header(block, 0, "년도", "총계", "H/W", "", "", "", "", "S/W")
    _expect_header(block, 1, "", "", "소계", "서버", "스토리지", "백업", "보안장비", "")
    rows = []
    for year, *vals in block.rows[2:]:
        rows.append((int(year), *[to_int(v) for v in vals]))
    rows.sort()
    return _seed(
        block,
        "plan-ii-65-information-systems",
        non_additive_columns=["year"],
        title_ko="인천광역시 정보시스템 현황",
        title_en="Incheon's information systems (hardware and software), 2021-2023",
        description_ko="연도별 정보시스템 총계, H/W(서버·스토리지·백업·보안장비) 소계, S/W 수.",
        description_en="Information systems by year: total, hardware subtotal by kind, software.",
        theme="administration",
        keywords=["정보시스템", "서버", "정보자원", "클라우드 전환"],
        columns=[
            ("year", "BIGINT"),
            ("total", "BIGINT"),
            ("hw_subtotal", "BIGINT"),
            ("servers", "BIGINT"),
            ("storage", "BIGINT"),
            ("backup", "BIGINT"),
            ("security_equipment", "BIGINT"),
            ("software", "BIGINT"),
        ],
        rows=rows,
        temporal_start="2021-01-01",
        temporal_end="2023-12-31",
        notes=[
            "불일치: 2022년 H/W 소계 501 ≠ 서버 253 + 스토리지 49 + 백업 19 + 보안장비 189 = 510, 총계 985 - "
            "S/W 475 = 510 → 소계 인쇄값(501)을 유지하고 Expectation(510)으로 기록. 2021·2023년은 일치.",
            "원문은 2023→2021 역순 → 연도 오름차순.",
        ],
        expectations=[
            Expectation(
                "cell_equals",
                "hw_subtotal",
                510.0,
                {"year": 2022},
                "[표 II-65] 2022년 H/W 세부 합 253+49+19+189=510 (총계 985 - S/W 475 = 510)",
            ),
        ],
    )


def public_wifi_table() -> SeedTable:
    """[표 II-72] 공공 와이파이 설치 현황 (installed per year, cumulative to 2022-12-31)."""
    block = find_table("II-72")
    _expect_header(block, 0, "구분", "계", "버스", "공공시설*")
    rows = []
    for label, total, bus, public in block.rows[1:]:
        if label in TOTAL_LABELS:
            year_from, year_to, is_total = None, None, True
        elif m := re.fullmatch(r"~'(\d\d)년", label):
            year_from, year_to, is_total = None, 2000 + int(m.group(1)), False
        elif m := re.fullmatch(r"'(\d\d)년", label):
            year_from = year_to = 2000 + int(m.group(1))
            is_total = False
        else:
            raise ValueError(f"II-72: unexpected row {label!r}")
        rows.append(
            (label, year_from, year_to, is_total, to_int(total, 0), to_int(bus, 0), to_int(public, 0))
        )
    return _seed(
        block,
        "plan-ii-72-public-wifi",
        non_additive_columns=["year_from", "year_to"],
        title_ko="인천광역시 공공 와이파이 설치 현황",
        title_en="Public Wi-Fi access points installed in Incheon by year",
        description_ko="연도별 공공 와이파이 설치 개소(버스, 공공시설)와 2022년 12월 31일 기준 누계.",
        description_en="Public Wi-Fi installed per year on buses and in public facilities, and the total as "
        "of 31 December 2022.",
        theme="science-technology",
        keywords=["공공 와이파이", "무선인터넷", "버스 와이파이", "디지털 인프라"],
        columns=[
            ("period_printed", "VARCHAR"),
            ("year_from", "BIGINT"),
            ("year_to", "BIGINT"),
            ("is_total", "BOOLEAN"),
            ("total", "BIGINT"),
            ("bus", "BIGINT"),
            ("public_facilities", "BIGINT"),
        ],
        rows=rows,
        temporal_end="2022-12-31",
        notes=[
            "'-'는 해당 연도 설치 없음 → 0.",
            "'~'18년' 행은 2018년까지의 누계(year_from None). '계' 행 보존(is_total, 연도 열 None: "
            "2022-12-31 기준 누계) = 연도별 합과 일치.",
            "공공시설*: 버스정류장, 행정복지센터, 공원, 경로당, 청사 내 무선인터넷 등(표 각주).",
        ],
        expectations=[
            Expectation(
                "cell_equals",
                "total",
                9498.0,
                {"is_total": True},
                "본문 §3.1: '2022년 12월 31일 기준 총 9,498의 공공 와이파이가 설치'",
            )
        ],
    )


def it_staff_by_province_table() -> SeedTable:
    """[표 V-4] 광역자치단체 정보화 인력현황 (17 provinces)."""
    block = find_table("V-4")
    _expect_header(block, 0, "구분", "정보화 인력(명)", "", "", "전체 공무원(명)", "정보화 인력 비율(%)")
    _expect_header(block, 1, "", "담당부서", "타 부서", "합계")
    rows = []
    for name, dept, other, total, civil, ratio in block.rows[2:]:
        rows.append((name, to_int(dept), to_int(other), to_int(total), to_int(civil), to_float(ratio)))
    if len(rows) != 17:
        raise ValueError(f"V-4: expected 17 provinces, got {len(rows)}")
    prose = "본문 V-4.3: '인천광역시 정보화인력(전산직·통신직)은 207명으로 전체 공무원(3,969명) 대비 5.22%'"
    return _seed(
        block,
        "plan-v-4-it-staff-by-province",
        non_additive_columns=["it_staff_ratio_pct"],
        title_ko="광역자치단체 정보화 인력현황",
        title_en="IT staff of the 17 provincial governments",
        description_ko="17개 시·도의 정보화 인력(전산·통신직: 담당부서·타 부서), 전체 공무원 수, 정보화 인력 "
        "비율.",
        description_en="IT staff (IT department and other departments), all civil servants and the IT staff "
        "share for each of the 17 provincial governments.",
        theme="administration",
        keywords=["정보화 인력", "전산직", "광역자치단체", "정보화 조직"],
        source=source_citation(block, block.footnotes[0] if block.footnotes else ""),
        unit="명, %",
        columns=[
            ("province_ko", "VARCHAR"),
            ("it_staff_it_dept", "BIGINT"),
            ("it_staff_other_depts", "BIGINT"),
            ("it_staff_total", "BIGINT"),
            ("civil_servants", "BIGINT"),
            ("it_staff_ratio_pct", "DOUBLE"),
        ],
        rows=rows,
        temporal_start="2022-01-01",
        temporal_end="2022-12-31",
        notes=[
            "'※ 출처' 줄 대신 각주(지역정보화백서 2022)를 출처로 인용. 단위는 머리글의 (명)·(%)에서 가져옴.",
            "전체 공무원은 복지직·소방직 제외(표 각주). 합계 행 없음.",
            "모든 행에서 합계 = 담당부서 + 타 부서, 비율 = 합계/전체 공무원×100(소수 둘째 자리).",
        ],
        expectations=[
            Expectation("cell_equals", "it_staff_total", 207.0, {"province_ko": "인천광역시"}, prose),
            Expectation("cell_equals", "civil_servants", 3969.0, {"province_ko": "인천광역시"}, prose),
            Expectation("cell_equals", "it_staff_ratio_pct", 5.22, {"province_ko": "인천광역시"}, prose),
        ],
    )


def it_budget_by_province_table() -> SeedTable:
    """[표 V-5] 2023년도 광역자치단체별 정보화 예산 — printed as two side-by-side column groups."""
    block = find_table("V-5")
    _expect_header(block, 0, "구분", "정보화 예산 (백만원)", "천 명당 예산 (백만원/천명)", "구분")
    left, right = [], []
    for cells in block.rows[1:]:
        if len(cells) != 6:
            raise ValueError(f"V-5 row {cells!r}")
        left.append(cells[:3])
        right.append(cells[3:])
    rows = []
    for name, budget, per_1000 in left + right:
        label = name.replace(" ", "")
        rows.append((label, label in TOTAL_LABELS, to_int(budget), to_float(per_1000)))
    return _seed(
        block,
        "plan-v-5-it-budget-by-province",
        non_additive_columns=["it_budget_per_1000_residents"],
        title_ko="2023년도 광역자치단체별 정보화 예산 규모",
        title_en="2023 informatization budget of the 17 provincial governments",
        description_ko="17개 시·도의 2023년 정보화 예산(백만 원)과 인구 천 명당 예산, 합계 행 포함.",
        description_en="2023 informatization budget (KRW million) and budget per 1,000 residents for each of "
        "the 17 provincial governments, with the printed total.",
        theme="administration",
        keywords=["정보화 예산", "광역자치단체", "지능정보사회 실행계획", "1인당 예산"],
        unit="백만원, 백만원/천명",
        columns=[
            ("province_ko", "VARCHAR"),
            ("is_total", "BOOLEAN"),
            ("it_budget", "BIGINT"),
            ("it_budget_per_1000_residents", "DOUBLE"),
        ],
        rows=rows,
        temporal_start="2023-01-01",
        temporal_end="2023-12-31",
        notes=[
            "표가 좌우 두 묶음(구분·예산·천 명당 예산 ×2)으로 인쇄됨 → 왼쪽 9행 뒤에 오른쪽 9행을 이어 한 "
            "열로 변환.",
            "'합 계' 행 보존(is_total). 17개 시·도 합 2,580,412 vs 합계 2,580,411(차이 1, 반올림으로 보임) → "
            "Expectation으로 기록.",
            "천 명당 예산 합계(50.20)는 인구 가중값이라 합산 검증 대상 아님.",
            "인구는 2023년 4월 기준(본문). 인천 135,742백만 원은 [표 II-62]의 2023년 정보화 예산(78,583)과 "
            "집계 범위가 다름.",
        ],
        expectations=[
            Expectation(
                "column_sum",
                "it_budget",
                2580411.0,
                {"is_total": False},
                "[표 V-5] 합 계 2,580,411백만 원 (17개 시·도 합 2,580,412)",
            ),
            Expectation(
                "cell_equals",
                "it_budget_per_1000_residents",
                45.61,
                {"province_ko": "인천광역시"},
                "본문 V-4.4: '인구 천 명당 예산 비중은 45.61 백만 원'",
            ),
        ],
    )


# ---------------------------------------------------------------------------------------------


def statistical_tables() -> list[SeedTable]:
    """All statistical seed tables of Part II / Part V §4, plus the district reference list."""
    return [
        admin_divisions_table(),
        population_by_year_table(),
        population_by_district_table(),
        migration_table(),
        age_bands_table(),
        industrial_complexes_table(),
        grdp_table(),
        vehicles_table(),
        traffic_accidents_table(),
        car_parks_table(),
        particulate_matter_table(),
        schools_table(),
        cultural_heritage_table(),
        safety_accidents_table(),
        crimes_table(),
        fires_by_district_table(),
        informatization_budget_table(),
        information_systems_table(),
        public_wifi_table(),
        it_staff_by_province_table(),
        it_budget_by_province_table(),
        districts_population_table(),
    ]


def all_seed_tables() -> list[SeedTable]:
    """Every seed table: the portfolio (tasks, budget, grants, strategies) and the statistics."""
    return [tasks_table(), budget_table(), grants_table(), strategies_table(), *statistical_tables()]
