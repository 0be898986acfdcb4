"""Benchmark: the portal's dataset page (server render with a 100-row preview) over HTTP, and requests/s
under concurrent load, against the same server's trivial JSON endpoint as the framework floor.

Why: issue 4 asks for a dataset page median under 100 ms (server render, 100-row preview) and its
requests/s under concurrent load from a separate load-generator process.

Server: the embedded default (DuckDB file under bench/_work/pages), seeded with `seed_all` (the plan's
tables and the base layers) plus one SYNTHETIC dataset, `bench-facilities`: 10,000 rows generated from a
fixed seed (district code, real 행정동 names of that district, date, counts, amounts, Korean text; every row
made up), published through the normal ingest pipeline so it has a quality report, a district key (map)
and numeric columns (chart). `create_app(Settings(data_dir=…))` under uvicorn on 127.0.0.1, one process,
one worker, access log off (we time rendering, not logging), in its own process.

Client (this process, separate from the server):
  1. latency: httpx, keep-alive, one request at a time, interleaving the two URLs over --requests each
     (default 200; 10 warm-ups each, not counted):
        page      GET /dataset/bench-facilities?limit=100     (the preview shows 100 rows: checked)
        baseline  GET /api/3/action/status_show               (a trivial JSON endpoint: the floor)
     medians and p95; "render" = page median - baseline median (what the page adds over the framework).
  2. throughput: --connections concurrent keep-alive connections for --seconds per URL, from a separate
     load-generator process: `wrk` (Debian's package; installed with apt-get if missing) or, with
     --load httpx or when wrk cannot be had, a Python asyncio httpx client in a child process.
     requests/s, latency median/p95/p99 (wrk: from its latency histogram, via a Lua `done` hook),
     non-2xx and socket error counts.
Prints the figures and the ratios page/baseline.

Run: .venv/bin/python bench/bench_pages.py [--requests 200] [--connections 16] [--seconds 10]
                                           [--load wrk|httpx] [--dataset NAME] [--path /dataset/NAME?..]
"""

from __future__ import annotations

import argparse
import asyncio
import csv
import json
import os
import random
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from common import free_port, pct

ROOT = Path(__file__).resolve().parent
WORK = ROOT / "_work" / "pages"
SEED = 20241203
ROWS = 10_000
NAME = "bench-facilities"
TARGET_MS = 100.0
FACILITIES = [
    "공영주차장",
    "어린이집",
    "경로당",
    "공공도서관",
    "체육관",
    "무더위쉼터",
    "행정복지센터",
    "공원",
]
NOTES = ["", "정상 운영", "리모델링 공사 중, 임시 휴관", "주말 운영", "2023년 신규 설치", "민간 위탁"]


# ---------------------------------------------------------------------------------------------- data
def synthetic_csv(path: Path, dongs: dict[str, list[str]]) -> None:
    rng = random.Random(SEED)
    codes = sorted(dongs)
    with path.open("w", encoding="utf-8", newline="") as fh:
        w = csv.writer(fh)
        w.writerow(
            ["시군구코드", "행정동명", "기준일자", "시설명", "시설수", "이용자수", "예산_천원", "비고"]
        )
        for i in range(ROWS):
            code = codes[i % len(codes)]
            w.writerow(
                [
                    code,
                    rng.choice(dongs[code]),
                    f"2024-{rng.randint(1, 12):02d}-{rng.randint(1, 28):02d}",
                    f"{rng.choice(FACILITIES)} {rng.randint(1, 99)}호",
                    rng.randint(1, 40),
                    rng.randint(0, 50_000),
                    round(rng.uniform(100, 90_000), 1),
                    rng.choice(NOTES),
                ]
            )


def prepare(data_dir: Path) -> None:
    """Seed the embedded default and publish the synthetic dataset (both idempotent)."""
    from incheon.hub.hub import Hub
    from incheon.seed.loader import SEED_PRINCIPAL, seed_all
    from incheon.settings import Settings

    (data_dir / "tmp").mkdir(parents=True, exist_ok=True)
    hub = Hub(Settings(data_dir=data_dir))
    try:
        seed_all(hub, log=lambda *_: None)
        try:
            hub.catalog.dataset(NAME)
            return
        except Exception:  # noqa: BLE001 - not there yet
            pass
        dongs: dict[str, list[str]] = {}
        rid = hub.catalog.dataset("incheon-admin-dong-centroids")["resources"][0]["id"]
        for row in hub.datastore.search({"resource_id": rid, "limit": 1000})["records"]:
            code, name = str(row["admcd"]), str(row["admnm"]).split()
            if len(code) == 10 and not code.endswith("00000") and row["code_status"] == "current":
                dongs.setdefault(code[:5], []).append(name[-1])
        if not dongs:
            raise SystemExit("no dong names found in incheon-admin-dong-centroids")
        ds = hub.catalog.create_dataset(
            SEED_PRINCIPAL,
            {
                "name": NAME,
                "title": "벤치마크용 합성 시설 현황",
                "title_en": "Synthetic facilities (benchmark)",
                "notes": "벤치마크 전용 합성 데이터: 모든 행은 고정 시드로 생성된 가상의 값입니다.",
                "owner_org": "incheon-city",
                "groups": ["health-welfare"],
                "license_id": "kogl-type1",
                "extras": {"synthetic": "true"},
            },
        )
        with tempfile.TemporaryDirectory() as tmp:
            path = Path(tmp) / "facilities.csv"
            synthetic_csv(path, dongs)
            staged = hub.stage_upload(None, path, path.name, encoding="utf-8")
            try:
                hub.catalog.publish_version(
                    SEED_PRINCIPAL,
                    None,
                    staged,
                    path.name,
                    new_resource={"package_id": ds["id"], "name": "시설 현황", "format": "CSV"},
                )
            finally:
                staged.cleanup()
    finally:
        hub.close()


# -------------------------------------------------------------------------------------------- server
def serve(data_dir: Path, port: int) -> None:
    import uvicorn

    from incheon.api.app import create_app
    from incheon.settings import Settings

    uvicorn.run(
        create_app(Settings(data_dir=data_dir)),
        host="127.0.0.1",
        port=port,
        log_level="warning",
        access_log=False,
    )


def start_server(data_dir: Path, port: int) -> subprocess.Popen:
    proc = subprocess.Popen(
        [sys.executable, __file__, "--serve", str(data_dir), "--port", str(port)],
        cwd=ROOT.parent,
    )
    import httpx

    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise SystemExit(f"server exited with {proc.returncode}")
        try:
            if httpx.get(f"http://127.0.0.1:{port}/api/3/action/status_show", timeout=2).status_code == 200:
                return proc
        except httpx.HTTPError:
            time.sleep(0.2)
    proc.terminate()
    raise SystemExit("server did not start")


# ------------------------------------------------------------------------------------------- latency
def latency(base: str, urls: dict[str, str], n: int) -> dict[str, list[float]]:
    import httpx

    out: dict[str, list[float]] = {k: [] for k in urls}
    with httpx.Client(base_url=base, timeout=30) as client:
        for _ in range(10):
            for path in urls.values():
                client.get(path).raise_for_status()
        for _ in range(n):
            for key, path in urls.items():
                t0 = time.perf_counter()
                r = client.get(path)
                dt = (time.perf_counter() - t0) * 1000
                r.raise_for_status()
                out[key].append(dt)
    return out


def preview_rows(html: str) -> int:
    """Rows in the <tbody> of the table with id="preview"."""
    m = re.search(r'<table[^>]*id="preview".*?</table>', html, re.S)
    if not m:
        return -1
    body = re.search(r"<tbody.*?</tbody>", m.group(0), re.S)
    return len(re.findall(r"<tr[\s>]", body.group(0) if body else m.group(0))) - (0 if body else 1)


# ---------------------------------------------------------------------------------------- throughput
def ensure_wrk() -> str | None:
    found = shutil.which("wrk")
    if found:
        return found
    sudo = [] if os.geteuid() == 0 else ["sudo"]
    env = {**os.environ, "DEBIAN_FRONTEND": "noninteractive"}
    try:
        subprocess.run([*sudo, "apt-get", "update", "-qq"], check=True, env=env)
        subprocess.run(
            [*sudo, "apt-get", "install", "-y", "-qq", "wrk"], check=True, env=env, stdout=subprocess.DEVNULL
        )
    except (OSError, subprocess.CalledProcessError) as exc:
        print(f"wrk could not be installed ({exc}); using the httpx load generator", file=sys.stderr)
        return None
    return shutil.which("wrk")


WRK_LUA = """
done = function(summary, latency, requests)
  io.write(string.format("JSON {\\"requests\\": %d, \\"duration_us\\": %d, \\"non2xx\\": %d, "
    .. "\\"errors\\": %d, \\"p50\\": %f, \\"p95\\": %f, \\"p99\\": %f}\\n",
    summary.requests, summary.duration, summary.errors.status,
    summary.errors.connect + summary.errors.read + summary.errors.write + summary.errors.timeout,
    latency:percentile(50) / 1000, latency:percentile(95) / 1000, latency:percentile(99) / 1000))
end
"""


def load_wrk(wrk: str, url: str, connections: int, seconds: int) -> dict:
    with tempfile.NamedTemporaryFile("w", suffix=".lua", delete=False) as fh:
        fh.write(WRK_LUA)
        script = fh.name
    try:
        out = subprocess.run(
            [wrk, "-t", "1", "-c", str(connections), "-d", f"{seconds}s", "-s", script, url],
            check=True,
            capture_output=True,
            text=True,
        ).stdout
    finally:
        os.unlink(script)
    line = next(x for x in out.splitlines() if x.startswith("JSON "))
    r = json.loads(line[5:])
    return {
        "rps": r["requests"] / (r["duration_us"] / 1e6),
        "requests": r["requests"],
        "p50": r["p50"],
        "p95": r["p95"],
        "p99": r["p99"],
        "bad": r["non2xx"] + r["errors"],
    }


async def _httpx_load(url: str, connections: int, seconds: float) -> dict:
    import httpx

    times: list[float] = []
    bad = 0
    limits = httpx.Limits(max_connections=connections, max_keepalive_connections=connections)
    async with httpx.AsyncClient(limits=limits, timeout=30) as client:
        stop = time.perf_counter() + seconds

        async def worker() -> None:
            nonlocal bad
            while time.perf_counter() < stop:
                t0 = time.perf_counter()
                r = await client.get(url)
                times.append((time.perf_counter() - t0) * 1000)
                bad += r.status_code >= 300

        t0 = time.perf_counter()
        await asyncio.gather(*(worker() for _ in range(connections)))
        elapsed = time.perf_counter() - t0
    return {
        "rps": len(times) / elapsed,
        "requests": len(times),
        "p50": statistics.median(times),
        "p95": pct(times, 0.95),
        "p99": pct(times, 0.99),
        "bad": bad,
    }


def load_httpx(url: str, connections: int, seconds: int) -> dict:
    """The asyncio client in a child process (not the one that timed the latency, not the server)."""
    out = subprocess.run(
        [sys.executable, __file__, "--load-child", url, "--connections", str(connections)]
        + ["--seconds", str(seconds)],
        check=True,
        capture_output=True,
        text=True,
    ).stdout
    return json.loads(out.strip().splitlines()[-1])


# ---------------------------------------------------------------------------------------------- main
def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--requests", type=int, default=200)
    ap.add_argument("--connections", type=int, default=16)
    ap.add_argument("--seconds", type=int, default=10)
    ap.add_argument("--load", choices=["wrk", "httpx"], default="wrk")
    ap.add_argument("--dataset", default=NAME)
    ap.add_argument("--path", help="page to time (default /dataset/<dataset>?limit=100)")
    ap.add_argument("--serve", type=Path, help=argparse.SUPPRESS)
    ap.add_argument("--port", type=int, help=argparse.SUPPRESS)
    ap.add_argument("--load-child", help=argparse.SUPPRESS)
    a = ap.parse_args()
    if a.serve:
        return serve(a.serve, a.port)
    if a.load_child:
        print(json.dumps(asyncio.run(_httpx_load(a.load_child, a.connections, a.seconds))))
        return None

    import duckdb
    import uvicorn

    t0 = time.perf_counter()
    prepare(WORK)
    print(
        f"data: seeded embedded default + {ROWS:,} synthetic rows in {WORK} ({time.perf_counter() - t0:.1f} s)"
    )
    page_path = a.path or f"/dataset/{a.dataset}?limit=100"
    urls = {"page": page_path, "baseline": "/api/3/action/status_show"}
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    server = start_server(WORK, port)
    try:
        import httpx

        html = httpx.get(base + page_path, timeout=30).text
        rows = preview_rows(html)
        print(f"page {page_path}: {len(html.encode()):,} bytes, preview rows: {rows}")
        if rows != 100 and a.path is None:
            print(
                "  (the preview does not show 100 rows: check the page's paging parameter)", file=sys.stderr
            )

        lat = latency(base, urls, a.requests)
        pm, bm = statistics.median(lat["page"]), statistics.median(lat["baseline"])
        print(f"\nlatency, one request at a time, {a.requests} requests each (keep-alive, loopback):")
        for key in urls:
            v = lat[key]
            print(
                f"  {key:8} median {statistics.median(v):7.2f} ms   p95 {pct(v, 0.95):7.2f} ms   max {max(v):7.2f} ms"
            )
        print(f"  render (page - baseline medians): {pm - bm:.2f} ms; page/baseline: {pm / bm:.1f}x")
        print(f"  target: page median < {TARGET_MS:.0f} ms: {'met' if pm < TARGET_MS else 'MISSED'}")

        wrk = ensure_wrk() if a.load == "wrk" else None
        tool = "wrk" if wrk else "httpx (asyncio, child process)"
        print(f"\nthroughput: {a.connections} connections for {a.seconds} s each, load generator: {tool}")
        res = {}
        for key, path in urls.items():
            if wrk:
                res[key] = load_wrk(wrk, base + path, a.connections, a.seconds)
            else:
                res[key] = load_httpx(base + path, a.connections, a.seconds)
            r = res[key]
            print(
                f"  {key:8} {r['rps']:8.1f} req/s   median {r['p50']:7.1f} ms   p95 {r['p95']:7.1f} ms"
                f"   p99 {r['p99']:7.1f} ms   ({r['requests']:,} requests, {r['bad']} not 2xx/errors)"
            )
        print(f"  page/baseline req/s: {res['page']['rps'] / res['baseline']['rps']:.3f}")
        print(
            f"\nversions: Python {sys.version.split()[0]}, uvicorn {uvicorn.__version__}, "
            f"DuckDB {duckdb.__version__}, cores {os.cpu_count()}"
        )
    finally:
        server.terminate()
        server.wait(10)
    return None


if __name__ == "__main__":
    main()
