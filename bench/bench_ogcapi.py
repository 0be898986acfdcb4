"""Benchmark: OGC API – Features `items?bbox=` on 5,000 SYNTHETIC points, side by side with pygeoapi.

Why: the portal's target (issue 4) is to serve 5,000 point features by bbox at least as fast as pygeoapi,
the OGC reference implementation, serving the same points in the same run.

Data: 5,000 points drawn uniformly inside Incheon's ten districts (the base layer's polygons, rejection
sampling, numpy seed 20240613), each with id (1..5000, equal to our row number `_id`), name (synthetic
Korean text), category, value and lon/lat. Every row is synthetic. Written once to bench/_work/ as CSV
and as GeoJSON (the same rows), then served by:
  ours      — the CSV published as a resource on the embedded default (`hub.stage_upload` +
              `catalog.publish_version`), served by our app (`create_app`) under uvicorn;
  pygeoapi  — from PyPI, with a generated config (bench/_work/pygeoapi/pygeoapi-config.yml) holding the
              same points twice: collection `points-geojson` (GeoJSON provider) and `points-csv` (CSV
              provider); its OpenAPI document made by `pygeoapi openapi generate`; served by its Starlette
              app (`pygeoapi.starlette_app:APP`) under uvicorn, like ours. Limits: max_items 10,000.
Each server runs in its own process on 127.0.0.1; a separate client process (httpx, keep-alive, one request
at a time) alternates the three endpoints for each query, ~50 requests per query and endpoint:
  whole     items?bbox=<Incheon's extent>&limit=5000   → all 5,000 features
  small     items?bbox=126.68,37.46,126.76,37.53&limit=5000   → the points in that box (a few hundred)
One warm-up request per endpoint and query is not counted. The client checks that all three answer the
same features (ids and numberMatched) before timing.

Run: .venv/bin/python bench/bench_ogcapi.py [--requests 50]
"""

from __future__ import annotations

import argparse
import csv
import json
import os
import shutil
import statistics
import subprocess
import sys
import time
from pathlib import Path

from common import free_port, pct, run_json, wait_ready
from common import serve as child_serve

ROOT = Path(__file__).resolve().parent
WORK = ROOT / "_work"
SEED = 20240613
N_POINTS = 5_000
SMALL_BBOX = (126.68, 37.46, 126.76, 37.53)
CATEGORIES = [
    "공영주차장",
    "어린이집",
    "경로당",
    "공공도서관",
    "체육관",
    "무더위쉼터",
    "행정복지센터",
    "공원",
]


# ---------------------------------------------------------------------------------------------- data
def whole_bbox() -> tuple[float, float, float, float]:
    import shapely

    from incheon.hub.geo import base_layers

    shapes = [shapely.geometry.shape(f["geometry"]) for f in base_layers().districts_geojson["features"]]
    minx, miny, maxx, maxy = shapely.total_bounds(shapes)
    return tuple(round(float(v), 2) for v in (minx - 0.01, miny - 0.01, maxx + 0.01, maxy + 0.01))  # type: ignore[return-value]


def make_points() -> tuple[Path, Path]:
    """SYNTHETIC points inside the districts (fixed seed); CSV and GeoJSON of the same rows."""
    import numpy as np
    import shapely

    from incheon.hub.geo import base_layers

    out_csv, out_geojson = WORK / f"ogc_points_{SEED}.csv", WORK / f"ogc_points_{SEED}.geojson"
    if out_csv.exists() and out_geojson.exists():
        return out_csv, out_geojson
    WORK.mkdir(parents=True, exist_ok=True)
    layers = base_layers()
    area = shapely.union_all(
        [shapely.geometry.shape(f["geometry"]) for f in layers.districts_geojson["features"]]
    )
    shapely.prepare(area)
    rng = np.random.default_rng(SEED)
    minx, miny, maxx, maxy = area.bounds
    lon: list[float] = []
    lat: list[float] = []
    while len(lon) < N_POINTS:
        x = rng.uniform(minx, maxx, 20_000)
        y = rng.uniform(miny, maxy, 20_000)
        keep = shapely.contains_xy(area, x, y)
        lon += [round(v, 6) for v in x[keep]]
        lat += [round(v, 6) for v in y[keep]]
    lon, lat = lon[:N_POINTS], lat[:N_POINTS]
    cats = rng.integers(0, len(CATEGORIES), N_POINTS)
    values = rng.integers(0, 100_000, N_POINTS)
    rows = [
        {
            "id": i + 1,
            "name": f"합성 {CATEGORIES[cats[i]]} {i + 1}",
            "category": CATEGORIES[cats[i]],
            "value": int(values[i]),
            "lon": lon[i],
            "lat": lat[i],
        }
        for i in range(N_POINTS)
    ]
    with out_csv.open("w", encoding="utf-8", newline="") as fh:
        w = csv.DictWriter(fh, fieldnames=list(rows[0]))
        w.writeheader()
        w.writerows(rows)
    features = [
        {
            "type": "Feature",
            "id": r["id"],
            "geometry": {"type": "Point", "coordinates": [r["lon"], r["lat"]]},
            "properties": {k: v for k, v in r.items() if k not in ("lon", "lat")},
        }
        for r in rows
    ]
    out_geojson.write_text(
        json.dumps({"type": "FeatureCollection", "features": features}, ensure_ascii=False), encoding="utf-8"
    )
    return out_csv, out_geojson


def pygeoapi_config(csv_path: Path, geojson_path: Path, port: int) -> tuple[Path, Path]:
    """pygeoapi's config (both providers) and its OpenAPI document, under bench/_work/pygeoapi/."""
    import yaml

    d = WORK / "pygeoapi"
    d.mkdir(parents=True, exist_ok=True)
    bbox = list(whole_bbox())
    extents = {"spatial": {"bbox": bbox, "crs": "http://www.opengis.net/def/crs/OGC/1.3/CRS84"}}
    common = {
        "type": "collection",
        "description": "5,000 SYNTHETIC points inside Incheon's districts (bench)",
        "keywords": ["synthetic", "bench"],
        "extents": extents,
    }
    config = {
        "server": {
            "bind": {"host": "127.0.0.1", "port": port},
            "url": f"http://127.0.0.1:{port}",
            "mimetype": "application/json; charset=UTF-8",
            "encoding": "utf-8",
            "languages": ["en-US"],
            "pretty_print": False,
            "limits": {"default_items": 10, "max_items": 10_000},
            "map": {"url": "http://127.0.0.1/none/{z}/{x}/{y}.png", "attribution": "none (offline bench)"},
            "admin": False,
        },
        "logging": {"level": "ERROR"},
        "metadata": {
            "identification": {
                "title": "bench",
                "description": "pygeoapi serving the bench's synthetic points",
                "keywords": ["bench"],
                "keywords_type": "theme",
                "terms_of_service": "none",
                "url": "http://127.0.0.1",
            },
            "license": {"name": "CC0", "url": "http://127.0.0.1/license"},
            "provider": {"name": "bench", "url": "http://127.0.0.1"},
            "contact": {"name": "bench", "email": "bench@example.invalid", "role": "pointOfContact"},
        },
        "resources": {
            "points-geojson": {
                **common,
                "title": "points (GeoJSON provider)",
                "providers": [
                    {"type": "feature", "name": "GeoJSON", "data": str(geojson_path), "id_field": "id"}
                ],
            },
            "points-csv": {
                **common,
                "title": "points (CSV provider)",
                "providers": [
                    {
                        "type": "feature",
                        "name": "CSV",
                        "data": str(csv_path),
                        "id_field": "id",
                        "geometry": {"x_field": "lon", "y_field": "lat"},
                    }
                ],
            },
        },
    }
    cfg = d / "pygeoapi-config.yml"
    cfg.write_text(yaml.safe_dump(config, allow_unicode=True, sort_keys=False), encoding="utf-8")
    openapi = d / "pygeoapi-openapi.yml"
    pygeoapi = str(Path(sys.executable).with_name("pygeoapi"))
    subprocess.run(
        [pygeoapi, "openapi", "generate", str(cfg), "--output-file", str(openapi)],
        check=True,
        capture_output=True,
        env={**os.environ, "PYGEOAPI_CONFIG": str(cfg)},
    )
    return cfg, openapi


# ---------------------------------------------------------------------------------------------- children
def child_publish(csv_path: Path, data_dir: Path) -> dict:
    from incheon.hub.hub import Hub
    from incheon.seed.loader import CITY_ORG, SEED_PRINCIPAL
    from incheon.settings import Settings

    hub = Hub(Settings(data_dir=data_dir, database_url=""))
    (data_dir / "tmp").mkdir(parents=True, exist_ok=True)
    hub.catalog.create_organization(SEED_PRINCIPAL, CITY_ORG)
    ds = hub.catalog.create_dataset(
        SEED_PRINCIPAL,
        {
            "name": "bench-synthetic-points",
            "title": "벤치마크용 합성 지점 5,000개 (SYNTHETIC)",
            "owner_org": CITY_ORG["name"],
            "extras": {"synthetic": "true"},
        },
    )
    staged = hub.stage_upload(None, csv_path, csv_path.name)
    try:
        res = hub.catalog.publish_version(
            SEED_PRINCIPAL, None, staged, csv_path.name, new_resource={"package_id": ds["id"]}
        )
    finally:
        staged.cleanup()
    roles = {f["id"]: f["role"] for f in res["fields"]}
    hub.close()
    return {"resource_id": res["id"], "rows": res["rows"], "roles": roles}


def child_client(endpoints: dict[str, str], queries: dict[str, str], n: int) -> dict:
    import httpx

    out: dict[str, dict[str, list[float]]] = {q: {e: [] for e in endpoints} for q in queries}
    info: dict[str, dict[str, dict]] = {q: {} for q in queries}
    with httpx.Client(timeout=120) as client:
        for q, params in queries.items():
            for e, base in endpoints.items():  # warm-up and the answer, checked below
                r = client.get(f"{base}?{params}")
                r.raise_for_status()
                body = r.json()
                info[q][e] = {
                    "matched": body.get("numberMatched"),
                    "returned": len(body["features"]),
                    "ids": sorted(str(f["id"]) for f in body["features"]),
                    "bytes": len(r.content),
                }
        for _ in range(n):
            for q, params in queries.items():
                for e, base in endpoints.items():
                    t = time.perf_counter()
                    r = client.get(f"{base}?{params}")
                    out[q][e].append((time.perf_counter() - t) * 1000)
                    r.raise_for_status()
    return {"ms": out, "info": info}


# ---------------------------------------------------------------------------------------------- parent
def main() -> None:
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("--requests", type=int, default=50)
    p.add_argument("--child", choices=["publish", "serve", "client"], help=argparse.SUPPRESS)
    p.add_argument("--file", type=Path, help=argparse.SUPPRESS)
    p.add_argument("--data-dir", type=Path, help=argparse.SUPPRESS)
    p.add_argument("--port", type=int, help=argparse.SUPPRESS)
    p.add_argument("--plan", help=argparse.SUPPRESS)
    a = p.parse_args()
    if a.child == "publish":
        print(json.dumps(child_publish(a.file, a.data_dir)))
        return
    if a.child == "serve":
        child_serve(a.data_dir, a.port)
        return
    if a.child == "client":
        plan = json.loads(a.plan)
        print(json.dumps(child_client(plan["endpoints"], plan["queries"], a.requests)))
        return

    import importlib.util

    if importlib.util.find_spec("pygeoapi") is None:
        raise SystemExit("pygeoapi is missing: .venv/bin/pip install -e '.[bench]'")
    import pygeoapi

    csv_path, geojson_path = make_points()
    whole = whole_bbox()
    print(
        f"SYNTHETIC points: {N_POINTS:,} inside Incheon's districts (seed {SEED}), "
        f"CSV {csv_path.stat().st_size / 1e6:.2f} MB, GeoJSON {geojson_path.stat().st_size / 1e6:.2f} MB"
    )
    data_dir = WORK / "ogcapi_hub"
    shutil.rmtree(data_dir, ignore_errors=True)
    pub = run_json(__file__, ["--child", "publish", "--file", str(csv_path), "--data-dir", str(data_dir)])
    assert pub["roles"].get("lon") == "lon" and pub["roles"].get("lat") == "lat", pub["roles"]
    print(f"published on the embedded default: resource {pub['resource_id']} ({pub['rows']:,} rows)")

    ours_port, their_port = free_port(), free_port()
    cfg, openapi = pygeoapi_config(csv_path, geojson_path, their_port)
    print(f"pygeoapi {pygeoapi.__version__}: config {cfg.relative_to(ROOT.parent)}, OpenAPI generated")
    ours = subprocess.Popen(
        [sys.executable, __file__, "--child", "serve", "--data-dir", str(data_dir), "--port", str(ours_port)],
        stdout=subprocess.DEVNULL,
    )
    theirs = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "uvicorn",
            "pygeoapi.starlette_app:APP",
            "--host",
            "127.0.0.1",
            "--port",
            str(their_port),
            "--log-level",
            "warning",
        ],
        env={**os.environ, "PYGEOAPI_CONFIG": str(cfg), "PYGEOAPI_OPENAPI": str(openapi)},
        stdout=subprocess.DEVNULL,
    )
    try:
        up_ours = wait_ready(ours_port, "/ogcapi/", ours)
        up_theirs = wait_ready(their_port, "/collections?f=json", theirs)
        print(f"servers up: ours in {up_ours:.1f} s (port {ours_port}), pygeoapi in {up_theirs:.1f} s")
        endpoints = {
            "ours": f"http://127.0.0.1:{ours_port}/ogcapi/collections/{pub['resource_id']}/items",
            "pygeoapi GeoJSON": f"http://127.0.0.1:{their_port}/collections/points-geojson/items",
            "pygeoapi CSV": f"http://127.0.0.1:{their_port}/collections/points-csv/items",
        }
        queries = {
            "whole": f"bbox={','.join(map(str, whole))}&limit=5000&f=json",
            "small": f"bbox={','.join(map(str, SMALL_BBOX))}&limit=5000&f=json",
        }
        res = run_json(
            __file__,
            [
                "--child",
                "client",
                "--requests",
                str(a.requests),
                "--plan",
                json.dumps({"endpoints": endpoints, "queries": queries}),
            ],
        )
    finally:
        for proc in (ours, theirs):
            proc.terminate()
        for proc in (ours, theirs):
            try:
                proc.wait(timeout=30)
            except subprocess.TimeoutExpired:
                proc.kill()
    shutil.rmtree(data_dir, ignore_errors=True)

    load = ", ".join(f"{v:.1f}" for v in os.getloadavg())
    print(f"\nmachine: {os.cpu_count()} CPUs, load average (1, 5, 15 min) after the run: {load}")
    for q, params in queries.items():
        info = res["info"][q]
        ids = {e: i["ids"] for e, i in info.items()}
        same = all(v == ids["ours"] for v in ids.values())
        print(f"\n{q}: items?{params}")
        print(
            "  answers: "
            + ", ".join(
                f"{e} {i['returned']:,} features (numberMatched {i['matched']}, {i['bytes'] / 1e6:.2f} MB)"
                for e, i in info.items()
            )
            + f"; same features: {'yes' if same else 'NO'}"
        )
        ours_med = statistics.median(res["ms"][q]["ours"])
        for e, values in res["ms"][q].items():
            med = statistics.median(values)
            ratio = "" if e == "ours" else f", ratio {e}/ours {med / ours_med:.2f}x"
            print(f"  {e:17s} median {med:7.1f} ms, p95 {pct(values, 0.95):7.1f} ms (n={len(values)}){ratio}")


if __name__ == "__main__":
    main()
