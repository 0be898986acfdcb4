"""Tests of the plan-as-portfolio tables: 45 tasks, Table V-1 budget, VI-1 grant sources, strategies."""

from __future__ import annotations

from collections import Counter

import pytest

from incheon.seed.model import validate_table
from incheon.seed.plan_tasks import (
    BUDGET_COLUMNS,
    budget_lines,
    budget_table,
    grants_table,
    korean_amount_won,
    parse_support,
    strategies_table,
    tasks_table,
)


@pytest.fixture(scope="module")
def tasks() -> dict[str, dict]:
    return {r["task_code"]: r for r in tasks_table().records()}


@pytest.fixture(scope="module")
def budget() -> list[dict]:
    return budget_table().records()


def _amounts(r: dict) -> tuple:
    """The budget cells of a row: 2024, 2025, 2026, total."""
    return tuple(r[c] for c in BUDGET_COLUMNS)


def _n(value: int | None) -> int:
    """'-' (None) counts as 0 when adding up the budget."""
    return value or 0


# --- tasks -----------------------------------------------------------------------------------


def test_exactly_45_tasks_with_unique_codes(tasks: dict[str, dict]) -> None:
    table = tasks_table()
    assert len(table.rows) == 45
    assert len(tasks) == 45
    assert list(tasks) == sorted(tasks)  # printed order is code order
    assert validate_table(table) == []


def test_task_counts_per_strategy_and_substrategy(tasks: dict[str, dict]) -> None:
    assert Counter(r["strategy_code"] for r in tasks.values()) == {"1": 16, "2": 10, "3": 11, "4": 8}
    assert Counter(r["substrategy_code"] for r in tasks.values()) == {
        "1-1": 4, "1-2": 6, "1-3": 6, "2-1": 6, "2-2": 4, "3-1": 7, "3-2": 4, "4-1": 3, "4-2": 5,
    }  # fmt: skip
    for code, r in tasks.items():
        assert code.startswith(r["substrategy_code"] + "-")
        assert r["substrategy_code"].startswith(r["strategy_code"] + "-")


def test_task_names_and_strategy_names(tasks: dict[str, dict]) -> None:
    assert tasks["1-1-1"]["task_ko"] == "인천 데이터허브 고도화"
    assert tasks["4-2-5"]["task_ko"] == "무단방치 개인형 이동장치 신고시스템 구축"
    # V-1 spelling, not the roadmap's OCR ('…구축 건설당')
    assert tasks["2-1-6"]["task_ko"] == "인천광역시 수출지원 플랫폼 구축"
    assert tasks["1-2-1"]["substrategy_ko"] == "신뢰받는 디지털 서비스 이용체계"
    assert tasks["3-2-4"]["strategy_ko"] == "디지털로 안심하는 쾌적한 생활"


def test_known_budget_cells(tasks: dict[str, dict]) -> None:
    dr = tasks["1-2-3"]
    assert _amounts(dr) == (None, 6682, 6681, 13363)
    drive = tasks["3-2-4"]
    assert (drive["budget_2024"], drive["budget_2025"], drive["budget_2026"]) == (8453, 8400, None)
    # second half of V-1 (extra empty column after the label) must not shift the amounts
    startup = tasks["2-1-4"]
    assert (startup["budget_2024"], startup["budget_2025"], startup["budget_2026"]) == (100, 100, None)
    assert startup["budget_total"] == 200
    assert tasks["4-2-3"]["budget_total"] == 52


def test_dash_is_none_and_zero_is_non_budget(tasks: dict[str, dict]) -> None:
    db = tasks["1-1-2"]
    assert _amounts(db) == (None, 0, None, 0)
    assert db["is_non_budget"] is True
    assert tasks["4-1-2"]["is_non_budget"] is True
    assert tasks["2-1-5"]["is_non_budget"] is True
    assert tasks["1-2-5"]["is_non_budget"] is False  # 900 / 0 / 100: budgeted, with a zero year
    assert sum(r["is_non_budget"] for r in tasks.values()) == 3


def test_task_totals_equal_year_sums(tasks: dict[str, dict]) -> None:
    for code, r in tasks.items():
        years = _n(r["budget_2024"]) + _n(r["budget_2025"]) + _n(r["budget_2026"])
        assert years == r["budget_total"], code


def test_part_iv_budget_tables_agree_with_v1(tasks: dict[str, dict]) -> None:
    assert all(r["detail_budget_total"] is not None for r in tasks.values())
    for code, r in tasks.items():
        assert r["detail_budget_total"] == r["budget_total"], code
    assert tasks_table().expectations == []


def test_roadmap_strategy_1_as_printed(tasks: dict[str, dict]) -> None:
    def years(code: str) -> tuple:
        r = tasks[code]
        return r["roadmap_2024"], r["roadmap_2025"], r["roadmap_2026"]

    assert years("1-1-1") == (False, True, False)
    assert years("1-1-3") == (False, True, True)
    assert years("1-2-1") == (True, True, True)
    assert years("1-2-4") == (False, False, True)
    assert years("1-3-6") == (True, False, False)
    # a year with a positive budget is always a roadmap year (catches a shifted column)
    for code, r in tasks.items():
        if r["strategy_code"] != "1":
            continue
        for y in (2024, 2025, 2026):
            if _n(r[f"budget_{y}"]) > 0:
                assert r[f"roadmap_{y}"] is True, (code, y)


def test_roadmap_strategies_2_3_start_mark_and_4_unknown(tasks: dict[str, dict]) -> None:
    r = tasks["2-1-1"]
    assert (r["roadmap_2024"], r["roadmap_2025"], r["roadmap_2026"]) == (True, None, None)
    r = tasks["2-1-5"]
    assert (r["roadmap_2024"], r["roadmap_2025"], r["roadmap_2026"]) == (False, True, None)
    for code, r in tasks.items():
        marks = [r["roadmap_2024"], r["roadmap_2025"], r["roadmap_2026"]]
        if r["strategy_code"] in ("2", "3"):
            start = marks.index(True)
            first_budget = next(i for i, y in enumerate((2024, 2025, 2026)) if r[f"budget_{y}"] is not None)
            assert start == first_budget, code  # the single mark sits on the first budgeted year
            assert marks[:start] == [False] * start and marks[start + 1 :] == [None] * (2 - start)
        if r["strategy_code"] == "4":
            assert marks == [None, None, None] and r["roadmap_marks_printed"] == ""
    notes = " ".join(tasks_table().notes)
    assert "복원 불가" in notes and "전략 4" in notes


# --- budget (Table V-1) ----------------------------------------------------------------------


def test_budget_grand_total(budget: list[dict]) -> None:
    totals = [r for r in budget if r["level"] == "grand_total"]
    assert len(totals) == 1
    t = totals[0]
    assert _amounts(t) == (46571, 38264, 38901, 123736)
    assert t["level_ko"] == "총계" and t["name_ko"] == "총계"


def test_budget_row_counts(budget: list[dict]) -> None:
    levels = Counter(r["level"] for r in budget)
    assert levels == {"grand_total": 1, "strategy": 4, "substrategy": 9, "task": 45}
    assert len(budget_lines()) == 59


@pytest.mark.parametrize("col", BUDGET_COLUMNS)
def test_budget_hierarchy_reconciles(budget: list[dict], col: str) -> None:
    by_level: dict[str, list[dict]] = {}
    for r in budget:
        by_level.setdefault(r["level"], []).append(r)
    for sub in by_level["substrategy"]:
        children = [r for r in by_level["task"] if r["parent_code"] == sub["code"]]
        assert children, sub["code"]
        assert sum(_n(r[col]) for r in children) == _n(sub[col]), (sub["code"], col)
    for strategy in by_level["strategy"]:
        children = [r for r in by_level["substrategy"] if r["parent_code"] == strategy["code"]]
        assert sum(_n(r[col]) for r in children) == _n(strategy[col]), (strategy["code"], col)
    grand = by_level["grand_total"][0]
    assert sum(_n(r[col]) for r in by_level["strategy"]) == grand[col]
    assert sum(_n(r[col]) for r in by_level["task"]) == grand[col]


def test_budget_row_totals_equal_year_sums(budget: list[dict]) -> None:
    for r in budget:
        years = _n(r["budget_2024"]) + _n(r["budget_2025"]) + _n(r["budget_2026"])
        assert years == r["budget_total"], r["code"]


def test_budget_known_strategy_subtotals(budget: list[dict]) -> None:
    by_code = {r["code"]: r for r in budget if r["level"] in ("strategy", "substrategy")}
    assert by_code["1"]["budget_total"] == 40802
    assert by_code["3"]["budget_2024"] == 28803
    assert by_code["2-2"]["budget_2026"] == 0
    assert by_code["4-2"]["budget_total"] == 2159


def test_budget_expectations_are_the_grand_total() -> None:
    table = budget_table()
    assert validate_table(table) == []
    got = {(e.kind, e.column, e.expected, tuple(e.where.items())) for e in table.expectations}
    assert got == {
        ("column_sum", "budget_2024", 46571.0, (("level", "task"),)),
        ("column_sum", "budget_2025", 38264.0, (("level", "task"),)),
        ("column_sum", "budget_2026", 38901.0, (("level", "task"),)),
        ("column_sum", "budget_total", 123736.0, (("level", "task"),)),
    }
    assert "V-1" in table.source and table.unit == "백만 원"


# --- grants (Table VI-1) ---------------------------------------------------------------------


def test_grants_rows_and_task_link(tasks: dict[str, dict]) -> None:
    table = grants_table()
    assert validate_table(table) == []
    rows = table.records()
    assert [r["no"] for r in rows] == list(range(1, 46))
    assert [r["task_code"] for r in rows] == list(tasks)
    assert "표 VI-1" in table.source and table.table_ref == "표 VI-1"
    assert sum(r["has_program"] for r in rows) == 19
    first = rows[0]
    assert first["program_ko"] is None and first["support_text"] is None and first["has_program"] is False


def test_grants_known_cells() -> None:
    rows = {r["no"]: r for r in grants_table().records()}
    assert rows[2]["support_text"] == "8천 5백만원" and rows[2]["support_max_krw_million"] == 85.0
    assert rows[5]["ministry_ko"] == "행정안전부" and rows[5]["support_max_krw_million"] == 73600.0
    assert (rows[13]["support_min_krw_million"], rows[13]["support_max_krw_million"]) == (800.0, 1000.0)
    assert (rows[34]["support_min_krw_million"], rows[34]["support_max_krw_million"]) == (None, 1500.0)
    assert rows[27]["support_max_krw_million"] == 14586.0
    assert rows[45]["support_max_krw_million"] == 150.0
    assert rows[45]["ministry_ko"] == "과학기술정보통신부, 행정안전부"
    assert rows[42]["call_period_ko"] == "3~4월"


@pytest.mark.parametrize(
    ("text", "won"),
    [
        ("8천 5백만원", 85_000_000),
        ("1억 5천만원", 150_000_000),
        ("1,380백만원", 1_380_000_000),
        ("111.96억원", 11_196_000_000),
        ("15억", 1_500_000_000),
    ],
)
def test_korean_amounts(text: str, won: int) -> None:
    assert korean_amount_won(text) == pytest.approx(won)


def test_support_parsing() -> None:
    assert parse_support("-") == (None, None, None)
    assert parse_support("과제 당 연 6억원 내외") == (600.0, 600.0, "과제당 연 내외")
    assert parse_support("1개소당 최대 2.5억원") == (None, 250.0, "1개소당 최대")
    assert parse_support("4년간 100억원") == (10000.0, 10000.0, "4년간")
    with pytest.raises(ValueError):
        korean_amount_won("ISP 결과에 따른 산출예산")


# --- strategies ------------------------------------------------------------------------------


def test_strategies_table() -> None:
    table = strategies_table()
    assert validate_table(table) == []
    rows = table.records()
    assert len(rows) == 13
    assert Counter(r["level"] for r in rows) == {"strategy": 4, "substrategy": 9}
    assert sum(r["task_count"] for r in rows if r["level"] == "strategy") == 45
    assert sum(r["budget_total"] for r in rows if r["level"] == "strategy") == 123736
    sub = {r["code"]: r for r in rows}["3-2"]
    assert sub["name_ko"] == "지능화된 교통 안심거리"
    assert sub["description_ko"].startswith("교통사고 발생을 줄이기 위한")
    assert all(r["description_ko"] for r in rows if r["level"] == "substrategy")
