"""Data shape of the seed datasets extracted from Incheon's 6th Intelligent Informatization Master Plan.

Every table carries its own citation (plan + table number + the table's "※ 출처" line) so that a
published dataset can always be traced back to the printed page it came from.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass, field
from typing import Any

from incheon.hub.vocab import THEMES


@dataclass
class Expectation:
    """A consistency check the quality report evaluates, e.g. a figure stated in the plan's prose."""

    kind: str  # "column_sum" | "cell_equals"
    column: str
    expected: float
    where: dict[str, Any] = field(default_factory=dict)  # row filter, column -> value
    source: str = ""  # e.g. "본문 §2.3 교통사고: '사망자수는 ... 2019년 119명'"


@dataclass
class SeedTable:
    """One dataset extracted from the plan, with enough metadata to publish it as a catalog entry."""

    name: str  # CKAN-style slug: lowercase ascii, digits, '-' and '_' only, 2-100 chars
    table_ref: str  # e.g. "표 II-23"
    title_ko: str
    title_en: str
    description_ko: str
    description_en: str
    theme: str  # one of THEMES keys
    keywords: list[str]  # Korean keywords
    source: str  # citation: plan + table number + the table's own "※ 출처" line
    unit: str  # from "(단위 : ...)"
    columns: list[tuple[str, str]]  # (column_name, type)
    rows: list[tuple]  # python values matching the types; None for missing
    district_column: str | None = None  # column holding the 5-digit 시군구 code when rows are per district
    temporal_start: str | None = None  # ISO date
    temporal_end: str | None = None
    notes: list[str] = field(default_factory=list)  # extraction decisions and inconsistencies found
    expectations: list[Expectation] = field(default_factory=list)
    # numeric columns that must not be summed (rates, averages, years, ranks): a totals check comparing a
    # '계' row with the sum of the other rows should skip them
    non_additive_columns: list[str] = field(default_factory=list)

    @property
    def column_names(self) -> list[str]:
        """Column names in order (convenience for tests and loaders)."""
        return [c for c, _ in self.columns]

    def records(self) -> list[dict[str, Any]]:
        """Rows as dicts keyed by column name, so callers need not track positions."""
        names = self.column_names
        return [dict(zip(names, r, strict=True)) for r in self.rows]


#: The ten districts (군·구) of Incheon, name -> 5-digit 시군구 code (sgg_code).
DISTRICTS: dict[str, str] = {
    "중구": "28110",
    "동구": "28140",
    "미추홀구": "28177",
    "연수구": "28185",
    "남동구": "28200",
    "부평구": "28237",
    "계양구": "28245",
    "서구": "28260",
    "강화군": "28710",
    "옹진군": "28720",
}

#: Romanised district names (official English names of the districts).
DISTRICTS_EN: dict[str, str] = {
    "중구": "Jung-gu",
    "동구": "Dong-gu",
    "미추홀구": "Michuhol-gu",
    "연수구": "Yeonsu-gu",
    "남동구": "Namdong-gu",
    "부평구": "Bupyeong-gu",
    "계양구": "Gyeyang-gu",
    "서구": "Seo-gu",
    "강화군": "Ganghwa-gun",
    "옹진군": "Ongjin-gun",
}

COLUMN_TYPES = ("VARCHAR", "BIGINT", "DOUBLE", "DATE", "BOOLEAN")
SLUG_RE = re.compile(r"^[a-z0-9_-]{2,100}$")
COLUMN_RE = re.compile(r"^[a-z][a-z0-9_]*$")


def _value_ok(value: Any, col_type: str) -> bool:
    """Whether a python value fits a column type (None always fits: it is a missing value)."""
    if value is None:
        return True
    if col_type == "VARCHAR":
        return isinstance(value, str)
    if col_type == "BIGINT":
        return isinstance(value, int) and not isinstance(value, bool)
    if col_type == "DOUBLE":
        return isinstance(value, float)
    if col_type == "BOOLEAN":
        return isinstance(value, bool)
    if col_type == "DATE":
        return isinstance(value, dt.date) or (isinstance(value, str) and _is_iso_date(value))
    return False


def _is_iso_date(text: str) -> bool:
    """Whether text is an ISO calendar date (YYYY-MM-DD)."""
    try:
        dt.date.fromisoformat(text)
    except ValueError:
        return False
    return len(text) == 10


def validate_table(table: SeedTable) -> list[str]:
    """Structural problems of a table (empty list when valid), so loaders can refuse bad seeds early."""
    problems: list[str] = []
    if not SLUG_RE.match(table.name):
        problems.append(f"bad slug {table.name!r}")
    if table.theme not in THEMES:
        problems.append(f"unknown theme {table.theme!r}")
    if not table.table_ref or table.table_ref not in table.source:
        problems.append("source does not cite table_ref")
    names = table.column_names
    if len(set(names)) != len(names):
        problems.append("duplicate column names")
    for name, col_type in table.columns:
        if not COLUMN_RE.match(name):
            problems.append(f"bad column name {name!r}")
        if col_type not in COLUMN_TYPES:
            problems.append(f"bad column type {col_type!r} for {name}")
    for i, row in enumerate(table.rows):
        if len(row) != len(table.columns):
            problems.append(f"row {i} has {len(row)} values for {len(table.columns)} columns")
            continue
        for value, (name, col_type) in zip(row, table.columns, strict=True):
            if not _value_ok(value, col_type):
                problems.append(f"row {i} column {name}: {value!r} is not {col_type}")
    if table.district_column is not None:
        if table.district_column not in names:
            problems.append(f"district column {table.district_column!r} missing")
        else:
            idx = names.index(table.district_column)
            codes = set(DISTRICTS.values())
            for i, row in enumerate(table.rows):
                if len(row) == len(names) and row[idx] is not None and row[idx] not in codes:
                    problems.append(f"row {i}: unknown district code {row[idx]!r}")
    for date in (table.temporal_start, table.temporal_end):
        if date is not None and not _is_iso_date(date):
            problems.append(f"bad temporal date {date!r}")
    for col in table.non_additive_columns:
        if col not in names:
            problems.append(f"non-additive column {col!r} missing")
    for exp in table.expectations:
        if exp.kind not in ("column_sum", "cell_equals"):
            problems.append(f"bad expectation kind {exp.kind!r}")
        if exp.column not in names:
            problems.append(f"expectation column {exp.column!r} missing")
        for key in exp.where:
            if key not in names:
                problems.append(f"expectation filter column {key!r} missing")
    return problems
