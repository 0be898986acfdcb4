"""Docs fail the build when they fall behind the code: every setting and every API action is documented."""

from __future__ import annotations

from pathlib import Path

from incheon.api.ckan import ACTIONS
from incheon.settings import Settings

DOCS = Path(__file__).resolve().parents[1] / "docs"


def test_every_setting_is_documented() -> None:
    text = (DOCS / "configuration.md").read_text(encoding="utf-8")
    missing = [f"INCHEON_{n.upper()}" for n in Settings.model_fields if f"INCHEON_{n.upper()}" not in text]
    assert not missing, f"document these in docs/configuration.md: {missing}"


def test_every_ckan_action_is_documented() -> None:
    text = (DOCS / "api.md").read_text(encoding="utf-8")
    missing = [name for name in ACTIONS if f"`{name}`" not in text]
    assert not missing, f"document these in docs/api.md: {missing}"
