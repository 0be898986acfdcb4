"""District choropleths as inline SVG, drawn from the built-in district boundaries (no tiles, no library).

Longitude/latitude are projected equirectangularly with x scaled by cos(mean latitude), which is close
enough over Incheon's 1° of latitude. The three far north-western islands of Ongjin-gun (Baengnyeong,
Daecheong, Socheong, west of 125°E) are drawn in an inset, as Korean maps of Incheon usually do; otherwise
the city's mainland districts would be a few pixels wide.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from functools import cached_property
from typing import Any

import shapely
from shapely.geometry import MultiPolygon, Polygon, shape

from incheon.hub.geo import DISTRICT_NAMES_EN, base_layers

WIDTH = 640.0  # the main frame; the inset column adds to it
INSET_LON = 125.0
#: ColorBrewer YlGnBu, 5 classes (colour-blind safe, sequential); outlines carry the shapes.
PALETTE = ("#ffffcc", "#a1dab4", "#41b6c4", "#2c7fb8", "#253494")
NO_DATA = "#e0e0e0"
FUNCS = ("sum", "avg", "count", "min", "max")


@dataclass
class DistrictShape:
    code: str
    name: str
    name_en: str
    d: str  # SVG path data (main frame and inset)
    label_x: float
    label_y: float


@dataclass
class Frame:
    x: float
    y: float
    w: float
    h: float


class DistrictGeometry:
    """Projected district paths; computed once per process from the immutable base layer."""

    @cached_property
    def _layout(self) -> tuple[list[DistrictShape], Frame, float, float]:
        feats = base_layers().districts_geojson["features"]
        parts: dict[str, tuple[list[Polygon], list[Polygon]]] = {}
        for f in feats:
            geom = shape(f["geometry"]).simplify(0.0004, preserve_topology=True)
            polys = list(geom.geoms) if isinstance(geom, MultiPolygon) else [geom]
            main = [p for p in polys if p.centroid.x >= INSET_LON]
            inset = [p for p in polys if p.centroid.x < INSET_LON]
            parts[f["properties"]["sgg_code"]] = (main, inset)
        all_main = shapely.union_all([p for m, _ in parts.values() for p in m])
        all_inset = [p for _, i in parts.values() for p in i]
        minx, miny, maxx, maxy = all_main.bounds
        k = math.cos(math.radians((miny + maxy) / 2))
        scale = WIDTH / ((maxx - minx) * k)
        height = (maxy - miny) * scale
        # The inset sits in its own column left of the main map (never over an island).
        inset_frame = Frame(0, 0, 0, 0)
        offset = 0.0
        if all_inset:
            ix0, iy0, ix1, iy1 = shapely.union_all(all_inset).bounds
            iscale, pad = scale * 1.6, 8.0
            inset_frame = Frame(1, 1, (ix1 - ix0) * k * iscale + 2 * pad, (iy1 - iy0) * iscale + 2 * pad)
            offset = inset_frame.w + 12

            def proj_inset(x: float, y: float) -> tuple[float, float]:
                return 1 + pad + (x - ix0) * k * iscale, 1 + pad + (iy1 - y) * iscale

        def proj_main(x: float, y: float) -> tuple[float, float]:
            return offset + (x - minx) * k * scale, (maxy - y) * scale

        width = offset + WIDTH
        names = base_layers().districts
        out = []
        for code, (main, inset) in parts.items():
            d = "".join(_path(p, proj_main) for p in main) + "".join(_path(p, proj_inset) for p in inset)
            biggest = max(main or inset, key=lambda p: p.area)
            pt = biggest.representative_point()
            lx, ly = (proj_main if main else proj_inset)(pt.x, pt.y)
            out.append(
                DistrictShape(code, names[code], DISTRICT_NAMES_EN[code], d, round(lx, 1), round(ly, 1))
            )
        return out, inset_frame, width, height

    @property
    def shapes(self) -> list[DistrictShape]:
        return self._layout[0]

    @property
    def size(self) -> tuple[float, float]:
        return round(self._layout[2], 1), round(self._layout[3], 1)

    @property
    def inset(self) -> Frame:
        return self._layout[1]


def _path(poly: Polygon, proj: Any) -> str:
    out = []
    for ring in (poly.exterior, *poly.interiors):
        pts = [proj(x, y) for x, y in ring.coords[:-1]]
        out.append("M" + " ".join(f"{x:.1f},{y:.1f}" for x, y in pts) + "Z")
    return "".join(out)


@dataclass
class LegendClass:
    colour: str
    lo: float
    hi: float
    text: str


@dataclass
class MapDistrict:
    shape: DistrictShape
    value: float | None
    rows: int
    colour: str
    text: str
    klass: int | None


def classes(values: list[float], k: int = 5) -> list[tuple[float, float]]:
    """Quantile class ranges (fewer classes when there are few distinct values)."""
    distinct = sorted(set(values))
    if not distinct:
        return []
    k = min(k, len(distinct))
    if k == 1:
        return [(distinct[0], distinct[0])]
    ordered = sorted(values)
    cuts = [ordered[min(len(ordered) - 1, round(i * (len(ordered) - 1) / k))] for i in range(k + 1)]
    out: list[tuple[float, float]] = []
    for i in range(k):
        lo, hi = cuts[i], cuts[i + 1]
        if out and lo <= out[-1][1]:
            lo = out[-1][1]
        if hi < lo:
            continue
        if out and hi == out[-1][1]:
            continue
        out.append((lo, hi))
    return out


def choropleth(
    geometry: DistrictGeometry, aggregates: list[dict[str, Any]], fmt: Any
) -> tuple[list[MapDistrict], list[LegendClass]]:
    by_code = {a["sgg_code"]: a for a in aggregates}
    values = [a["value"] for a in aggregates if a["value"] is not None]
    ranges = classes(values)
    palette = PALETTE if len(ranges) == 5 else _spread(len(ranges))
    legend = [
        LegendClass(palette[i], lo, hi, fmt(lo) if lo == hi else f"{fmt(lo)} – {fmt(hi)}")
        for i, (lo, hi) in enumerate(ranges)
    ]
    out = []
    for s in geometry.shapes:
        a = by_code.get(s.code)
        v = a["value"] if a else None
        klass = None
        if v is not None:
            klass = next((i for i, c in enumerate(legend) if v <= c.hi), len(legend) - 1)
        out.append(
            MapDistrict(
                shape=s,
                value=v,
                rows=int(a["rows"]) if a else 0,
                colour=legend[klass].colour if klass is not None else NO_DATA,
                text=fmt(v) if v is not None else "",
                klass=klass,
            )
        )
    return out, legend


def _spread(n: int) -> tuple[str, ...]:
    if n <= 0:
        return ()
    idx = [round(i * (len(PALETTE) - 1) / max(n - 1, 1)) for i in range(n)]
    return tuple(PALETTE[i] for i in idx)
