"""`Features` called directly (no HTTP), on both back ends: the per-request scan that serves versions too
large to keep in memory gives the same answers as the kept index; bbox and limit parsing."""

from __future__ import annotations

import json
import random
from datetime import datetime
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from incheon.hub.hub import Hub
from incheon.ogcapi import features as features_mod
from incheon.ogcapi.features import Features, OgcError
from incheon.ogcapi.module import parse_bbox, parse_int
from tests.ogcapi.test_ogcapi import ADMIN, publish


def test_scan_without_index_matches_index(hub: Hub, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    hub.catalog.create_organization(ADMIN, {"name": "city", "title": "인천광역시"})
    rnd = random.Random(3)
    feats = []
    for i in range(120):
        x, y = rnd.uniform(126.4, 126.8), rnd.uniform(37.3, 37.7)
        d = rnd.uniform(0.001, 0.03)
        ring = [[x, y], [x + d, y], [x + d, y + d], [x, y + d], [x, y]]
        feats.append(
            {
                "type": "Feature",
                "properties": {"n": i},
                "geometry": {"type": "Polygon", "coordinates": [ring]},
            }
        )
    rid = publish(
        hub, tmp_path, "cells", "cells.geojson", json.dumps({"type": "FeatureCollection", "features": feats})
    )
    bbox = (126.5, 37.4, 126.65, 37.55)
    indexed = Features(hub)
    c = indexed.collection(rid)
    text, returned, n = indexed.items(c, bbox, 1000, 0)
    want = json.loads(text)
    assert 5 < n < 120 and len(want) == returned == n
    monkeypatch.setattr(features_mod, "INDEX_MAX_ROWS", 0)
    scanned = Features(hub)
    text, returned, m = scanned.items(scanned.collection(rid), bbox, 7, 3)
    got = json.loads(text)
    assert m == n and returned == 7 and [f["id"] for f in got] == [f["id"] for f in want][3:10]
    assert not scanned._indexes and len(indexed._indexes) == 1
    assert scanned.extent(scanned.collection(rid)) == indexed.extent(c)
    monkeypatch.setattr(features_mod, "INDEX_MAX_ROWS", 1000)
    monkeypatch.setattr(features_mod, "INDEX_BUDGET_BYTES", 1000)  # built for the request, not kept
    unkept = Features(hub)
    text, returned, m = unkept.items(unkept.collection(rid), bbox, 1000, 0)
    assert m == n and json.loads(text) == want and not unkept._indexes


def test_parse_bbox_and_limit() -> None:
    assert parse_bbox("126.5,37.4,126.7,37.6") == (126.5, 37.4, 126.7, 37.6)
    assert parse_bbox("126.5,37.4,0,126.7,37.6,100") == (126.5, 37.4, 126.7, 37.6)
    assert parse_bbox(None) is None
    assert parse_bbox("170,37,126,38") == (170.0, 37.0, 126.0, 38.0)  # crosses the antimeridian
    for bad in ("1,2,3", "1,2,3,x", "-181,0,0,1", "0,1,1,0", "0,0,1,inf", ""):
        if bad:
            with pytest.raises(OgcError):
                parse_bbox(bad)
    assert parse_int(None, "limit", 10, 1) == 10 and parse_int("25", "limit", 10, 1) == 25
    with pytest.raises(OgcError) as err:
        parse_int("1.5", "limit", 10, 1)
    assert err.value.body()["code"] == "InvalidParameterValue"


def test_items_match_the_geojson_download(client: TestClient, hub: Hub, tmp_path: Path) -> None:
    """Points are written as JSON by the database (two dialects); the features must be the ones the
    GeoJSON download writes in Python, value for value, whatever the column names and types."""
    hub.catalog.create_organization(ADMIN, {"name": "city", "title": "인천광역시"})
    text = (
        '이름,"따옴""표",날짜,시각,여부,수,실수,lon,lat\n'
        '"부평 ""역"" \\ 앞",a,2024-01-31,2024-01-31 10:00:00,true,5,1.5,126.7219,37.5072\n'
        "ㄱ,,2024-02-29,2024-02-29 23:59:59.5,false,-3,,126.6,37.4\n"
        "빈 좌표,b,,,,,,,\n"
        "범위 밖,c,2024-03-01,2024-03-01 00:00:00,true,0,-0.25,200,37.5\n"
        "큰 수,d,2024-03-02,2024-03-02 12:00:00,false,9007199254740993,1e-7,126.5,37.45\n"
    )
    rid = publish(hub, tmp_path, "tricky", "tricky.csv", text)
    types = {f["id"]: f["native_type"] for f in hub.catalog.resource(rid)["fields"]}
    assert types["날짜"] == "DATE" and types["시각"] == "TIMESTAMP" and types["여부"] == "BOOLEAN"
    assert types["수"] == "BIGINT" and types["실수"] == "DOUBLE"
    ogc = client.get(f"/ogcapi/collections/{rid}/items?limit=100").json()["features"]
    dl = client.get(f"/download/{rid}.geojson").json()["features"]

    def norm(f: dict) -> dict:
        p = dict(f["properties"])
        if p.get("시각"):
            p["시각"] = datetime.fromisoformat(p["시각"])
        return {**f, "properties": p}

    assert [norm(f) for f in ogc] == [norm(f) for f in dl]
    assert [f["geometry"] is None for f in ogc] == [False, False, True, True, False]
    assert ogc[0]["properties"]['따옴"표'] == "a" and ogc[0]["properties"]["이름"] == '부평 "역" \\ 앞'
    assert ogc[1]["properties"]["실수"] is None and ogc[4]["properties"]["수"] == 9007199254740993
