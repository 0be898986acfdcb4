"""OGC API – Features driven by OWSLib (from PyPI) against a live server on both back ends: landing page,
conformance, OpenAPI, collections and extents, items with bbox/limit/offset, features by id, the
districts layer; and the OGC-style error responses over raw HTTP."""

from __future__ import annotations

import csv
import io
import json
import random
import socket
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import pytest
import shapely
import uvicorn
from owslib.ogcapi.features import Features

from incheon.api.app import create_app
from incheon.hub.auth import Principal
from incheon.hub.geo import base_layers
from incheon.hub.hub import Hub
from tests.conftest import make_settings

ADMIN = Principal(user_id="t", name="t", sysadmin=True)
CORE = "http://www.opengis.net/spec/ogcapi-features-1/1.0/conf/core"
GEOJSON = "http://www.opengis.net/spec/ogcapi-features-1/1.0/conf/geojson"
OAS30 = "http://www.opengis.net/spec/ogcapi-features-1/1.0/conf/oas30"
BBOX = (126.55, 37.40, 126.70, 37.55)


def _points(seed: int, n: int) -> list[tuple[str, float | None, float | None, int]]:
    """Synthetic points over Incheon's mainland (fixed seed); every 50th row has no coordinates."""
    rnd = random.Random(seed)
    out = []
    for i in range(n):
        lon, lat = round(rnd.uniform(126.40, 126.80), 6), round(rnd.uniform(37.35, 37.65), 6)
        out.append((f"지점 {i + 1}", None if i % 50 == 49 else lon, None if i % 50 == 49 else lat, i))
    return out


def _csv(rows: list[tuple]) -> str:
    buf = io.StringIO()
    w = csv.writer(buf)
    w.writerow(["이름", "경도", "위도", "값"])
    w.writerows(rows)
    return buf.getvalue()


SHAPES = {
    "type": "FeatureCollection",
    "features": [
        {
            "type": "Feature",
            "properties": {"name": "사각형"},
            "geometry": {
                "type": "Polygon",
                "coordinates": [
                    [[126.60, 37.45], [126.80, 37.45], [126.80, 37.60], [126.60, 37.60], [126.60, 37.45]]
                ],
            },
        },
        {  # an L whose envelope holds the `inside` bbox below, while the line itself stays outside it
            "type": "Feature",
            "properties": {"name": "ㄴ자 길"},
            "geometry": {
                "type": "LineString",
                "coordinates": [[126.30, 37.30], [126.30, 37.20], [126.45, 37.20]],
            },
        },
        {
            "type": "Feature",
            "properties": {"name": "섬"},
            "geometry": {"type": "Point", "coordinates": [124.7, 37.9]},
        },
        {"type": "Feature", "properties": {"name": "위치 없음"}, "geometry": None},
    ],
}


@dataclass
class Live:
    url: str
    hub: Hub
    ids: dict[str, str]
    points: list[tuple]

    @property
    def api(self) -> Features:
        return Features(self.url + "/ogcapi/")


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def publish(hub: Hub, tmp: Path, dataset: str, filename: str, text: str, rid: str | None = None) -> str:
    path = tmp / filename
    path.write_text(text, encoding="utf-8")
    if rid:
        return hub.upload_version(ADMIN, rid, path, filename)["id"]
    ds = hub.catalog.create_dataset(ADMIN, {"name": dataset, "title": f"{dataset} 시험", "owner_org": "city"})
    staged = hub.stage_upload(None, path, filename)
    try:
        res = hub.catalog.publish_version(
            ADMIN, None, staged, filename, new_resource={"package_id": ds["id"]}
        )
    finally:
        staged.cleanup()
    return res["id"]


@pytest.fixture(scope="module", params=["duckdb", "postgres"])
def live(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Live]:
    tmp = tmp_path_factory.mktemp(request.param)
    settings = make_settings(request.param, tmp, request)
    (settings.data_dir / "tmp").mkdir(parents=True, exist_ok=True)
    hub = Hub(settings)
    hub.catalog.create_organization(ADMIN, {"name": "city", "title": "인천광역시"})
    points = _points(1, 300)
    dongs = [d for d in base_layers().dongs.values() if d.current and d.code[5:] != "00000"][:20]
    ids = {
        "points": publish(hub, tmp, "points", "points.csv", _csv(points)),
        "shapes": publish(hub, tmp, "shapes", "shapes.geojson", json.dumps(SHAPES, ensure_ascii=False)),
        "dongs": publish(
            hub, tmp, "dongs", "dongs.csv", "admcd,x,y\n" + "".join(f"{d.code},{d.x},{d.y}\n" for d in dongs)
        ),
        "plain": publish(hub, tmp, "plain", "plain.csv", "항목,값\n가,1\n나,2\n"),
        "moving": publish(hub, tmp, "moving", "moving.csv", _csv(_points(2, 40))),
    }
    port = _free_port()
    server = uvicorn.Server(
        uvicorn.Config(create_app(settings, hub), host="127.0.0.1", port=port, log_level="error")
    )
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    for _ in range(200):
        if server.started:
            break
        time.sleep(0.05)
    yield Live(f"http://127.0.0.1:{port}", hub, ids, points)
    server.should_exit = True
    thread.join(10)
    hub.close()


def _in(bbox: tuple[float, ...], lon: float | None, lat: float | None) -> bool:
    return lon is not None and lat is not None and bbox[0] <= lon <= bbox[2] and bbox[1] <= lat <= bbox[3]


def test_landing_conformance_and_api(live: Live) -> None:
    api = live.api
    rels = {link["rel"]: link for link in api.links}
    assert {"self", "conformance", "data", "service-desc"} <= set(rels)
    assert rels["data"]["href"].endswith("/ogcapi/collections")
    assert {CORE, GEOJSON, OAS30} <= set(api.conformance()["conformsTo"])
    doc = api.api()  # follows service-desc (OpenAPI 3.0 JSON)
    assert doc["openapi"].startswith("3.0")
    assert "/collections/{collectionId}/items" in doc["paths"]
    assert doc["servers"][0]["url"] == live.url + "/ogcapi"
    for path, ops in doc["paths"].items():
        for p in ops["get"].get("parameters", []):
            assert p["$ref"].split("/")[-1] in doc["components"]["parameters"], path
    r = httpx.get(live.url + "/ogcapi")
    assert r.status_code == 200 and r.json()["links"]


def test_collections_and_extents(live: Live) -> None:
    api = live.api
    cols = {c["id"]: c for c in api.collections()["collections"]}
    assert {
        "districts",
        live.ids["points"],
        live.ids["shapes"],
        live.ids["dongs"],
        live.ids["moving"],
    } <= set(cols)
    assert live.ids["plain"] not in cols  # no location: not a collection
    assert set(api.feature_collections()) == set(cols)
    c = cols[live.ids["points"]]
    assert c["itemType"] == "feature" and c["title"] == "points 시험"
    assert {link["rel"] for link in c["links"]} >= {"self", "items"}
    located = [(p[1], p[2]) for p in live.points if p[1] is not None]
    expected = [
        min(x for x, _ in located),
        min(y for _, y in located),
        max(x for x, _ in located),
        max(y for _, y in located),
    ]
    assert c["extent"]["spatial"]["bbox"][0] == pytest.approx(expected, abs=1e-6)
    assert cols[live.ids["shapes"]]["extent"]["spatial"]["bbox"][0] == pytest.approx(
        [124.7, 37.2, 126.8, 37.9]
    )
    lo, la = cols["districts"]["extent"]["spatial"]["bbox"][0][:2]
    assert 124 < lo < 125 and 36.9 < la < 37.1
    one = api.collection(live.ids["points"])
    assert one["id"] == live.ids["points"]
    assert api.collection("points")["id"] == live.ids["points"]  # the dataset name as an alias


def test_items_bbox_limit_offset(live: Live) -> None:
    api, rid = live.api, live.ids["points"]
    expected = [i + 1 for i, p in enumerate(live.points) if _in(BBOX, p[1], p[2])]
    assert 20 < len(expected) < 200
    first = api.collection_items(rid, bbox=list(BBOX), limit=7)
    assert first["type"] == "FeatureCollection"
    assert first["numberMatched"] == len(expected) and first["numberReturned"] == 7
    assert [f["id"] for f in first["features"]] == expected[:7]
    assert first["timeStamp"].endswith("Z")
    rels = {link["rel"]: link["href"] for link in first["links"]}
    assert "next" in rels and "prev" not in rels and "bbox=" in rels["next"]
    seen, offset = [], 0
    while True:
        page = api.collection_items(rid, bbox=list(BBOX), limit=9, offset=offset)
        seen += [f["id"] for f in page["features"]]
        if not any(link["rel"] == "next" for link in page["links"]):
            break
        assert any(link["rel"] == "prev" for link in page["links"]) == (offset > 0)
        offset += 9
    assert seen == expected
    f = first["features"][0]
    row = live.points[f["id"] - 1]
    assert f["geometry"] == {"type": "Point", "coordinates": [row[1], row[2]]}
    assert f["properties"]["이름"] == row[0] and f["properties"]["값"] == row[3]
    assert len(api.collection_items(rid)["features"]) == 10  # default limit
    everything = api.collection_items(rid, limit=50_000)  # above the maximum: served as 10,000
    assert everything["numberMatched"] == everything["numberReturned"] == 300
    assert sum(f["geometry"] is None for f in everything["features"]) == 6


def test_feature_by_id(live: Live) -> None:
    api, rid = live.api, live.ids["points"]
    f = api.collection_item(rid, "5")
    assert f["type"] == "Feature" and f["id"] == 5 and f["properties"]["이름"] == "지점 5"
    assert f["geometry"]["coordinates"] == [live.points[4][1], live.points[4][2]]
    assert any(link["rel"] == "collection" for link in f["links"])
    assert api.collection_item(rid, "50")["geometry"] is None
    with pytest.raises(RuntimeError):
        api.collection_item(rid, "301")


def test_geometry_collection_intersects_exactly(live: Live) -> None:
    api, rid = live.api, live.ids["shapes"]
    everything = api.collection_items(rid, limit=100)
    assert everything["numberMatched"] == 4
    kinds = [f["geometry"] and f["geometry"]["type"] for f in everything["features"]]
    assert kinds == ["Polygon", "LineString", "Point", None]
    assert "geometry" not in everything["features"][0]["properties"]
    inside_l = api.collection_items(rid, bbox=[126.35, 37.25, 126.44, 37.29])  # inside the L's envelope only
    assert inside_l["numberMatched"] == 0
    touching = api.collection_items(rid, bbox=[126.40, 37.19, 126.75, 37.50])
    assert [f["properties"]["name"] for f in touching["features"]] == ["사각형", "ㄴ자 길"]
    assert api.collection_item(rid, "3")["geometry"] == {"type": "Point", "coordinates": [124.7, 37.9]}


def test_utmk_collection_is_transformed(live: Live) -> None:
    api, rid = live.api, live.ids["dongs"]
    feats = api.collection_items(rid, limit=100)["features"]
    assert len(feats) == 20
    pts = [shapely.geometry.shape(f["geometry"]) for f in feats]
    districts = shapely.union_all(
        [shapely.geometry.shape(f["geometry"]) for f in base_layers().districts_geojson["features"]]
    )
    assert all(districts.buffer(0.02).contains(p) for p in pts)
    lon, lat = pts[0].x, pts[0].y
    hit = api.collection_items(rid, bbox=[lon - 1e-6, lat - 1e-6, lon + 1e-6, lat + 1e-6])
    assert feats[0]["id"] in [f["id"] for f in hit["features"]]


def test_districts_collection(live: Live) -> None:
    api = live.api
    all10 = api.collection_items("districts", limit=100)
    assert all10["numberMatched"] == 10 and {f["id"] for f in all10["features"]} == set(
        base_layers().districts
    )
    bupyeong = api.collection_item("districts", "28237")
    assert bupyeong["properties"]["name"] == "부평구" and bupyeong["geometry"]["type"] in (
        "Polygon",
        "MultiPolygon",
    )
    near = api.collection_items("districts", bbox=[126.72, 37.50, 126.73, 37.51], limit=100)
    assert "28237" in {f["id"] for f in near["features"]} and near["numberMatched"] < 4
    assert api.collection_items("districts", bbox=[127.5, 36.0, 128.0, 36.5])["numberMatched"] == 0


def test_antimeridian_bbox(live: Live) -> None:
    bbox = (170.0, 37.40, 126.60, 37.60)  # minx > maxx: lon >= 170 or lon <= 126.6
    expected = sum(1 for p in live.points if p[1] is not None and p[1] <= 126.6 and 37.40 <= p[2] <= 37.60)
    got = live.api.collection_items(live.ids["points"], bbox=list(bbox), limit=1)
    assert got["numberMatched"] == expected > 0


def test_new_version_is_served(live: Live, tmp_path: Path) -> None:
    api, rid = live.api, live.ids["moving"]
    assert api.collection_items(rid, limit=1)["numberMatched"] == 40
    before = api.collection(rid)["extent"]["spatial"]["bbox"][0]
    publish(
        live.hub,
        tmp_path,
        "moving",
        "v2.csv",
        _csv([("하나", 126.5, 37.5, 1), ("둘", 126.6, 37.6, 2)]),
        rid=rid,
    )
    assert api.collection_items(rid, limit=1)["numberMatched"] == 2
    assert api.collection_items(rid, bbox=[126.55, 37.55, 126.65, 37.65])["numberMatched"] == 1
    after = api.collection(rid)["extent"]["spatial"]["bbox"][0]
    assert after == [126.5, 37.5, 126.6, 37.6] != before


def test_content_types_and_usage(live: Live) -> None:
    rid = live.ids["points"]
    ds = live.hub.catalog.resource(rid)["package_id"]
    before = live.hub.usage.summary(ds)["api"]["total"]
    r = httpx.get(f"{live.url}/ogcapi/collections/{rid}/items", params={"limit": 3, "f": "json"})
    assert r.status_code == 200 and r.headers["content-type"] == "application/geo+json"
    assert (
        httpx.get(f"{live.url}/ogcapi/collections/{rid}/items/1").headers["content-type"]
        == "application/geo+json"
    )
    assert httpx.get(f"{live.url}/ogcapi/collections").headers["content-type"] == "application/json"
    api = httpx.get(f"{live.url}/ogcapi/api")
    assert api.headers["content-type"] == "application/vnd.oai.openapi+json;version=3.0"
    assert live.hub.usage.summary(ds)["api"]["total"] == before + 2


@pytest.mark.parametrize(
    ("path", "params", "status", "code"),
    [
        ("items", {"bbox": "126.5,37.4,126.7"}, 400, "InvalidParameterValue"),
        ("items", {"bbox": "a,b,c,d"}, 400, "InvalidParameterValue"),
        ("items", {"bbox": "126.5,37.6,126.7,37.4"}, 400, "InvalidParameterValue"),  # miny > maxy
        ("items", {"bbox": "126.5,37.4,126.7,91"}, 400, "InvalidParameterValue"),
        ("items", {"bbox": "126.5,37.4,126.7,nan"}, 400, "InvalidParameterValue"),
        ("items", {"bbox-crs": "http://www.opengis.net/def/crs/EPSG/0/5179"}, 400, "InvalidParameterValue"),
        ("items", {"limit": "abc"}, 400, "InvalidParameterValue"),
        ("items", {"limit": "0"}, 400, "InvalidParameterValue"),
        ("items", {"offset": "-1"}, 400, "InvalidParameterValue"),
        ("items", {"unknown": "1"}, 400, "InvalidParameterValue"),
        ("items", {"f": "html"}, 400, "InvalidParameterValue"),
        ("collection", {"limit": "5"}, 400, "InvalidParameterValue"),
        ("missing", {}, 404, "NotFound"),
        ("missing-items", {}, 404, "NotFound"),
        ("feature", {}, 404, "NotFound"),
        ("feature-text", {}, 404, "NotFound"),
    ],
)
def test_errors_are_ogc_style(live: Live, path: str, params: dict[str, str], status: int, code: str) -> None:
    rid = live.ids["points"]
    url = {
        "items": f"/ogcapi/collections/{rid}/items",
        "collection": f"/ogcapi/collections/{rid}",
        "missing": "/ogcapi/collections/no-such-thing",
        "missing-items": f"/ogcapi/collections/{live.ids['plain']}/items",
        "feature": f"/ogcapi/collections/{rid}/items/99999",
        "feature-text": "/ogcapi/collections/districts/items/nowhere",
    }[path]
    r = httpx.get(live.url + url, params=params)
    assert r.status_code == status and r.headers["content-type"] == "application/json"
    body: dict[str, Any] = r.json()
    assert body["code"] == code
    ko, en = body["description"].split(" / ", 1)
    assert any("\uac00" <= ch <= "\ud7a3" for ch in ko) and en.isascii()
