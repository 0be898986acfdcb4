"""Built-in base layers: the ten districts (WGS84 polygons) and the administrative-dong centroids (UTM-K).

They let any table with a district or dong code, a district name, or coordinates (WGS84 or
EPSG:5179) be aggregated by district. Loaded once from files shipped in the package.
"""

from __future__ import annotations

import csv
import json
from dataclasses import dataclass
from datetime import date
from functools import cached_property
from importlib import resources

import numpy as np
import shapely
from pyproj import Transformer

DATA = resources.files("incheon.seed") / "data"

#: Codes that changed: old code → (new code, date the new one took effect). Source: the base-layer README
#: (남구 renamed 미추홀구, 2018-07-01).
CODE_CHANGES: dict[str, tuple[str, date]] = {"28170": ("28177", date(2018, 7, 1))}

DISTRICT_NAMES_EN = {
    "28110": "Jung-gu",
    "28140": "Dong-gu",
    "28177": "Michuhol-gu",
    "28185": "Yeonsu-gu",
    "28200": "Namdong-gu",
    "28237": "Bupyeong-gu",
    "28245": "Gyeyang-gu",
    "28260": "Seo-gu",
    "28710": "Ganghwa-gun",
    "28720": "Ongjin-gun",
}


@dataclass(frozen=True)
class Dong:
    code: str
    name: str
    x: float
    y: float
    current: bool


class BaseLayers:
    """Districts and dongs; every lookup is pure and cheap after first use."""

    @cached_property
    def districts_geojson(self) -> dict:
        return json.loads((DATA / "districts_2022.geojson").read_text(encoding="utf-8"))

    @cached_property
    def districts(self) -> dict[str, str]:
        """sgg_code → Korean name, in the file's order."""
        return {
            f["properties"]["sgg_code"]: f["properties"]["name"] for f in self.districts_geojson["features"]
        }

    @cached_property
    def _polygons(self) -> tuple[list[str], list[shapely.Geometry]]:
        codes, geoms = [], []
        for f in self.districts_geojson["features"]:
            codes.append(f["properties"]["sgg_code"])
            g = shapely.geometry.shape(f["geometry"])
            shapely.prepare(g)
            geoms.append(g)
        return codes, geoms

    @cached_property
    def dongs(self) -> dict[str, Dong]:
        out = {}
        with (DATA / "admin_centroids_utmk.tsv").open(encoding="utf-8") as fh:
            for row in csv.DictReader(fh, delimiter="\t"):
                code = row["ADMCD"]
                out[code] = Dong(
                    code, row["ADMNM"], float(row["X"]), float(row["Y"]), code[:5] not in CODE_CHANGES
                )
        return out

    @cached_property
    def _to_wgs84(self) -> Transformer:
        return Transformer.from_crs("EPSG:5179", "EPSG:4326", always_xy=True)

    def utmk_to_wgs84(self, x: np.ndarray, y: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        lon, lat = self._to_wgs84.transform(np.asarray(x, dtype=float), np.asarray(y, dtype=float))
        return np.asarray(lon), np.asarray(lat)

    def sgg_for_code(self, code: str | None, on: date | None = None) -> str | None:
        """District for a 5-digit district code or a 10-digit dong code; old codes map to their successor."""
        if not code:
            return None
        code = str(code).strip()
        if len(code) not in (5, 10) or not code.isdigit():
            return None
        sgg = code[:5]
        if sgg in CODE_CHANGES and (on is None or on >= CODE_CHANGES[sgg][1]):
            sgg = CODE_CHANGES[sgg][0]
        return sgg if sgg in self.districts else None

    def code_status(self, code: str) -> str:
        """'current', 'historical' (valid once, since replaced) or 'unknown'."""
        code = str(code).strip()
        sgg = code[:5]
        known = sgg in self.districts or sgg in CODE_CHANGES
        if len(code) == 10:
            known = code in self.dongs or (code.endswith("00000") and known)
        if not known or len(code) not in (5, 10):
            return "unknown"
        return "historical" if sgg in CODE_CHANGES else "current"

    def sgg_for_name(self, name: str | None) -> str | None:
        """'부평구', '인천광역시 부평구', 'Bupyeong-gu' → 28237; the old name 남구 → 미추홀구."""
        if not name:
            return None
        text = str(name).strip().replace("인천광역시", "").replace("인천", "").strip()
        if text == "남구":
            return "28177"
        for code, ko in self.districts.items():
            if text == ko or text.lower() == DISTRICT_NAMES_EN[code].lower():
                return code
        return None

    def sgg_for_points(self, lon: np.ndarray, lat: np.ndarray) -> list[str | None]:
        """Point-in-polygon against the ten districts (vectorised, prepared geometries)."""
        lon = np.asarray(lon, dtype=float)
        lat = np.asarray(lat, dtype=float)
        out: np.ndarray = np.full(lon.shape, None, dtype=object)
        codes, geoms = self._polygons
        ok = np.isfinite(lon) & np.isfinite(lat)
        for code, geom in zip(codes, geoms, strict=True):
            hit = ok & (out == None) & shapely.contains_xy(geom, lon, lat)  # noqa: E711 - numpy elementwise
            out[hit] = code
        return out.tolist()

    def looks_like_utmk(self, x: float, y: float) -> bool:
        """Incheon in EPSG:5179 lies around X 880–1000 km, Y 1,880–2,010 km (with the islands)."""
        return 700_000 <= x <= 1_200_000 and 1_700_000 <= y <= 2_200_000


_LAYERS: BaseLayers | None = None


def base_layers() -> BaseLayers:
    """Process-wide, immutable after load."""
    global _LAYERS
    if _LAYERS is None:
        _LAYERS = BaseLayers()
    return _LAYERS
