"""SensorThings query of the last 24 h of one datastream (86,400 observations) with $top=1000, over HTTP.

Issue 5's figure: `GET /sta/v1.1/Datastreams(id)/Observations?$orderby=phenomenonTime desc&$top=1000`,
median under 50 ms. The table holds three datastreams of one observation a second for 24 h (259,200
SYNTHETIC rows, fixed seed), created through the API itself (CreateObservations, dataArray). The server
(uvicorn, embedded default) and the client (httpx, one request at a time) are separate processes.
Baseline in the same run: the service root `/sta/v1.1` on the same server — the framework's floor.

    .venv/bin/python bench/bench_sta.py [--requests 200] [--seconds 86400]
"""

from __future__ import annotations

import argparse
import json
import random
import shutil
import statistics
import subprocess
import sys
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

from common import free_port, pct, run_json, serve, wait_ready

WORK = Path(__file__).resolve().parent / "_work"
SEED = 20240614
STA = "/sta/v1.1"


def child_setup(data_dir: Path, seconds: int) -> dict:
    """Three synthetic gauges with `seconds` observations each, through the API; returns key and ids."""
    from fastapi.testclient import TestClient

    from incheon.api.app import create_app
    from incheon.hub.hub import Hub
    from incheon.settings import Settings

    settings = Settings(data_dir=data_dir, database_url="")
    (data_dir / "tmp").mkdir(parents=True, exist_ok=True)
    hub = Hub(settings)
    hub.auth.create_user("bench-admin", sysadmin=True)
    key = hub.auth.create_key("bench-admin")
    rng = random.Random(SEED)
    start = datetime(2026, 7, 1, tzinfo=UTC)
    ids = []
    t0 = time.perf_counter()
    with TestClient(create_app(settings, hub)) as client:
        auth = {"Authorization": key}
        for g in range(3):
            body = {
                "name": f"합성 수위계 {g}",
                "description": "SYNTHETIC gauge for bench_sta.py",
                "Locations": [
                    {
                        "name": f"위치 {g}",
                        "description": "합성",
                        "encodingType": "application/geo+json",
                        "location": {"type": "Point", "coordinates": [126.70 + g / 100, 37.50]},
                    }
                ],
                "Datastreams": [
                    {
                        "name": f"합성 수위 {g}",
                        "description": "수위 (합성)",
                        "unitOfMeasurement": {"name": "metre", "symbol": "m", "definition": "urn:unit:m"},
                        "observationType": "http://www.opengis.net/def/observationType/OGC-OM/2.0/OM_Measurement",
                        "Sensor": {
                            "name": "합성 센서",
                            "description": "합성",
                            "encodingType": "text/html",
                            "metadata": "synthetic",
                        },
                        "ObservedProperty": {
                            "name": "수위",
                            "definition": "urn:incheon:water-level",
                            "description": "수위",
                        },
                    }
                ],
            }
            r = client.post(f"{STA}/Things", json=body, headers=auth)
            r.raise_for_status()
            thing = r.json()["@iot.id"]
            ds = client.get(f"{STA}/Things({thing})/Datastreams").json()["value"][0]["@iot.id"]
            ids.append(ds)
            level = 1.0
            for chunk in range(0, seconds, 10_000):
                arr = []
                for s in range(chunk, min(seconds, chunk + 10_000)):
                    level = max(0.0, level + rng.gauss(0, 0.01))
                    arr.append(
                        [(start + timedelta(seconds=s)).isoformat().replace("+00:00", "Z"), round(level, 3)]
                    )
                body = [
                    {
                        "Datastream": {"@iot.id": ds},
                        "components": ["phenomenonTime", "result"],
                        "dataArray": arr,
                    }
                ]
                client.post(f"{STA}/CreateObservations", json=body, headers=auth).raise_for_status()
    hub.close()
    return {"datastreams": ids, "rows": 3 * seconds, "seconds": round(time.perf_counter() - t0, 1)}


def child_client(port: int, ds: int, n: int) -> dict:
    import httpx

    query = {"$orderby": "phenomenonTime desc", "$top": "1000"}
    out: dict[str, list[float]] = {"query": [], "root": []}
    with httpx.Client(base_url=f"http://127.0.0.1:{port}", timeout=60) as c:
        first = c.get(f"{STA}/Datastreams({ds})/Observations", params=query)
        first.raise_for_status()
        body = first.json()
        check = {"n": len(body["value"]), "newest": body["value"][0]["phenomenonTime"]}
        for _ in range(n):  # alternate, so both see the same machine load
            t = time.perf_counter()
            c.get(f"{STA}/Datastreams({ds})/Observations", params=query).raise_for_status()
            out["query"].append((time.perf_counter() - t) * 1000)
            t = time.perf_counter()
            c.get(STA).raise_for_status()
            out["root"].append((time.perf_counter() - t) * 1000)
    return {**out, "check": check}


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("--requests", type=int, default=200)
    p.add_argument("--seconds", type=int, default=86_400, help="observations per datastream (1 per second)")
    p.add_argument("--child", choices=["setup", "serve", "client"], help=argparse.SUPPRESS)
    p.add_argument("--data-dir", type=Path, help=argparse.SUPPRESS)
    p.add_argument("--port", type=int, help=argparse.SUPPRESS)
    p.add_argument("--ds", type=int, help=argparse.SUPPRESS)
    a = p.parse_args()
    if a.child == "setup":
        print(json.dumps(child_setup(a.data_dir, a.seconds)))
        return
    if a.child == "serve":
        serve(a.data_dir, a.port)
        return
    if a.child == "client":
        print(json.dumps(child_client(a.port, a.ds, a.requests)))
        return

    data_dir = WORK / "sta_hub"
    shutil.rmtree(data_dir, ignore_errors=True)
    setup = run_json(__file__, ["--child", "setup", "--data-dir", str(data_dir), "--seconds", str(a.seconds)])
    print(
        f"SYNTHETIC: {setup['rows']:,} observations in 3 datastreams, created through the API in "
        f"{setup['seconds']} s"
    )
    port = free_port()
    proc = subprocess.Popen(
        [sys.executable, __file__, "--child", "serve", "--data-dir", str(data_dir), "--port", str(port)]
    )
    try:
        wait_ready(port, STA, proc)
        res = run_json(
            __file__,
            [
                "--child",
                "client",
                "--port",
                str(port),
                "--ds",
                str(setup["datastreams"][0]),
                "--requests",
                str(a.requests),
            ],
        )
    finally:
        proc.terminate()
        proc.wait(30)
    q, r = res["query"], res["root"]
    print(f"check: {res['check']['n']} observations returned, newest {res['check']['newest']}")
    print(
        f"Observations $top=1000 newest first: median {statistics.median(q):.1f} ms, p95 {pct(q, 0.95):.1f} ms "
        f"(n={len(q)})"
    )
    print(
        f"baseline service root {STA}:        median {statistics.median(r):.1f} ms, p95 {pct(r, 0.95):.1f} ms"
    )
    print(f"ratio query/service root (median): {statistics.median(q) / statistics.median(r):.1f}x")
    verdict = "met" if statistics.median(q) < 50 else "MISSED"
    print(f"target median < 50 ms: {verdict}")
    shutil.rmtree(data_dir, ignore_errors=True)


if __name__ == "__main__":
    main()
