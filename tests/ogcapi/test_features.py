"""`Features` called directly (no HTTP), on both back ends: the per-request scan that serves versions too
large to keep in memory gives the same answers as the kept index; bbox and limit parsing."""

from __future__ import annotations

import json
import random
from pathlib import Path

import pytest

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
    want, n = indexed.items(c, bbox, 1000, 0)
    assert 5 < n < 120 and len(want) == n
    monkeypatch.setattr(features_mod, "INDEX_MAX_ROWS", 0)
    scanned = Features(hub)
    got, m = scanned.items(scanned.collection(rid), bbox, 7, 3)
    assert m == n and [f["id"] for f in got] == [f["id"] for f in want][3:10]
    assert not scanned._indexes
    assert scanned.extent(scanned.collection(rid)) == indexed.extent(c)


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
