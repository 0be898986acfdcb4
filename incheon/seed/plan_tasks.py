"""The plan as a portfolio: its 45 execution tasks, their budget (Table V-1) and grant sources (VI-1).

Sources inside the plan text:
- Part V §1 "지능정보화 로드맵" (no table number): one row per task, '■' marks per year;
- Part V §2 [표 V-1] 인천광역시 정보화 과제별 소요예산 (printed in two halves, the second half with an
  extra empty column after the label);
- Part V §3 [표 VI-1] 인천광역시 실행과제별 자원조달 현황 (labelled VI-1 although it sits in Part V);
- Part IV, one section per task, each with its own "추진 예산" table (used as a cross-check of V-1).
"""

from __future__ import annotations

import difflib
import re
from dataclasses import dataclass

from incheon.seed.model import Expectation, SeedTable
from incheon.seed.plan_text import (
    PLAN_TITLE,
    find_table,
    is_dash,
    nonempty,
    plan_lines,
    source_citation,
    to_int,
)

YEARS = (2024, 2025, 2026)
BUDGET_COLUMNS = ("budget_2024", "budget_2025", "budget_2026", "budget_total")
_TASK_RE = re.compile(r"^(\d)-(\d)-(\d)\.?\s*(.+)$")
_SUB_RE = re.compile(r"^(\d)-(\d)\.\s*(.+)$")
_STRATEGY_RE = re.compile(r"^([①②③④])\s*(.+)$")
_CIRCLED = {"①": "1", "②": "2", "③": "3", "④": "4"}

STRATEGIES_EN = {
    "1": "Smart administration expanded by intelligence",
    "2": "A prosperous economy prepared by innovation",
    "3": "A pleasant life made safe by digital technology",
    "4": "Warm inclusion cared for by data",
}


@dataclass
class BudgetLine:
    """One printed row of Table V-1 ('-' kept as None, '0' kept as 0)."""

    level: str  # "total" | "strategy" | "substrategy" | "task"
    code: str  # "", "1", "1-1", "1-1-1"
    name_ko: str
    amounts: tuple[int | None, int | None, int | None, int | None]  # 2024, 2025, 2026, total


def _v1_lines() -> list[BudgetLine]:
    """Table V-1 rows in printed order, normalising the two column layouts of its two halves."""
    block = find_table("V-1")
    out: list[BudgetLine] = []
    for cells in block.rows:
        if cells[0] in ("항목", ""):
            continue  # header rows of either half
        if len(cells) == 6 and cells[1] == "":
            cells = [cells[0]] + cells[2:]  # second half: empty column after the label
        label, values = cells[0], cells[1:]
        if len(values) != 4:
            raise ValueError(f"V-1 row {cells!r}: expected 4 amounts")
        amounts = tuple(to_int(v, dash=None) for v in values)
        if label == "총계":
            out.append(BudgetLine("total", "", label, amounts))  # type: ignore[arg-type]
        elif m := _STRATEGY_RE.match(label):
            out.append(BudgetLine("strategy", _CIRCLED[m.group(1)], m.group(2).strip(), amounts))  # type: ignore[arg-type]
        elif m := _TASK_RE.match(label):
            code = f"{m.group(1)}-{m.group(2)}-{m.group(3)}"
            out.append(BudgetLine("task", code, m.group(4).strip(), amounts))  # type: ignore[arg-type]
        elif m := _SUB_RE.match(label):
            code = f"{m.group(1)}-{m.group(2)}"
            out.append(BudgetLine("substrategy", code, m.group(3).strip(), amounts))  # type: ignore[arg-type]
        else:
            raise ValueError(f"V-1: unrecognised row label {label!r}")
    return out


def _roadmap() -> dict[str, list[bool]]:
    """Per task, the '■' marks of the Part V §1 roadmap for 2024/2025/2026 as printed."""
    lines = plan_lines()
    start = next(i for i, line in enumerate(lines) if line.strip() == "지능정보화 로드맵")
    end = next(i for i in range(start, len(lines)) if lines[i].strip() == "2 지능정보화 예산")
    marks: dict[str, list[bool]] = {}
    for line in lines[start:end]:
        cells = [c.strip() for c in line.split("\t")]
        if len(cells) < 2 or not (m := _TASK_RE.match(cells[1])):
            continue
        code = f"{m.group(1)}-{m.group(2)}-{m.group(3)}"
        year_cells = (cells[2:5] + ["", "", ""])[:3]
        marks[code] = [c == "■" for c in year_cells]
    return marks


def _part_iv_sections() -> dict[str, tuple[int, int]]:
    """Line ranges of the per-task sections of Part IV (from a task's header to the next one)."""
    lines = plan_lines()
    part_v = next(i for i, line in enumerate(lines) if line.strip() == "PART V")
    starts: list[tuple[str, int]] = []
    for i, line in enumerate(lines[:part_v]):
        cells = [c.strip() for c in line.split("\t")]
        if len(cells) != 2 or cells[0].replace(" ", "") != "실행과제":
            continue
        codes = re.findall(r"\d-\d-\d", cells[1])
        if len(codes) == 1 and _TASK_RE.match(cells[1]):
            starts.append((codes[0], i))
    sections = {}
    for k, (code, i) in enumerate(starts):
        end = starts[k + 1][1] if k + 1 < len(starts) else part_v
        sections[code] = (i, end)
    return sections


_DETAIL_HEADER = ["사업명", "2024", "2025", "2026", "합계"]


def _detail_budget_totals() -> dict[str, int]:
    """Per task, the '계' of the task's own Part IV budget table (headed 추진 예산, twice 추진 근거)."""
    lines = plan_lines()
    totals: dict[str, int] = {}
    for code, (start, end) in _part_iv_sections().items():
        header = next((i for i in range(start, end) if lines[i].split("\t")[:5] == _DETAIL_HEADER), None)
        if header is None:
            continue
        for line in lines[header + 1 : end]:
            cells = nonempty([c.strip() for c in line.split("\t")])
            if cells and cells[0] == "계":
                totals[code] = to_int(cells[-1]) or 0
                break
    return totals


def _plan_citation(ref: str, what: str) -> str:
    """Citation for a portfolio table assembled from several parts of Part IV/V."""
    return f"{PLAN_TITLE}, {ref} {what}"


def budget_lines() -> list[BudgetLine]:
    """Table V-1 as parsed (public for tests and for the plan API)."""
    return _v1_lines()


def tasks_table() -> SeedTable:
    """The 45 execution tasks with strategy, roadmap years and Table V-1 budget."""
    v1 = _v1_lines()
    strategies = {b.code: b.name_ko for b in v1 if b.level == "strategy"}
    subs = {b.code: b.name_ko for b in v1 if b.level == "substrategy"}
    roadmap = _roadmap()
    details = _detail_budget_totals()
    rows = []
    notes = [
        "예산은 [표 V-1] 기준(백만 원). '-'는 해당 연도 예산 없음으로 보아 None, '0'은 표 각주('0'은 비예산 "
        "과제)에 따라 0으로 보존함.",
        "과제명은 [표 V-1] 표기를 따름. 로드맵·Part IV·[표 VI-1] 표기 차이: 2-1-6 '수출지원 플랫폼 "
        "구축'(V-1) / '…구축 컨설팅'(IV, VI-1) / '…구축 건설당'(로드맵, OCR 오류); 3-2-2 '내비게이션'(V-1) / "
        "'네비게이션'(IV).",
        "세부전략 1-2 명칭: [표 V-1]·Part IV 과제 표지 '신뢰받는 디지털 서비스 이용체계', Part IV 전략 "
        "개요표 '지능형 의사결정 체계 마련' — V-1 명칭 사용.",
        "로드맵(Part V §1, 표 번호 없음): 전략 1은 연도별 칸마다 ■가 있어 그대로 사용.",
        "로드맵 전략 2·3: 과제마다 ■가 하나뿐이고 항상 예산이 처음 잡힌 연도에 찍혀 있음(예: 2-1-1은 3개년 "
        "예산이나 2024만 ■) → 병합된 막대의 시작 칸으로 판단. 시작 연도는 True, 그 이전은 False, 이후 연도는 "
        "원문에서 복원 불가하여 None.",
        "로드맵 전략 4: 8개 과제 모두 ■가 추출되지 않음 → 2024~2026 모두 None(복원 불가).",
        "detail_budget_total: Part IV 각 과제의 '추진 예산' 표 '계'(2-1-3, 2-2-1은 표 제목이 '추진 근거'로 "
        "잘못 인쇄됨). 45개 과제 모두 연도별·합계가 [표 V-1]과 일치함(불일치 시 Expectation으로 기록하도록 "
        "구현).",
        "과제별 주관부서는 원문에 과제 단위로 제시되지 않아 포함하지 않음.",
    ]
    expectations: list[Expectation] = []
    for b in v1:
        if b.level != "task":
            continue
        s_code, ss_code = b.code[0], b.code[:3]
        printed = roadmap.get(b.code)
        if printed is None:
            raise ValueError(f"roadmap row missing for task {b.code}")
        roadmap_years: list[bool | None]
        if s_code == "1":
            roadmap_years = list(printed)
        elif s_code in ("2", "3"):
            if sum(printed) != 1:
                raise ValueError(f"roadmap {b.code}: expected one start mark, got {printed}")
            first = printed.index(True)
            roadmap_years = [False] * first + [True] + [None] * (2 - first)
        else:
            if any(printed):
                raise ValueError(f"roadmap {b.code}: strategy 4 unexpectedly has marks")
            roadmap_years = [None, None, None]
        marks = ",".join(str(y) for y, on in zip(YEARS, printed, strict=True) if on)
        amounts = b.amounts
        non_budget = all(a in (0, None) for a in amounts) and 0 in amounts
        detail = details.get(b.code)
        if detail is not None and detail != amounts[3]:
            expectations.append(
                Expectation(
                    kind="cell_equals",
                    column="budget_total",
                    expected=float(detail),
                    where={"task_code": b.code},
                    source=f"Part IV 과제 {b.code} '추진 예산' 표 계 {detail:,} 백만 원",
                )
            )
        rows.append(
            (
                b.code,
                s_code,
                strategies[s_code],
                ss_code,
                subs[ss_code],
                b.name_ko,
                *roadmap_years,
                marks,
                *amounts,
                non_budget,
                detail,
            )
        )
    if len(rows) != 45:
        raise ValueError(f"expected 45 tasks, parsed {len(rows)}")
    block = find_table("V-1")
    return SeedTable(
        name="plan-v-tasks",
        table_ref="표 V-1",
        title_ko="제6차 지능정보화 기본계획 실행과제(45개) 및 연도별 로드맵·소요예산",
        title_en="Execution tasks of the 6th Intelligent Informatization Master Plan: roadmap and budget",
        description_ko="4대 전략·9개 세부전략 아래 45개 실행과제. 로드맵(Part V §1)의 연도별 추진 여부와 [표 "
        "V-1] 과제별 소요예산(백만 원), Part IV 과제별 추진예산 합계를 함께 수록.",
        description_en="The plan's 45 execution tasks under 4 strategies and 9 sub-strategies, with the "
        "roadmap years (Part V §1), the budget per year from Table V-1 (KRW million) and each task's own "
        "budget total from Part IV.",
        theme="administration",
        keywords=["지능정보화", "실행과제", "로드맵", "소요예산", "기본계획"],
        source=source_citation(
            block,
            "Part V §1 지능정보화 로드맵(표 번호 없음); Part IV 과제별 '추진 예산' 표",
        ),
        unit=block.unit,
        columns=[
            ("task_code", "VARCHAR"),
            ("strategy_code", "VARCHAR"),
            ("strategy_ko", "VARCHAR"),
            ("substrategy_code", "VARCHAR"),
            ("substrategy_ko", "VARCHAR"),
            ("task_ko", "VARCHAR"),
            ("roadmap_2024", "BOOLEAN"),
            ("roadmap_2025", "BOOLEAN"),
            ("roadmap_2026", "BOOLEAN"),
            ("roadmap_marks_printed", "VARCHAR"),
            ("budget_2024", "BIGINT"),
            ("budget_2025", "BIGINT"),
            ("budget_2026", "BIGINT"),
            ("budget_total", "BIGINT"),
            ("is_non_budget", "BOOLEAN"),
            ("detail_budget_total", "BIGINT"),
        ],
        rows=rows,
        temporal_start="2024-01-01",
        temporal_end="2026-12-31",
        notes=notes,
        expectations=expectations,
    )


_LEVEL_KO = {"total": "총계", "strategy": "소계", "substrategy": "소계", "task": "과제"}


def budget_table() -> SeedTable:
    """Table V-1 in wide form: grand total, strategy and sub-strategy subtotals, and the 45 tasks."""
    v1 = _v1_lines()
    rows = []
    for b in v1:
        parent = {"total": None, "strategy": "", "substrategy": b.code[:1], "task": b.code[:3]}[b.level]
        level = "grand_total" if b.level == "total" else b.level
        rows.append((_LEVEL_KO[b.level], level, b.code, parent, b.name_ko, *b.amounts))
    total = next(b for b in v1 if b.level == "total")
    expectations = []
    for col, value in zip(BUDGET_COLUMNS, total.amounts, strict=True):
        expectations.append(
            Expectation(
                kind="column_sum",
                column=col,
                expected=float(value or 0),
                where={"level": "task"},
                source=f"[표 V-1] 총계 행 {col}: {value:,} 백만 원",
            )
        )
    notes = [
        "[표 V-1]은 두 쪽으로 나뉘어 인쇄되었고 뒤쪽 절반은 항목 다음에 빈 열이 하나 더 있음 → 빈 열을 "
        "제거해 정렬.",
        "'-'는 None(해당 연도 예산 없음), '0'은 0(각주: '0'은 비예산 과제)으로 보존.",
        "총계·전략·세부전략 소계를 행으로 보존: level(grand_total/strategy/substrategy/task), "
        "level_ko(총계/소계/과제 — 총계 행과 과제 행 합을 비교하는 일반 합계 검사가 소계 행을 건너뛰도록).",
        "'-'를 0으로 보면 모든 전략·세부전략 소계가 하위 합과, 모든 행의 계가 연도 합과 일치함.",
    ]
    block = find_table("V-1")
    return SeedTable(
        name="plan-v-1-budget",
        table_ref="표 V-1",
        title_ko="인천광역시 정보화 과제별 소요예산(2024~2026)",
        title_en="Required budget per informatization task, Incheon 2024-2026",
        description_ko="[표 V-1]의 총계, 4개 전략·9개 세부전략 소계, 45개 실행과제의 연도별 소요예산(백만 "
        "원).",
        description_en="Table V-1: grand total, strategy and sub-strategy subtotals and the 45 tasks' budget "
        "per year (KRW million).",
        theme="administration",
        keywords=["정보화 예산", "소요예산", "실행과제", "지능정보화"],
        source=source_citation(block),
        unit=block.unit,
        columns=[
            ("level_ko", "VARCHAR"),
            ("level", "VARCHAR"),
            ("code", "VARCHAR"),
            ("parent_code", "VARCHAR"),
            ("name_ko", "VARCHAR"),
            ("budget_2024", "BIGINT"),
            ("budget_2025", "BIGINT"),
            ("budget_2026", "BIGINT"),
            ("budget_total", "BIGINT"),
        ],
        rows=rows,
        temporal_start="2024-01-01",
        temporal_end="2026-12-31",
        notes=notes,
        expectations=expectations,
    )


_KOREAN_UNITS = {"십": 10, "백": 100, "천": 1000, "만": 10**4, "억": 10**8}


def korean_amount_won(expr: str) -> float:
    """A Korean money expression in won: '8천 5백만원' -> 85,000,000, '1억 5천만원', '111.96억원'."""
    text = expr.replace(",", "").replace(" ", "").replace("원", "")
    if not text or not re.fullmatch(r"[\d.십백천만억]+", text):
        raise ValueError(f"not an amount: {expr!r}")
    total, section, number = 0.0, 0.0, None
    for token in re.findall(r"\d+(?:\.\d+)?|[십백천만억]", text):
        if token[0].isdigit():
            number = float(token)
            continue
        unit = _KOREAN_UNITS[token]
        if unit < 10**4:
            section += (number if number is not None else 1) * unit
        else:
            section += number if number is not None else 0
            total += section * unit
            section = 0.0
        number = None
    return total + section + (number or 0)


def parse_support(text: str) -> tuple[float | None, float | None, str | None]:
    """(min, max, basis) in KRW million from a 지원규모 cell; (None, None, None) for '-'.

    '최대 X' gives only a maximum; 'A~B' a range; '…내외' keeps the stated figure as both bounds.
    """
    if is_dash(text) or not text.strip():
        return None, None, None
    body = text.strip()
    basis_parts = []
    for pattern in (r"^총\s*", r"^\d+년간\s*", r"^과제\s*당\s*", r"^사업별\s*", r"^\d+개소당\s*", r"^연\s*"):
        while m := re.match(pattern, body):
            basis_parts.append(m.group(0).replace(" ", ""))
            body = body[m.end() :]
    is_max = False
    if body.startswith("최대"):
        is_max, body = True, body[2:].strip()
    if body.endswith("내외"):
        basis_parts.append("내외")
        body = body[:-2].strip()
    if "~" in body:
        left, right = (p.strip() for p in body.split("~", 1))
        suffix = re.sub(r"^[\d.,]+", "", right)
        if re.fullmatch(r"[\d.,]+", left):
            left += suffix
        low, high = korean_amount_won(left) / 1e6, korean_amount_won(right) / 1e6
    else:
        low = high = korean_amount_won(body) / 1e6
    if is_max:
        low = None
        basis_parts.append("최대")
    low = None if low is None else round(low, 4)
    high = None if high is None else round(high, 4)
    return low, high, " ".join(basis_parts) or None


def _similarity(a: str, b: str) -> float:
    """Similarity of two task names, ignoring spacing and '·' (the plan spells names inconsistently)."""

    def norm(text: str) -> str:
        return text.replace(" ", "").replace("·", "")

    return difflib.SequenceMatcher(None, norm(a), norm(b)).ratio()


def grants_table() -> SeedTable:
    """[표 VI-1] resource procurement: the central-government grant programme suggested per task."""
    block = find_table("VI-1")
    tasks = [b for b in _v1_lines() if b.level == "task"]
    rows = []
    for cells in block.rows:
        if not cells or not cells[0].isdigit():
            continue  # repeated header rows of the three printed pages
        if len(cells) != 6:
            raise ValueError(f"VI-1 row {cells!r}: expected 6 cells")
        no = int(cells[0])
        task_ko, program, support, ministry, timing = cells[1:]
        code = tasks[no - 1].code
        if _similarity(task_ko, tasks[no - 1].name_ko) < 0.8:  # No. order must follow V-1's task order
            raise ValueError(f"VI-1 No.{no} {task_ko!r} does not match task {code} {tasks[no - 1].name_ko!r}")
        low, high, basis = parse_support(support)

        def opt(cell: str) -> str | None:
            return None if is_dash(cell) else cell

        rows.append(
            (
                no,
                code,
                task_ko,
                opt(program),
                opt(support),
                low,
                high,
                basis,
                opt(ministry),
                opt(timing),
                not is_dash(program),
            )
        )
    if len(rows) != 45 or [r[0] for r in rows] != list(range(1, 46)):
        raise ValueError("VI-1: expected rows numbered 1..45")
    notes = [
        "표 번호는 원문 표기 그대로 'VI-1'(Part V §3에 있으나 VI로 인쇄됨; V-2 자리).",
        "No.는 [표 V-1] 과제 순서와 같아 task_code를 순번으로 연결함(과제명 표기는 원문 그대로 유지).",
        "'-'는 해당 공모사업 없음 → None.",
        "지원규모는 원문 문자열(support_text)을 보존하고, 백만 원 환산값을 support_min/max에 추가. '최대 "
        "X'는 max만, 'A~B'는 범위, '내외'는 제시값을 그대로 사용, 기간·단위 조건은 support_basis에 기록.",
        "No.2 부처명 칸에 공모사업명('데이터 활용 기획·검증 사업')이 반복 인쇄됨 — 원문 그대로 둠.",
        "OCR 오류로 보이는 표기 보존: No.17 '시융합 지역특화산업 지원', No.27 'Si기반 다중이용시설…'(과제 "
        "3-1-1 'AI 기반').",
    ]
    return SeedTable(
        name="plan-vi-1-grant-sources",
        table_ref="표 VI-1",
        title_ko="인천광역시 실행과제별 자원조달 현황",
        title_en="Resource procurement (central-government grant programmes) per execution task",
        description_ko="45개 실행과제별로 활용 가능한 중앙부처 공모사업명, 지원규모, 부처, 공모 시기.",
        description_en="For each of the 45 tasks, the central-government grant programme that could fund it, "
        "its support scale, ministry and call period (Table VI-1).",
        theme="administration",
        keywords=["자원조달", "공모사업", "국비", "실행과제"],
        source=source_citation(block),
        unit="지원규모: 원문 표기(환산 열은 백만 원)",
        columns=[
            ("no", "BIGINT"),
            ("task_code", "VARCHAR"),
            ("task_ko", "VARCHAR"),
            ("program_ko", "VARCHAR"),
            ("support_text", "VARCHAR"),
            ("support_min_krw_million", "DOUBLE"),
            ("support_max_krw_million", "DOUBLE"),
            ("support_basis", "VARCHAR"),
            ("ministry_ko", "VARCHAR"),
            ("call_period_ko", "VARCHAR"),
            ("has_program", "BOOLEAN"),
        ],
        rows=rows,
        notes=notes,
    )


_SUBSTRATEGY_DESC_START = "3 지능정보화 추진전략 정의"


def _substrategy_descriptions() -> dict[str, str]:
    """The '(세부전략명) 설명' bullets of Part III §3, keyed by sub-strategy name."""
    lines = plan_lines()
    start = next(i for i, line in enumerate(lines) if line.strip() == _SUBSTRATEGY_DESC_START)
    end = next(i for i in range(start, len(lines)) if lines[i].strip() == "4 지능정보화 미래 목표모델")
    out = {}
    for line in lines[start:end]:
        if m := re.match(r"^- \(([^)]+)\)\s*(.+)$", line.strip()):
            out[m.group(1).strip()] = m.group(2).strip()
    return out


def strategies_table() -> SeedTable:
    """The 4 strategies and 9 sub-strategies with task counts and V-1 totals."""
    v1 = _v1_lines()
    descriptions = _substrategy_descriptions()
    rows = []
    for b in v1:
        if b.level not in ("strategy", "substrategy"):
            continue
        n_tasks = sum(1 for t in v1 if t.level == "task" and t.code.startswith(b.code + "-"))
        desc = descriptions.get(b.name_ko) if b.level == "substrategy" else None
        rows.append(
            (
                b.level,
                b.code,
                b.code[:1],
                b.name_ko,
                STRATEGIES_EN.get(b.code) if b.level == "strategy" else None,
                desc,
                n_tasks,
                b.amounts[3],
            )
        )
    block = find_table("V-1")
    return SeedTable(
        name="plan-v-strategies",
        table_ref="표 V-1",
        title_ko="제6차 지능정보화 기본계획 추진전략 및 세부전략",
        title_en="Strategies and sub-strategies of the 6th Intelligent Informatization Master Plan",
        description_ko="4대 추진전략과 9개 세부전략, 과제 수와 [표 V-1] 3개년 소요예산, Part III §3의 "
        "세부전략 설명.",
        description_en="The 4 strategies and 9 sub-strategies with their number of tasks, 2024-2026 budget "
        "(Table V-1) and the sub-strategy descriptions of Part III §3.",
        theme="administration",
        keywords=["추진전략", "세부전략", "비전체계", "지능정보화"],
        source=source_citation(block, "Part III §3 지능정보화 추진전략 정의"),
        unit=block.unit,
        columns=[
            ("level", "VARCHAR"),
            ("code", "VARCHAR"),
            ("strategy_code", "VARCHAR"),
            ("name_ko", "VARCHAR"),
            ("name_en", "VARCHAR"),
            ("description_ko", "VARCHAR"),
            ("task_count", "BIGINT"),
            ("budget_total", "BIGINT"),
        ],
        rows=rows,
        temporal_start="2024-01-01",
        temporal_end="2026-12-31",
        notes=[
            "전략·세부전략 명칭은 [표 V-1] 표기. name_en은 번역(원문에 영문 없음).",
            "세부전략 설명은 Part III §3 '세부전략 내용'의 괄호 항목에서 가져옴.",
        ],
    )
