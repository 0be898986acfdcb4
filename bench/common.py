"""Helpers every bench script shares: percentiles, a free loopback port, a child process that prints
JSON, and serving the app from a data directory. Imported as `common` (bench scripts run as files)."""

from __future__ import annotations

import json
import socket
import subprocess
import sys
import time
from pathlib import Path

#: Kinds of public facility the synthetic tables name (synthetic data, fixed vocabulary).
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


def pct(values: list[float], p: float) -> float:
    """The p-quantile (0..1) by nearest rank."""
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(p * (len(ordered) - 1)))]


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_ready(port: int, path: str, proc: subprocess.Popen, timeout: float = 180) -> float:
    """Seconds until the server on `port` answers `path` below 500; exits if it died or never did."""
    import httpx

    t = time.perf_counter()
    while time.perf_counter() - t < timeout:
        if proc.poll() is not None:
            raise SystemExit(f"server on port {port} exited with {proc.returncode}")
        try:
            if httpx.get(f"http://127.0.0.1:{port}{path}", timeout=5).status_code < 500:
                return time.perf_counter() - t
        except httpx.HTTPError:
            pass
        time.sleep(0.3)
    raise SystemExit(f"server on port {port} not ready after {timeout} s")


def run_json(script: str, args: list[str]) -> dict:
    """Run `script` with `args` in a fresh Python and return the JSON its last output line holds."""
    proc = subprocess.run([sys.executable, script, *args], capture_output=True, text=True, check=False)
    if proc.returncode != 0:
        raise SystemExit(f"child {args[:2]} failed:\n{proc.stderr[-4000:]}")
    return json.loads(proc.stdout.strip().splitlines()[-1])


def serve(data_dir: Path, port: int) -> None:
    """Our app on the embedded default at `data_dir`, on 127.0.0.1 (blocks)."""
    import uvicorn

    from incheon.api.app import create_app
    from incheon.settings import Settings

    settings = Settings(data_dir=data_dir, database_url="", host="127.0.0.1", port=port)
    uvicorn.run(create_app(settings), host="127.0.0.1", port=port, log_level="warning")
