"""The portal's pure parts called directly: chart scales and models, map classes and geometry, the
session signer, the facet filter builder, and the module seam (nav, mounting order, rendering API)."""

from __future__ import annotations

import time
from pathlib import Path

import pytest
from hypothesis import example, given
from hypothesis import strategies as st

from incheon.settings import Settings
from incheon.web import charts, maps
from incheon.web.pages import build_fq
from incheon.web.session import MAX_AGE, Session, Signer, key_hash, load_secret


@given(st.floats(-1e9, 1e9, allow_nan=False), st.floats(-1e9, 1e9, allow_nan=False))
@example(a=0.0, b=-5e-324)  # a subnormal span once made log10(0)
def test_nice_ticks_cover_the_range(a: float, b: float) -> None:
    lo, hi = min(a, b), max(a, b)
    ticks = charts.nice_ticks(lo, hi)
    assert ticks == sorted(ticks) and len(ticks) >= 2
    assert ticks[0] <= lo + 1e-6 * max(1, abs(lo)) and ticks[-1] >= hi - 1e-6 * max(1, abs(hi))


def test_bar_chart_handles_negative_values_and_truncates() -> None:
    chart = charts.bar_chart([("a", -5), ("b", 10), ("c", None)], "x", "y")
    assert chart is not None and len(chart.bars) == 2
    a, b = chart.bars
    assert a.x + a.w == pytest.approx(chart.zero, abs=0.2) and b.x == pytest.approx(chart.zero, abs=0.2)
    assert chart.summary["max_label"] == "b" and chart.summary["min"] == "-5"
    many = charts.bar_chart([(str(i), i) for i in range(60)], "x", "y")
    assert many is not None and len(many.bars) == charts.MAX_BARS and many.truncated == 20
    assert charts.bar_chart([("a", None)], "x", "y") is None


def test_line_chart_series_and_dates() -> None:
    rows = [{"year": y, "city": c, "v": y - 2000 + i} for y in (2020, 2021, 2022) for i, c in enumerate("AB")]
    by = charts.series_column(rows, "year", ["city"])
    assert by == "city"
    chart = charts.line_chart(rows, "year", "v", by, "year", "v")
    assert chart is not None and [s.name for s in chart.series] == ["A", "B"]
    assert chart.series[0].marker != chart.series[1].marker and chart.series[0].dash != chart.series[1].dash
    assert chart.table_head == ["year", "A", "B"] and chart.table_rows[0] == ["2020", "20", "21"]
    dated = charts.line_chart(
        [{"d": "2024-01-31", "v": 1}, {"d": "2024-03-01", "v": 2}], "d", "v", None, "d", "v"
    )
    assert dated is not None and [t.text for t in dated.x_ticks] == ["2024-01-31", "2024-03-01"]


def test_chart_choice_from_columns() -> None:
    fields = [
        {"id": "_id", "type": "BIGINT"},
        {"id": "sgg_code", "type": "VARCHAR"},
        {"id": "name_ko", "type": "VARCHAR"},
        {"id": "rank", "type": "BIGINT"},
        {"id": "pop", "type": "BIGINT"},
        {"id": "_sgg_code", "type": "VARCHAR"},
    ]
    c = charts.choose(fields, None, None)
    assert (c.kind, c.x, c.y) == ("bar", "name_ko", "pop") and "rank" not in c.y_options
    assert charts.choose(fields, "_sgg_code", "pop").kind == "district"
    assert charts.choose([*fields, {"id": "year", "type": "BIGINT"}], None, None).kind == "line"
    assert charts.choose([{"id": "name", "type": "VARCHAR"}], None, None).kind is None
    rows = [
        {"name_ko": "계", "pop": 10, "is_total": False},
        {"name_ko": "A", "pop": 4},
        {"pop": 1, "is_total": True},
    ]
    assert charts.without_totals(rows, "name_ko") == [{"name_ko": "A", "pop": 4}]


def test_map_classes_and_geometry() -> None:
    assert maps.classes([]) == []
    assert maps.classes([3.0, 3.0]) == [(3.0, 3.0)]
    ranges = maps.classes([float(v) for v in range(1, 11)])
    assert len(ranges) == 5 and ranges[0][0] == 1 and ranges[-1][1] == 10
    assert all(a[1] <= b[0] for a, b in zip(ranges, ranges[1:], strict=False))
    geometry = maps.DistrictGeometry()
    width, height = geometry.size
    assert len(geometry.shapes) == 10 and width > 640 and height > 300 and geometry.inset.w > 0
    for s in geometry.shapes:
        assert s.d.startswith("M") and 0 <= s.label_x <= width and 0 <= s.label_y <= height
    agg = [{"sgg_code": "28237", "value": 5.0, "rows": 2}, {"sgg_code": "28110", "value": 1.0, "rows": 1}]
    districts, legend = maps.choropleth(geometry, agg, str)
    shaded = {d.shape.code: d for d in districts}
    assert shaded["28237"].colour == legend[-1].colour and shaded["28110"].colour == legend[0].colour
    assert shaded["28720"].value is None and shaded["28720"].colour == maps.NO_DATA


def test_session_signing(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("INCHEON_SECRET_KEY", raising=False)
    secret = load_secret(tmp_path)
    assert secret == load_secret(tmp_path) and (tmp_path / "secret").stat().st_mode & 0o777 == 0o600
    signer = Signer(secret)
    s = Session(user_id="u1", user_name="pub", key_hash=key_hash("inch_x_y"))
    s.ensure_csrf()
    cookie = signer.dumps(s)
    back = signer.loads(cookie)
    assert back.user_id == "u1" and back.check_csrf(s.csrf) and not back.check_csrf("nope")
    assert not Signer(b"other").loads(cookie).logged_in
    assert not signer.loads(cookie[:-2] + "xx").logged_in and not signer.loads("junk.junk").logged_in
    old = Session(user_id="u1", issued=time.time() - MAX_AGE - 5)
    assert not signer.loads(signer.dumps(old)).logged_in
    monkeypatch.setenv("INCHEON_SECRET_KEY", "configured-secret")
    assert load_secret(tmp_path, Settings().secret_key) == b"configured-secret"


def test_facet_filters() -> None:
    assert build_fq({"theme": [], "org": []}) == ""
    assert build_fq({"theme": ["a"], "org": ["b", 'c"d']}) == 'groups:"a" organization:("b" OR "c\\"d")'
    assert build_fq({"theme": ["a"], "org": ["b"]}, skip="theme") == 'organization:"b"'


def test_portal_module_seam() -> None:
    from incheon.extensions import nav_items
    from incheon.plan.module import PlanModule
    from incheon.web.module import PortalModule

    portal = PortalModule.__new__(PortalModule)
    plan = PlanModule.__new__(PlanModule)
    assert PortalModule.prefix == "" and PortalModule.order == 1000 and PlanModule.prefix == ""
    items = nav_items([portal, plan])
    assert [i.href for i in items] == ["/", "/dataset", "/plan", "/publish"]
    assert items[2].label_ko == "기본계획 과제" and items[2].label_en == "Master plan tasks"
    assert PortalModule.implements["1-1-1"] == "/dataset"
