"""The `incheon` command line on both back ends: administration, batch ingest, quality, and clean failures."""

from __future__ import annotations

from pathlib import Path

import pytest

from incheon.cli import main
from incheon.settings import Settings


def run(settings: Settings, *args: str) -> int:
    base = ["--data-dir", str(settings.data_dir)]
    if settings.database_url:
        base += ["--database-url", settings.database_url]
    return main([*base, *args])


def test_admin_commands(settings: Settings, capsys: pytest.CaptureFixture[str]) -> None:
    assert run(settings, "user", "create", "kim", "--admin") == 0
    assert run(settings, "key", "create", "kim", "--label", "laptop") == 0
    key = capsys.readouterr().out.strip().splitlines()[-1]
    assert key.startswith("inch_") and len(key) > 40
    assert run(settings, "org", "create", "water-dept", "--title", "상수도사업본부") == 0
    assert run(settings, "org", "member", "water-dept", "--user", "kim", "--capacity", "editor") == 0
    assert run(settings, "key", "list", "kim") == 0
    listed = capsys.readouterr().out
    assert "laptop" in listed and key not in listed and key.split("_", 2)[2] not in listed
    assert run(settings, "user", "create", "kim") == 2
    assert "이미 있는 사용자" in capsys.readouterr().err


def test_ingest_quality_and_failure(settings: Settings, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert run(settings, "org", "create", "city", "--title", "인천광역시") == 0
    good = tmp_path / "미세먼지.csv"
    good.write_bytes("측정소,군구,PM10\n부평,부평구,41\n석남,서구,55\n".encode("cp949"))
    assert run(settings, "ingest", str(good), "--dataset", "pm-test", "--org", "city", "--encoding", "euc-kr") == 0
    out = capsys.readouterr().out
    assert "버전 1" in out and "2행" in out
    rid = out.split("리소스 ")[1].split()[0]
    assert run(settings, "quality", rid) == 0
    assert "품질 점수" in capsys.readouterr().out

    ragged = tmp_path / "bad.csv"
    ragged.write_text("측정소,군구,PM10\n부평,부평구,41\n석남,서구\n", encoding="utf-8")
    assert run(settings, "ingest", str(ragged), "--resource", rid) == 2
    err = capsys.readouterr().err
    assert "3번째 줄" in err and "Line 3" in err
    assert run(settings, "ingest", str(tmp_path / "none.csv"), "--dataset", "x") == 2
    assert run(settings, "ingest", str(good), "--dry-run", "--schema", '{"PM10": "DATE"}') == 2
    # The failed new version left version 1 current.
    assert run(settings, "quality", rid, "--json") == 0
    assert '"rows": 2' in capsys.readouterr().out


def test_settings_lists_every_variable(settings: Settings, capsys: pytest.CaptureFixture[str]) -> None:
    assert run(settings, "settings") == 0
    out = capsys.readouterr().out
    for name in Settings.model_fields:
        assert f"INCHEON_{name.upper()}=" in out
