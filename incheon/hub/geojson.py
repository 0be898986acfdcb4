"""Rows as GeoJSON: where a resource's rows are on the map (from its schema's column roles, set at ingest),
and values as JSON. One definition for every reader that turns rows into features (the GeoJSON download,
OGC API – Features). Locations:

* `geometry` — a column holding GeoJSON text: role `geometry` (GeoJSON uploads) or a text column named
  `geometry` (the base-layer tables);
* `points` — WGS84 longitude/latitude columns: roles `lon`/`lat`, else the derived `_lon`/`_lat` that ingest
  adds for UTM-K coordinates;
* `xy` — UTM-K (EPSG:5179) `x`/`y` columns without derived `_lon`/`_lat` (versions ingested before ingest
  derived them alongside a code column): readers transform them to WGS84 themselves.

A geometry column wins over points: a GeoJSON upload mixing points and polygons has lon/lat for its
points only.
"""

from __future__ import annotations

import json
import math
from dataclasses import dataclass
from datetime import date, datetime, time
from decimal import Decimal
from typing import Any

import numpy as np

from incheon.hub.geo import base_layers


@dataclass(frozen=True)
class Location:
    kind: str  # "geometry" | "points" | "xy"
    columns: tuple[str, ...]  # (geometry,) or (lon, lat) or (x, y)


def locate(schema: list[dict[str, Any]]) -> Location | None:
    """The location of a version's rows from its schema (catalogue `fields` or version `schema`), or None."""
    by_role: dict[str, str] = {}
    for f in schema:
        role = f.get("role")
        if role and role not in by_role:
            by_role[role] = f["id"]
    text = {"VARCHAR", "TEXT", "text"}
    for f in schema:
        if f.get("role") == "geometry" or (
            f["id"].lower() == "geometry" and (f.get("native_type") or f.get("type")) in text
        ):
            return Location("geometry", (f["id"],))
    if "lon" in by_role and "lat" in by_role:
        return Location("points", (by_role["lon"], by_role["lat"]))
    if "lon_derived" in by_role and "lat_derived" in by_role:
        return Location("points", (by_role["lon_derived"], by_role["lat_derived"]))
    if "x" in by_role and "y" in by_role:
        return Location("xy", (by_role["x"], by_role["y"]))
    return None


def point(lon: Any, lat: Any) -> dict[str, Any] | None:
    """A GeoJSON Point for WGS84 coordinates, or None when they are missing or out of range."""
    try:
        x, y = float(lon), float(lat)
    except (TypeError, ValueError):
        return None
    if not (math.isfinite(x) and math.isfinite(y) and -180 <= x <= 180 and -90 <= y <= 90):
        return None
    return {"type": "Point", "coordinates": [x, y]}


def parse_geometry(text: Any) -> dict[str, Any] | None:
    """GeoJSON geometry text as an object, or None when empty or not a GeoJSON geometry."""
    if not text or not isinstance(text, str):
        return None
    try:
        geom = json.loads(text)
    except ValueError:
        return None
    if not isinstance(geom, dict) or not isinstance(geom.get("type"), str):
        return None
    return geom


def utmk_points(xs: list[Any], ys: list[Any]) -> list[dict[str, Any] | None]:
    """UTM-K coordinates of a batch of rows as WGS84 GeoJSON points (vectorised)."""
    x = np.array([np.nan if v is None else v for v in xs], dtype=float)
    y = np.array([np.nan if v is None else v for v in ys], dtype=float)
    lon, lat = base_layers().utmk_to_wgs84(x, y)
    return [point(a, b) for a, b in zip(lon.tolist(), lat.tolist(), strict=True)]


def json_value(value: Any) -> Any:
    """A value as JSON: dates and times as ISO text, decimals as numbers, NaN/±inf as null."""
    if value is None or isinstance(value, (str, bool, int)):
        return value
    if isinstance(value, float):
        return value if math.isfinite(value) else None
    if isinstance(value, (datetime, date, time)):
        return value.isoformat()
    if isinstance(value, Decimal):
        return int(value) if value == value.to_integral_value() else float(value)
    return str(value)
