"""Access to the plan's text and small helpers for parsing its tab-separated tables.

The text was extracted from a PDF/HWP: table cells are tab-separated, some labels were OCR'd as
"11-" instead of "II-", the table of contents near the end repeats every label, and numbers use
"1,234", "△12" (a decrease) and "-" (none).  These helpers deal with that once, so the table
parsers can stay short and explicit.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path

PLAN_FILE = Path(__file__).with_name("data") / "incheon_master_plan_2024_2026.txt"
PLAN_TITLE = "제6차 인천광역시 지능정보화 기본계획(2024~2026)"

_LABEL_RE = re.compile(r"^\[(표|그림)\s*([^\]]+)\]\s*(.*)$")
_TOC_HEADING = "5 표 목차"
_ROMAN = {"Ⅰ": "I", "Ⅱ": "II", "Ⅲ": "III", "Ⅳ": "IV", "Ⅴ": "V", "Ⅵ": "VI"}
_PROSE_PREFIXES = ("- ", " - ", "▶", "●", "■ ")


@lru_cache(maxsize=1)
def load_plan_text() -> str:
    """The full plan text (cached: it is read by every parser)."""
    return PLAN_FILE.read_text(encoding="utf-8")


@lru_cache(maxsize=1)
def plan_lines() -> tuple[str, ...]:
    """The plan text split into lines (0-based index = line number - 1)."""
    return tuple(load_plan_text().split("\n"))


def normalize_label(label: str) -> str:
    """Canonical table label: 'II-47' for '11-47', 'Ⅲ-1' or 'II- 47' (OCR and typography variants)."""
    text = label.strip()
    for roman, ascii_roman in _ROMAN.items():
        text = text.replace(roman, ascii_roman)
    text = re.sub(r"\s*-\s*", "-", text)
    text = re.sub(r"^11-", "II-", text)
    return text


@dataclass
class TableBlock:
    """One printed table: its label, title, unit, tab-split rows and its source/footnote lines."""

    label: str  # normalised, e.g. "II-47"
    printed_label: str  # as printed, e.g. "11-47"
    title: str
    line_no: int  # 1-based line number of the label line
    unit: str = ""
    rows: list[list[str]] = field(default_factory=list)
    source: str = ""  # the "※ 출처 ..." line, without the marker
    footnotes: list[str] = field(default_factory=list)
    other_lines: list[str] = field(default_factory=list)  # stray non-table lines inside the block

    @property
    def ref(self) -> str:
        """Citation form of the label, e.g. '표 II-47'."""
        return f"표 {self.label}"


def _toc_start() -> int:
    """Index of the list-of-tables heading: labels after it are the table of contents, not the body."""
    lines = plan_lines()
    for i, line in enumerate(lines):
        if line.strip() == _TOC_HEADING:
            return i
    return len(lines)


def find_label_lines(label: str, kind: str = "표") -> list[int]:
    """Indices of body lines carrying a label (table-of-contents occurrences excluded)."""
    want = normalize_label(label)
    toc = _toc_start()
    hits = []
    for i, line in enumerate(plan_lines()[:toc]):
        m = _LABEL_RE.match(line.strip())
        if m and m.group(1) == kind and normalize_label(m.group(2)) == want:
            hits.append(i)
    return hits


def _unit_of(line: str) -> str | None:
    """The unit in a '(단위 : 명, 가구)' style line, or None."""
    m = re.search(r"단위\s*:\s*([^)]*)\)", line)
    return m.group(1).strip() if m else None


def find_table(label: str, max_lines: int = 250) -> TableBlock:
    """The body occurrence of a table, with its rows up to its '※ 출처' line (or the next label/prose).

    Raises ValueError if the label is missing or printed more than once in the body.
    """
    hits = find_label_lines(label)
    if len(hits) != 1:
        raise ValueError(f"table {label!r}: expected one body occurrence, found {len(hits)}")
    lines = plan_lines()
    start = hits[0]
    m = _LABEL_RE.match(lines[start].strip())
    assert m is not None
    block = TableBlock(
        label=normalize_label(m.group(2)),
        printed_label=m.group(2).strip(),
        title=m.group(3).strip(),
        line_no=start + 1,
    )
    seen_source = False
    for line in lines[start + 1 : start + 1 + max_lines]:
        stripped = line.strip()
        if _LABEL_RE.match(stripped):
            break
        if seen_source:
            # after the source line only footnotes belong to the table
            if not stripped or stripped.startswith(("*", "※", "(개선정도)")):
                if stripped:
                    block.footnotes.append(stripped)
                continue
            break
        if "\t" in line:
            block.rows.append([c.strip() for c in line.split("\t")])
            continue
        if not stripped:
            continue
        unit = _unit_of(stripped)
        if unit is not None and not block.rows:
            block.unit = unit
            continue
        if stripped.startswith("※") and "출처" in stripped[:6]:
            block.source = re.sub(r"^※\s*출처\s*:?\s*", "", stripped)
            seen_source = True
            continue
        if stripped.startswith(("*", "※")):
            block.footnotes.append(stripped)
            continue
        if block.rows and line.startswith(_PROSE_PREFIXES):
            break
        block.other_lines.append(stripped)
    return block


def is_dash(cell: str) -> bool:
    """Whether a cell is the plan's '-' (none / not applicable)."""
    return cell.strip() in ("-", "–", "—")


def parse_number(cell: str) -> int | float | None:
    """A printed number as int/float: '1,234' -> 1234, '△12' -> -12, '0.56%' -> 0.56, '-'/'' -> None.

    Raises ValueError for text that is not a number, so a misaligned cell cannot pass silently.
    """
    text = cell.strip().rstrip("*").replace(",", "").replace(" ", "")
    if text == "" or is_dash(text):
        return None
    negative = False
    if text.startswith("△"):
        negative, text = True, text[1:]
    text = text.rstrip("%")
    if not re.fullmatch(r"-?\d+(\.\d+)?", text):
        raise ValueError(f"not a number: {cell!r}")
    value: int | float = float(text) if "." in text else int(text)
    return -value if negative else value


def to_int(cell: str, dash: int | None = None) -> int | None:
    """An integer cell; '-' (and an empty cell) becomes `dash` (the caller decides: None or 0)."""
    value = parse_number(cell)
    if value is None:
        return dash
    if isinstance(value, float):
        raise ValueError(f"expected an integer: {cell!r}")
    return value


def to_float(cell: str, dash: float | None = None) -> float | None:
    """A decimal cell as float; '-' (and an empty cell) becomes `dash`."""
    value = parse_number(cell)
    return dash if value is None else float(value)


def split_row(line: str) -> list[str]:
    """One tab-separated printed row, cells stripped."""
    return [c.strip() for c in line.split("\t")]


def nonempty(cells: list[str]) -> list[str]:
    """The cells that carry something (the plan pads merged cells with empty tabs)."""
    return [c for c in cells if c != ""]


def source_citation(block: TableBlock, extra: str = "") -> str:
    """Citation of a table: the plan, the table number and title, and the table's own source line."""
    cite = f"{PLAN_TITLE}, [{block.ref}] {block.title}"
    if block.source:
        cite += f"; ※ 출처 : {block.source}"
    if extra:
        cite += f"; {extra}"
    return cite
