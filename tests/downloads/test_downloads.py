"""Downloads on both back ends: CSV (UTF-8 with BOM, CP949), JSON, GeoJSON (points, geometry, UTM-K) and
Parquet; file names, versions, errors, usage counts, and constant memory while streaming 300k rows."""

from __future__ import annotations

import csv
import io
import json
import tracemalloc
from pathlib import Path
from typing import Any
from urllib.parse import unquote

import pyarrow.parquet as pq
import pytest
import shapely
from fastapi.testclient import TestClient

from incheon.downloads.encoders import (
    content_disposition,
    csv_chunks,
    file_names,
    geojson_chunks,
    json_chunks,
)
from incheon.hub.auth import Principal
from incheon.hub.geojson import locate
from incheon.hub.hub import Hub

ADMIN = Principal(user_id="t", name="t", sysadmin=True)

ROWS = [
    # 이름 (😀 is not in CP949), 날짜, 값, 경도, 위도
    ("부평구청", "2024-01-31", "1.5", "126.7219", "37.5072"),
    ("똠양꿍 식당 😀", "2024-02-29", "", "126.6520", "37.4563"),
    ('따옴표 "와" 쉼표, 섞임', "2024-03-01", "-3", "", ""),
]


def _publish(hub: Hub, tmp_path: Path, dataset: str, filename: str, text: str, title: str = "시험") -> dict:
    if not hub.catalog.organizations():
        hub.catalog.create_organization(ADMIN, {"name": "city", "title": "인천광역시"})
    names = hub.catalog.dataset_names()
    ds = (
        hub.catalog.dataset(dataset)
        if dataset in names
        else hub.catalog.create_dataset(ADMIN, {"name": dataset, "title": title, "owner_org": "city"})
    )
    path = tmp_path / filename
    path.write_text(text, encoding="utf-8")
    staged = hub.stage_upload(None, path, filename)
    try:
        return hub.catalog.publish_version(
            ADMIN, None, staged, filename, new_resource={"package_id": ds["id"], "name": filename}
        )
    finally:
        staged.cleanup()


def _new_version(hub: Hub, tmp_path: Path, rid: str, filename: str, text: str) -> dict:
    path = tmp_path / filename
    path.write_text(text, encoding="utf-8")
    return hub.upload_version(ADMIN, rid, path, filename)


def _points_csv(rows: list[tuple[str, ...]] = ROWS) -> str:
    buf = io.StringIO()
    w = csv.writer(buf)
    w.writerow(["이름", "날짜", "값", "경도", "위도"])
    w.writerows(rows)
    return buf.getvalue()


@pytest.fixture
def points(hub: Hub, tmp_path: Path) -> dict:
    return _publish(hub, tmp_path, "places", "장소 목록.csv", _points_csv())


def test_csv_utf8_with_bom(client: TestClient, hub: Hub, points: dict) -> None:
    r = client.get(f"/download/{points['id']}.csv")
    assert r.status_code == 200 and r.headers["content-type"] == "text/csv; charset=utf-8"
    assert r.content.startswith(b"\xef\xbb\xbf")
    rows = list(csv.reader(io.StringIO(r.content.decode("utf-8-sig"))))
    assert rows[0] == ["_id", "이름", "날짜", "값", "경도", "위도", "_sgg_code"]
    assert rows[1][:4] == ["1", "부평구청", "2024-01-31", "1.5"]
    assert rows[2][1] == "똠양꿍 식당 😀" and rows[3][1] == '따옴표 "와" 쉼표, 섞임'
    assert rows[1][6] == "28237"  # derived district of the point
    assert len(rows) == 4


def test_csv_cp949_for_old_excel(client: TestClient, points: dict) -> None:
    r = client.get(f"/download/{points['id']}.csv", params={"encoding": "cp949"})
    assert r.status_code == 200 and r.headers["content-type"] == "text/csv; charset=cp949"
    assert not r.content.startswith(b"\xef\xbb\xbf")
    text = r.content.decode("cp949")  # strict: every byte is CP949
    rows = list(csv.reader(io.StringIO(text)))
    assert rows[0][1] == "이름" and rows[1][1] == "부평구청"
    assert rows[2][1] == "똠양꿍 식당 ?"  # what CP949 cannot encode becomes '?'
    assert client.get(f"/download/{points['id']}.csv", params={"encoding": "latin-1"}).status_code == 400
    assert client.get(f"/download/{points['id']}.json", params={"encoding": "cp949"}).status_code == 400


def test_json_array_of_rows(client: TestClient, hub: Hub, points: dict) -> None:
    r = client.get(f"/download/{points['id']}.json")
    assert r.status_code == 200 and r.headers["content-type"].startswith("application/json")
    rows = r.json()
    assert isinstance(rows, list) and len(rows) == 3
    assert rows[0] == {
        "_id": 1,
        "이름": "부평구청",
        "날짜": "2024-01-31",
        "값": 1.5,
        "경도": 126.7219,
        "위도": 37.5072,
        "_sgg_code": "28237",
    }
    assert rows[1]["값"] is None and rows[2]["경도"] is None
    assert rows == hub.datastore.search({"resource_id": points["id"]})["records"]


def test_geojson_points(client: TestClient, points: dict) -> None:
    r = client.get(f"/download/{points['id']}.geojson")
    assert r.status_code == 200 and r.headers["content-type"].startswith("application/geo+json")
    doc = r.json()
    assert doc["type"] == "FeatureCollection" and len(doc["features"]) == 3
    f1, f2, f3 = doc["features"]
    assert f1["type"] == "Feature" and f1["id"] == 1
    assert f1["geometry"] == {"type": "Point", "coordinates": [126.7219, 37.5072]}
    assert f1["properties"]["이름"] == "부평구청" and "_id" not in f1["properties"]
    assert shapely.geometry.shape(f2["geometry"]).is_valid
    assert f3["geometry"] is None  # a row without coordinates


def test_geojson_from_geometry_column(client: TestClient, hub: Hub, tmp_path: Path) -> None:
    src = {
        "type": "FeatureCollection",
        "features": [
            {
                "type": "Feature",
                "properties": {"name": "공원"},
                "geometry": {
                    "type": "Polygon",
                    "coordinates": [[[126.70, 37.50], [126.72, 37.50], [126.72, 37.52], [126.70, 37.50]]],
                },
            },
            {
                "type": "Feature",
                "properties": {"name": "길"},
                "geometry": {"type": "LineString", "coordinates": [[126.60, 37.40], [126.65, 37.45]]},
            },
            {"type": "Feature", "properties": {"name": "없음"}, "geometry": None},
        ],
    }
    res = _publish(hub, tmp_path, "shapes", "shapes.geojson", json.dumps(src, ensure_ascii=False))
    doc = client.get(f"/download/{res['id']}.geojson").json()
    geoms = [f["geometry"] for f in doc["features"]]
    assert geoms[0]["type"] == "Polygon" and geoms[1]["type"] == "LineString" and geoms[2] is None
    assert shapely.geometry.shape(geoms[0]).equals(shapely.geometry.shape(src["features"][0]["geometry"]))
    assert "geometry" not in doc["features"][0]["properties"]
    assert doc["features"][1]["properties"]["name"] == "길"


def test_geojson_from_utmk_coordinates(client: TestClient, hub: Hub, tmp_path: Path) -> None:
    # 부평구청 near (126.7219, 37.5072) is about X 937,500 / Y 1,945,500 in EPSG:5179
    res = _publish(hub, tmp_path, "utmk", "utmk.csv", "name,x,y\n부평구청,937500,1945500\n빈칸,,\n")
    feats = client.get(f"/download/{res['id']}.geojson").json()["features"]
    lon, lat = feats[0]["geometry"]["coordinates"]
    assert 126.6 < lon < 126.8 and 37.4 < lat < 37.6
    assert feats[1]["geometry"] is None


def test_geojson_needs_a_location(client: TestClient, hub: Hub, tmp_path: Path) -> None:
    res = _publish(hub, tmp_path, "plain", "plain.csv", "항목,값\n가,1\n")
    r = client.get(f"/download/{res['id']}.geojson")
    assert r.status_code == 400
    err = r.json()["error"]
    assert "위치" in err["message_ko"] and "location" in err["message_en"]
    assert client.get(f"/download/{res['id']}.csv").status_code == 200


def test_parquet_is_the_lake_file(client: TestClient, hub: Hub, points: dict) -> None:
    r = client.get(f"/download/{points['id']}.parquet")
    assert r.status_code == 200 and r.headers["content-type"] == "application/vnd.apache.parquet"
    table = pq.read_table(io.BytesIO(r.content))
    assert r.content == Path(hub.catalog.version(points["id"])["parquet_path"]).read_bytes()
    records = hub.datastore.search({"resource_id": points["id"]})["records"]
    got = table.to_pylist()
    assert len(got) == len(records) == 3
    for row, rec in zip(got, records, strict=True):
        for key in ("이름", "값", "경도", "위도"):
            assert row[key] == rec[key]
        assert str(row["날짜"]) == rec["날짜"]


def test_versions_and_not_found(client: TestClient, hub: Hub, points: dict, tmp_path: Path) -> None:
    rid = points["id"]
    _new_version(
        hub, tmp_path, rid, "v2.csv", _points_csv([("새 장소", "2024-05-05", "7", "126.70", "37.50")])
    )
    assert len(client.get(f"/download/{rid}.json").json()) == 1
    assert len(client.get(f"/download/{rid}.json?version=1").json()) == 3
    assert [r["이름"] for r in client.get(f"/download/{rid}.json?version=2").json()] == ["새 장소"]
    v1 = pq.read_table(io.BytesIO(client.get(f"/download/{rid}.parquet?version=1").content))
    assert v1.num_rows == 3
    assert "v1.csv" in client.get(f"/download/{rid}.csv?version=1").headers["content-disposition"]
    for url in (
        f"/download/{rid}.csv?version=9",
        f"/download/{rid}.csv?version=0",
        "/download/no-such-resource.csv",
        "/download/no-such-resource.parquet",
        f"/download/{rid}.xlsx",
    ):
        r = client.get(url)
        assert r.status_code == 404, url
        err = r.json()["error"]
        assert err["message_ko"] and err["message_en"] and err["message_ko"] != err["message_en"]


def test_file_names_korean_and_ascii(client: TestClient, points: dict) -> None:
    cd = client.get(f"/download/{points['id']}.geojson").headers["content-disposition"]
    assert cd.startswith("attachment; filename=\"places-v1.geojson\"; filename*=UTF-8''")
    assert unquote(cd.split("''", 1)[1]) == "places-장소_목록-v1.geojson"
    assert cd.isascii()
    assert file_names("pop", "v1.csv", 2, "csv") == ("pop-v2.csv", "pop-v2.csv")
    assert file_names("pop", 'a/b"c.csv', 1, "json") == ("pop-a_b_c-v1.json", "pop-a_b_c-v1.json")
    assert content_disposition("x.csv", "x.csv") == 'attachment; filename="x.csv"'


def test_downloads_are_counted(client: TestClient, hub: Hub, points: dict) -> None:
    before = hub.usage.summary(points["package_id"])["download"]["total"]
    for fmt in ("csv", "json", "geojson", "parquet"):
        assert client.get(f"/download/{points['id']}.{fmt}").status_code == 200
    client.get(f"/download/{points['id']}.csv?version=9")  # refused: not counted
    assert hub.usage.summary(points["package_id"])["download"]["total"] == before + 4


def _consume(chunks: Any, trace: bool = True) -> tuple[int, int, int]:
    """(bytes, largest chunk, traced peak) of consuming a stream, keeping nothing."""
    if trace:
        tracemalloc.start()
    try:
        size = largest = 0
        for chunk in chunks:
            size += len(chunk)
            largest = max(largest, len(chunk))
        return size, largest, tracemalloc.get_traced_memory()[1] if trace else 0
    finally:
        tracemalloc.stop()


def test_300k_rows_stream_in_constant_memory(client: TestClient, hub: Hub, tmp_path: Path) -> None:
    n = 300_000
    lines = ["id,name,note,lon,lat"] + [
        f"{i},시설 {i},비고 {'가나다라마바사' * 3} {i % 97},{126.5 + (i % 1000) / 4000:.5f},{37.3 + (i % 777) / 2000:.5f}"
        for i in range(n)
    ]
    res = _publish(hub, tmp_path, "big", "big.csv", "\n".join(lines) + "\n")
    del lines
    rid = res["id"]
    v, cols, sql = hub.datastore.export_query(rid)
    # memory does not grow with the rows: the whole table peaks like its first fifth (tracemalloc)
    size, largest, peak = _consume(csv_chunks(cols, hub.store.stream(sql)))
    small, _, peak_small = _consume(csv_chunks(cols, hub.store.stream(sql + f" LIMIT {n // 5}")))
    assert size > 30_000_000 and small < size / 4
    assert peak < 1.5 * peak_small and peak < size / 2, (size, peak, peak_small)
    # JSON and GeoJSON come one batch at a time too (tracing them would take long)
    for chunks in (
        json_chunks(cols, hub.store.stream(sql)),
        geojson_chunks(cols, hub.store.stream(sql), locate(v["schema"])),
    ):
        size, largest, _ = _consume(chunks, trace=False)
        assert size > 50_000_000 and largest < size / 20
    with client.stream("GET", f"/download/{rid}.csv") as r:
        assert r.status_code == 200 and "content-length" not in r.headers  # streamed, not buffered
        total = sum(len(c) for c in r.iter_bytes())
    assert total > 20_000_000
