"""Charts drawn on the server as plain data for an inline-SVG template: a horizontal bar chart (a number by a
label or by district) or a line chart (a number over years or dates, one line per label when the table is
long). Pure functions over rows — no plotting library, nothing loaded from the network.

Colours: the Okabe–Ito palette, darkened where needed so every line reaches 3:1 against white
(WCAG 1.4.11); lines also differ by marker shape and dash, and are labelled at their ends, so no
information is carried by colour alone.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass, field
from typing import Any

NUMERIC = ("BIGINT", "DOUBLE")
TIME_NAMES = {
    "year",
    "yr",
    "yyyy",
    "연도",
    "년도",
    "기준연도",
    "기준년도",
    "date",
    "day",
    "일자",
    "날짜",
    "기준일",
}
TOTAL_LABELS = {"계", "합계", "총계", "소계", "전체", "total"}
CODE_LIKE = re.compile(r"(코드|code|_cd$|^cd_|번호|^no$|^id$|_id$|rank|순위|sgg|admcd)", re.IGNORECASE)
#: Okabe–Ito, darkened to ≥ 3:1 on white; markers and dashes differ too.
SERIES_COLOURS = ("#0a5fa0", "#b34700", "#00795a", "#a3447c", "#6a4c00", "#3d3d3d", "#5b3f8c", "#8a3a00")
MARKERS = ("circle", "square", "triangle", "diamond", "circle", "square", "triangle", "diamond")
DASHES = ("", "6 3", "2 3", "8 3 2 3", "", "6 3", "2 3", "8 3 2 3")
BAR_COLOUR = "#0a5fa0"
MAX_BARS = 40
MAX_SERIES = 8


# ------------------------------------------------------------------------------------------ column roles
def is_time(f: dict[str, Any]) -> bool:
    t = f.get("native_type") or f.get("type")
    if t in ("DATE", "TIMESTAMP"):
        return True
    return t in NUMERIC and f["id"].lower() in TIME_NAMES


def numeric_columns(fields: list[dict[str, Any]]) -> list[str]:
    return [
        f["id"]
        for f in fields
        if (f.get("native_type") or f.get("type")) in NUMERIC
        and not f["id"].startswith("_")
        and not is_time(f)
        and not CODE_LIKE.search(f["id"])
    ]


def label_columns(fields: list[dict[str, Any]]) -> list[str]:
    """Text columns that can label a bar: names before codes."""
    text = [
        f
        for f in fields
        if (f.get("native_type") or f.get("type")) == "VARCHAR" and not f["id"].startswith("_")
    ]
    named = [f["id"] for f in text if not CODE_LIKE.search(f["id"]) and f.get("role") != "geometry"]
    coded = [f["id"] for f in text if CODE_LIKE.search(f["id"])]
    return named + coded


def time_columns(fields: list[dict[str, Any]]) -> list[str]:
    return [f["id"] for f in fields if is_time(f)]


def without_totals(rows: list[dict[str, Any]], label: str | None) -> list[dict[str, Any]]:
    """Printed total rows (is_total, or labelled 계/합계) would dwarf every bar: leave them out."""
    out = []
    for r in rows:
        if r.get("is_total") is True:
            continue
        if label and str(r.get(label) or "").strip().lower() in TOTAL_LABELS:
            continue
        out.append(r)
    return out


# ------------------------------------------------------------------------------------------ scales
def nice_ticks(lo: float, hi: float, count: int = 5) -> list[float]:
    """Round tick values covering [lo, hi]."""
    if not math.isfinite(lo) or not math.isfinite(hi):
        return [0.0, 1.0]
    if hi - lo <= 1e-9 * max(1.0, abs(lo), abs(hi)):
        # A flat range: widen it by its own size, or by 1 when that is zero or vanishingly small.
        hi = lo + (abs(lo) if abs(lo) >= 1e-12 else 1.0)
    raw = (hi - lo) / count
    mag = 10 ** math.floor(math.log10(raw))
    step = next(m * mag for m in (1, 2, 2.5, 5, 10) if m * mag >= raw)
    start = math.floor(lo / step) * step
    ticks = []
    i = 0
    while True:
        v = float(f"{start + i * step:.12g}")
        ticks.append(v)
        if (v >= hi and i >= 1) or i > 100:
            break
        i += 1
    return ticks


def fmt(value: float | None) -> str:
    if value is None:
        return "–"
    if float(value).is_integer():
        return f"{int(value):,}"
    return f"{value:,.2f}".rstrip("0").rstrip(".")


def _short(text: str, limit: int = 14) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"


# ------------------------------------------------------------------------------------------ models
@dataclass
class Bar:
    label: str
    short: str
    value: float
    text: str
    x: float
    y: float
    w: float
    h: float
    ty: float


@dataclass
class Tick:
    pos: float
    text: str


@dataclass
class Series:
    name: str
    colour: str
    marker: str
    dash: str
    path: str
    points: list[tuple[float, float, str, str]]  # x, y, x label, value text
    end: tuple[float, float]


@dataclass
class Chart:
    kind: str  # "bar" | "line"
    x_name: str
    y_name: str
    width: int
    height: int
    bars: list[Bar] = field(default_factory=list)
    series: list[Series] = field(default_factory=list)
    ticks: list[Tick] = field(default_factory=list)
    x_ticks: list[Tick] = field(default_factory=list)
    plot: tuple[float, float, float, float] = (0, 0, 0, 0)  # left, top, right, bottom
    zero: float = 0.0
    table_head: list[str] = field(default_factory=list)
    table_rows: list[list[str]] = field(default_factory=list)
    truncated: int = 0
    summary: dict[str, Any] = field(default_factory=dict)


def bar_chart(pairs: list[tuple[str, float | None]], x_name: str, y_name: str) -> Chart | None:
    """Horizontal bars, in the table's order (labels read down the page, long Korean names fit)."""
    data = [(str(lbl), float(v)) for lbl, v in pairs if v is not None and math.isfinite(float(v))]
    if not data:
        return None
    truncated = max(0, len(data) - MAX_BARS)
    data = data[:MAX_BARS]
    left, right, top, row_h = 190.0, 90.0, 28.0, 26.0
    width = 760
    height = int(top + row_h * len(data) + 12)
    lo, hi = min(0.0, *(v for _, v in data)), max(0.0, *(v for _, v in data))
    ticks = nice_ticks(lo, hi)
    t_lo, t_hi = ticks[0], ticks[-1]
    span = (t_hi - t_lo) or 1.0
    plot_w = width - left - right

    def sx(v: float) -> float:
        return left + (v - t_lo) / span * plot_w

    zero = sx(0.0)
    bars = []
    for i, (label, v) in enumerate(data):
        x0, x1 = sorted((zero, sx(v)))
        y = top + i * row_h + 4
        bars.append(
            Bar(
                label,
                _short(label),
                v,
                fmt(v),
                round(x0, 1),
                round(y, 1),
                round(max(x1 - x0, 1), 1),
                18,
                round(y + 13, 1),
            )
        )
    biggest = max(data, key=lambda p: p[1])
    smallest = min(data, key=lambda p: p[1])
    return Chart(
        kind="bar",
        x_name=x_name,
        y_name=y_name,
        width=width,
        height=height,
        bars=bars,
        ticks=[Tick(round(sx(t), 1), fmt(t)) for t in ticks],
        plot=(left, top, width - right, height - 12),
        zero=round(zero, 1),
        table_head=[x_name, y_name],
        table_rows=[[lbl, fmt(v)] for lbl, v in data],
        truncated=truncated,
        summary={
            "count": len(data),
            "max_label": biggest[0],
            "max": fmt(biggest[1]),
            "min_label": smallest[0],
            "min": fmt(smallest[1]),
        },
    )


def _x_value(v: Any) -> float | None:
    """Years as numbers; ISO dates as fractional years (so dates and years share one axis code)."""
    if v is None:
        return None
    if isinstance(v, int | float):
        return float(v)
    text = str(v)
    m = re.match(r"^(\d{4})(?:-(\d{2})(?:-(\d{2}))?)?", text)
    if not m:
        return None
    year = int(m.group(1))
    month = int(m.group(2) or 1)
    day = int(m.group(3) or 1)
    return year + (month - 1) / 12 + (day - 1) / 365


def line_chart(
    rows: list[dict[str, Any]], x: str, y: str, series_by: str | None, x_name: str, y_name: str
) -> Chart | None:
    groups: dict[str, dict[float, tuple[str, float]]] = {}
    for r in rows:
        xv, yv = _x_value(r.get(x)), r.get(y)
        if xv is None or yv is None:
            continue
        name = str(r.get(series_by)) if series_by else y_name
        bucket = groups.setdefault(name, {})
        prev = bucket.get(xv)
        bucket[xv] = (str(r.get(x))[:10], float(yv) + (prev[1] if prev else 0.0))  # several rows: their sum
    groups = {k: v for k, v in list(groups.items())[:MAX_SERIES] if v}
    if not groups:
        return None
    xs = sorted({xv for g in groups.values() for xv in g})
    ys = [v for g in groups.values() for _, v in g.values()]
    width, height = 760, 360
    left, right, top, bottom = 84.0, 150.0, 20.0, 44.0
    ticks = nice_ticks(min(ys), max(ys))
    t_lo, t_hi = ticks[0], ticks[-1]
    x_lo, x_hi = xs[0], xs[-1]
    x_span = (x_hi - x_lo) or 1.0
    plot_w, plot_h = width - left - right, height - top - bottom

    def sx(v: float) -> float:
        return left + ((v - x_lo) / x_span * plot_w if len(xs) > 1 else plot_w / 2)

    def sy(v: float) -> float:
        return top + plot_h - (v - t_lo) / ((t_hi - t_lo) or 1.0) * plot_h

    labels = {xv: lbl for g in groups.values() for xv, (lbl, _) in g.items()}
    if len(xs) <= 12:
        x_ticks = [Tick(round(sx(v), 1), labels[v]) for v in xs]
    else:
        x_ticks = [Tick(round(sx(v), 1), fmt(v)) for v in nice_ticks(x_lo, x_hi, 6) if x_lo <= v <= x_hi]
    series = []
    for i, (name, pts) in enumerate(groups.items()):
        ordered = sorted(pts.items())
        coords = [(round(sx(xv), 1), round(sy(v), 1), lbl, fmt(v)) for xv, (lbl, v) in ordered]
        path = "M" + " L".join(f"{cx},{cy}" for cx, cy, _, _ in coords)
        series.append(
            Series(
                name=name,
                colour=SERIES_COLOURS[i % len(SERIES_COLOURS)],
                marker=MARKERS[i % len(MARKERS)],
                dash=DASHES[i % len(DASHES)],
                path=path,
                points=coords,
                end=(coords[-1][0] + 8, coords[-1][1] + 4),
            )
        )
    _spread_end_labels(series, top, top + plot_h)
    head = [x_name] + [s.name for s in series]
    table_rows = [
        [labels[xv]] + [fmt(groups[s.name][xv][1]) if xv in groups[s.name] else "–" for s in series]
        for xv in xs
    ]
    return Chart(
        kind="line",
        x_name=x_name,
        y_name=y_name,
        width=width,
        height=height,
        series=series,
        ticks=[Tick(round(sy(t), 1), fmt(t)) for t in ticks],
        x_ticks=x_ticks,
        plot=(left, top, width - right, top + plot_h),
        table_head=head,
        table_rows=table_rows,
        summary={
            "count": len(series),
            "first": labels[xs[0]],
            "last": labels[xs[-1]],
            "min": fmt(min(ys)),
            "max": fmt(max(ys)),
        },
    )


def _spread_end_labels(series: list[Series], top: float, bottom: float, gap: float = 14.0) -> None:
    """Push overlapping end-of-line labels apart vertically."""
    order = sorted(series, key=lambda s: s.end[1])
    last = top - gap
    for s in order:
        y = max(s.end[1], last + gap)
        s.end = (s.end[0], min(y, bottom + gap * len(series)))
        last = y


# ------------------------------------------------------------------------------------------ choice
@dataclass
class ChartChoice:
    """What to draw, chosen from a resource's columns (or the user's picks)."""

    kind: str | None  # "line" | "bar" | "district" | None (nothing to draw)
    x: str | None
    y: str | None
    x_options: list[str]
    y_options: list[str]


def choose(fields: list[dict[str, Any]], want_x: str | None, want_y: str | None) -> ChartChoice:
    nums = numeric_columns(fields)
    times = time_columns(fields)
    labels = label_columns(fields)
    has_district = any(f["id"] == "_sgg_code" for f in fields)
    x_options = times + labels + (["_sgg_code"] if has_district else [])
    y_options = nums
    y = want_y if want_y in nums else (nums[0] if nums else None)
    if y is None:
        return ChartChoice(None, None, None, x_options, y_options)
    x = want_x if want_x in x_options else None
    if x is None:
        x = (times or labels or (["_sgg_code"] if has_district else [None]))[0]
    if x is None:
        return ChartChoice(None, None, y, x_options, y_options)
    kind = "line" if x in times else "district" if x == "_sgg_code" else "bar"
    return ChartChoice(kind, x, y, x_options, y_options)


def series_column(rows: list[dict[str, Any]], x: str, labels: list[str]) -> str | None:
    """When x repeats (one row per year and city), the label column that tells the lines apart."""
    xs = [r.get(x) for r in rows]
    if len(set(xs)) == len(xs):
        return None
    for col in labels:
        values = {r.get(col) for r in rows}
        if 1 < len(values) <= MAX_SERIES and len({(r.get(x), r.get(col)) for r in rows}) == len(rows):
            return col
    return None
