"""Benchmark: ingest of a 1,000,000-row CP949 CSV of SYNTHETIC Korean public data through the hub.

Why: publishers upload files of this size in CP949 (the default of Korean Excel), and the hub must turn
them into typed, validated, district-enriched tables at a speed comparable to loading the file with the
engine directly, with memory bounded well below the file size x a few.

The file (fixed seed, every value made by code; labelled synthetic) has 12 columns of the kinds Korean
public files carry: 5-digit district codes (28110..28720), district and 행정동 names, dates, integers
with thousands separators ("1,234"), floats, Korean text with commas inside quotes, a management number
with leading zeros, phone numbers. It is written once as CP949 and once as UTF-8 (under bench/_work/).

Measured in the same run, each in a fresh child process, each 3 times (median reported):
  (a) baseline: DuckDB's own `CREATE TABLE t AS SELECT * FROM read_csv('<utf8>')` (auto-detected types),
      in memory, on the UTF-8 file: the engine reading the file and nothing else;
  (b) ours: `hub.stage_upload(None, <cp949>, name)` + `hub.catalog.publish_version(...)` into a fresh
      data dir on the embedded default (DuckDB file): sniff + transcode, staging, type inference and
      full validation, district enrichment, quality report, Parquet, load into the catalogue's store.
The figure is the ratio baseline_time / our_time (target >= 0.3), and the children's peak RSS
(ru_maxrss) against the file size.

Run: .venv/bin/python bench/bench_ingest.py [--rows N] [--runs 3]
"""

from __future__ import annotations

import argparse
import csv
import json
import random
import resource
import shutil
import statistics
import subprocess
import sys
import time
from pathlib import Path

from common import FACILITIES

ROOT = Path(__file__).resolve().parent
WORK = ROOT / "_work"
SEED = 20240611
TARGET_RATIO = 0.3

DISTRICTS = {
    "28110": "중구",
    "28140": "동구",
    "28177": "미추홀구",
    "28185": "연수구",
    "28200": "남동구",
    "28237": "부평구",
    "28245": "계양구",
    "28260": "서구",
    "28710": "강화군",
    "28720": "옹진군",
}
REMARKS = [
    "",
    "",
    "",
    "정상 운영",
    "리모델링 공사 중, 임시 휴관",
    "주말 운영 (토·일 09:00~18:00)",
    "2023년 신규 설치",
    "민간 위탁, 구 직영 전환 예정",
    "장애인 편의시설 있음",
    '주차 가능 "소형" 10면',
]
HEADER = [
    "시군구코드",
    "시군구명",
    "행정동명",
    "기준일자",
    "인구수",
    "세대수",
    "면적",
    "평균연령",
    "시설명",
    "관리번호",
    "비고",
    "전화번호",
]


def dong_names() -> dict[str, list[str]]:
    """Real 행정동 names per district, from the hub's base layer (names only; every row is synthetic)."""
    from incheon.hub.geo import base_layers

    out: dict[str, list[str]] = {c: [] for c in DISTRICTS}
    for code, dong in base_layers().dongs.items():
        sgg = code[:5]
        if sgg in out and not code.endswith("00000"):
            out[sgg].append(dong.name.split()[-1])
    for code, names in out.items():
        if not names:
            names.append(DISTRICTS[code][:-1] + "1동")
    return out


def generate(rows: int) -> tuple[Path, Path]:
    """SYNTHETIC rows, fixed seed; cached in bench/_work by row count."""
    WORK.mkdir(parents=True, exist_ok=True)
    cp949 = WORK / f"ingest_{rows}_{SEED}.cp949.csv"
    utf8 = WORK / f"ingest_{rows}_{SEED}.utf8.csv"
    if cp949.exists() and utf8.exists():
        return cp949, utf8
    rng = random.Random(SEED)
    dongs = dong_names()
    codes = list(DISTRICTS)
    tmp_u = utf8.with_suffix(".tmp")
    with tmp_u.open("w", encoding="utf-8", newline="") as fu:
        w = csv.writer(fu)
        w.writerow(HEADER)
        batch = []
        for i in range(rows):
            sgg = codes[rng.randrange(10)]
            pop = rng.randrange(500, 60000)
            batch.append(
                (
                    sgg,
                    DISTRICTS[sgg],
                    rng.choice(dongs[sgg]),
                    f"{rng.randrange(2015, 2025)}-{rng.randrange(1, 13):02d}-{rng.randrange(1, 29):02d}",
                    f"{pop:,}" if rng.random() < 0.3 else str(pop),
                    str(pop // rng.randrange(2, 4)),
                    f"{rng.uniform(0.2, 40.0):.2f}",
                    f"{rng.gauss(43.0, 4.0):.1f}",
                    f"{DISTRICTS[sgg]} 제{rng.randrange(1, 60)} {rng.choice(FACILITIES)}",
                    f"{i % 1_000_000:06d}",
                    rng.choice(REMARKS),
                    f"032-{rng.randrange(200, 999)}-{rng.randrange(0, 10000):04d}",
                )
            )
            if len(batch) == 50_000:
                w.writerows(batch)
                batch.clear()
        w.writerows(batch)
    tmp_c = cp949.with_suffix(".tmp")
    with tmp_u.open(encoding="utf-8", newline="") as fin, tmp_c.open("w", encoding="cp949", newline="") as fo:
        shutil.copyfileobj(fin, fo, 4 << 20)
    tmp_u.replace(utf8)
    tmp_c.replace(cp949)
    return cp949, utf8


# ---------------------------------------------------------------------------------------- child processes
def _maxrss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # Linux: KiB


def child_baseline(utf8: Path) -> dict:
    import duckdb

    con = duckdb.connect()
    t = time.perf_counter()
    con.execute("CREATE TABLE t AS SELECT * FROM read_csv(?)", [str(utf8)])
    seconds = time.perf_counter() - t
    n = con.execute("SELECT count(*) FROM t").fetchone()[0]
    types = dict(
        con.execute("SELECT column_name, data_type FROM duckdb_columns() WHERE table_name='t'").fetchall()
    )
    return {"seconds": seconds, "rows": n, "types": types, "maxrss_mb": _maxrss_mb()}


def install_step_timer() -> list[tuple[float, str]]:
    """Time each step of one ingest: file preparation, and every SQL statement of the scratch engine."""
    import functools

    from incheon.hub.catalog import Catalog
    from incheon.hub.ingest import files, pipeline

    steps: list[tuple[float, str]] = []

    def timed(label: str, fn):  # type: ignore[no-untyped-def]
        @functools.wraps(fn)
        def wrapper(*args, **kwargs):  # type: ignore[no-untyped-def]
            t = time.perf_counter()
            try:
                return fn(*args, **kwargs)
            finally:
                steps.append((time.perf_counter() - t, label))

        return wrapper

    class Timed:
        def __init__(self, con) -> None:  # type: ignore[no-untyped-def]
            self._con = con

        def execute(self, sql: str, *args):  # type: ignore[no-untyped-def]
            return timed("SQL " + " ".join(sql.split())[:100], self._con.execute)(sql, *args)

        def __getattr__(self, name: str):  # type: ignore[no-untyped-def]
            return getattr(self._con, name)

    scratch = pipeline._scratch
    pipeline._scratch = lambda workdir: Timed(scratch(workdir))
    pipeline._sha256 = timed("sha256 of the upload", pipeline._sha256)
    files.transcode_to_utf8 = timed("transcode CP949 -> UTF-8 (Python codec)", files.transcode_to_utf8)
    Catalog.publish_version = timed(
        "publish_version (copy Parquet, load into the store)", Catalog.publish_version
    )
    return steps


def child_ingest(cp949: Path, data_dir: Path, profile: bool = False) -> dict:
    from incheon.hub.hub import Hub
    from incheon.seed.loader import CITY_ORG, SEED_PRINCIPAL
    from incheon.settings import Settings

    steps = install_step_timer() if profile else []
    rss_before = _maxrss_mb()
    hub = Hub(Settings(data_dir=data_dir, database_url=""))
    hub.catalog.create_organization(SEED_PRINCIPAL, CITY_ORG)
    ds = hub.catalog.create_dataset(
        SEED_PRINCIPAL,
        {
            "name": "bench-synthetic-facilities",
            "title": "벤치마크용 합성 시설 현황 (SYNTHETIC)",
            "owner_org": CITY_ORG["name"],
            "extras": {"synthetic": "true"},
        },
    )
    rss_ready = _maxrss_mb()
    t0 = time.perf_counter()
    staged = hub.stage_upload(None, cp949, cp949.name)
    t1 = time.perf_counter()
    try:
        res = hub.catalog.publish_version(
            SEED_PRINCIPAL,
            None,
            staged,
            cp949.name,
            new_resource={"package_id": ds["id"], "name": "합성 시설 현황", "format": "CSV"},
        )
    finally:
        staged.cleanup()
    t2 = time.perf_counter()
    v = hub.catalog.version(res["id"])
    table = v["table"]
    check = hub.store.query(
        f'SELECT count(*), count(_sgg_code), min("관리번호"), max("인구수") FROM data."{table}"'
    )[0]
    out = {
        "seconds": t2 - t0,
        "stage_seconds": t1 - t0,
        "publish_seconds": t2 - t1,
        "rows": v["rows"],
        "encoding": v["encoding"],
        "types": {f["id"]: f["type"] for f in v["schema"]},
        "roles": {f["id"]: f["role"] for f in v["schema"] if f.get("role")},
        "quality_score": v["quality"].get("score"),
        "notes": v["quality"].get("notes"),
        "check": {"rows": check[0], "located": check[1], "min_code": check[2], "max_pop": check[3]},
        "rss_before_mb": rss_before,
        "rss_ready_mb": rss_ready,
        "maxrss_mb": _maxrss_mb(),
        "steps": sorted(steps, reverse=True),
    }
    hub.close()
    return out


def run_child(args: list[str]) -> dict:
    cmd = [sys.executable, __file__, *args]
    proc = subprocess.run(cmd, capture_output=True, text=True, check=False)
    if proc.returncode != 0:
        raise SystemExit(f"child {args[:2]} failed:\n{proc.stderr[-4000:]}")
    return json.loads(proc.stdout.strip().splitlines()[-1])


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("--rows", type=int, default=1_000_000)
    p.add_argument("--runs", type=int, default=3)
    p.add_argument("--profile", action="store_true", help="also time each step of one more ingest run")
    p.add_argument("--child", choices=["baseline", "ingest"], help=argparse.SUPPRESS)
    p.add_argument("--file", type=Path, help=argparse.SUPPRESS)
    p.add_argument("--data-dir", type=Path, help=argparse.SUPPRESS)
    a = p.parse_args()
    if a.child == "baseline":
        print(json.dumps(child_baseline(a.file), ensure_ascii=False, default=str))
        return
    if a.child == "ingest":
        print(json.dumps(child_ingest(a.file, a.data_dir, a.profile), ensure_ascii=False, default=str))
        return

    t = time.perf_counter()
    cp949, utf8 = generate(a.rows)
    size_cp, size_u = cp949.stat().st_size, utf8.stat().st_size
    print(
        f"SYNTHETIC file: {a.rows:,} rows x {len(HEADER)} columns (seed {SEED}); "
        f"CP949 {size_cp / 1e6:.1f} MB, UTF-8 {size_u / 1e6:.1f} MB; ready in {time.perf_counter() - t:.1f} s "
        "(kept in bench/_work for the next run)"
    )
    base, ours = [], []
    for i in range(a.runs):  # interleaved, so machine noise hits both alike
        base.append(run_child(["--child", "baseline", "--file", str(utf8)]))
        data_dir = WORK / f"ingest_hub_{i}"
        shutil.rmtree(data_dir, ignore_errors=True)
        ours.append(run_child(["--child", "ingest", "--file", str(cp949), "--data-dir", str(data_dir)]))
        shutil.rmtree(data_dir, ignore_errors=True)
        print(
            f"  run {i + 1}: baseline {base[-1]['seconds']:.2f} s; ours {ours[-1]['seconds']:.2f} s "
            f"(stage {ours[-1]['stage_seconds']:.2f} + publish {ours[-1]['publish_seconds']:.2f})"
        )
    b = statistics.median(r["seconds"] for r in base)
    o = statistics.median(r["seconds"] for r in ours)
    st = statistics.median(r["stage_seconds"] for r in ours)
    pu = statistics.median(r["publish_seconds"] for r in ours)
    last = ours[-1]
    print(f"baseline DuckDB read_csv (UTF-8, auto types): median {b:.2f} s, {a.rows / b:,.0f} rows/s")
    print(
        f"ours stage_upload + publish_version (CP949):  median {o:.2f} s, {a.rows / o:,.0f} rows/s "
        f"(stage {st:.2f} s, publish {pu:.2f} s)"
    )
    ratio = b / o
    print(
        f"ratio baseline/ours: {ratio:.2f} (target >= {TARGET_RATIO}: {'met' if ratio >= TARGET_RATIO else 'MISSED'})"
    )
    rss_b = statistics.median(r["maxrss_mb"] for r in base)
    rss_o = max(r["maxrss_mb"] for r in ours)
    print(
        f"peak RSS: ours {rss_o:.0f} MB (process before ingest {last['rss_ready_mb']:.0f} MB) vs CP949 file "
        f"{size_cp / 1e6:.0f} MB = {rss_o / (size_cp / 1e6):.2f}x file; baseline child {rss_b:.0f} MB"
    )
    print(f"ours: types {json.dumps(last['types'], ensure_ascii=False)}")
    print(f"ours: roles {json.dumps(last['roles'], ensure_ascii=False)}; encoding {last['encoding']}")
    print(f"ours: check {last['check']}; quality score {last['quality_score']}; notes {last['notes']}")
    print(f"baseline types: {json.dumps(base[-1]['types'], ensure_ascii=False)}")
    if a.profile:
        data_dir = WORK / "ingest_hub_profile"
        shutil.rmtree(data_dir, ignore_errors=True)
        prof = run_child(
            ["--child", "ingest", "--file", str(cp949), "--data-dir", str(data_dir), "--profile"]
        )
        shutil.rmtree(data_dir, ignore_errors=True)
        print(f"where the time goes, one more run ({prof['seconds']:.2f} s; steps over 0.05 s):")
        for seconds, label in prof["steps"]:
            if seconds >= 0.05:
                print(f"  {seconds:6.2f} s  {label}")


if __name__ == "__main__":
    main()
