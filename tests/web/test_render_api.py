"""The rendering API other modules use: a module with its own `templates/`, `locale/` and `static/`
folders gets pages in the portal's layout, its menu entry, its messages and its static files."""

from __future__ import annotations

import sys
import textwrap
from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient

from incheon.hub.hub import Hub

MODULE = """
from fastapi import APIRouter, Request
from incheon.extensions import NavItem
from incheon.web import render


class ControlRoom:
    name = "controlroom"
    prefix = ""
    migrations = []
    implements = {"3-1-2": "/control-room"}

    def __init__(self, hub):
        self.hub = hub

    def nav(self):
        return [NavItem("/control-room", "통합관제", "Control room", order=60)]

    def router(self):
        r = APIRouter()

        @r.get("/control-room")
        def page(request: Request):
            return render(request, "control_room.html", sensors=3)

        return r
"""
TEMPLATE = """{% extends "layout.html" %}
{% block title %}{{ t("controlroom.title") }}{% endblock %}
{% block content %}<h1 id="cr">{{ t("controlroom.title") }}: {{ t("controlroom.sensors", n=sensors) }}</h1>{% endblock %}
"""


@pytest.fixture
def app_with_module(hub: Hub, tmp_path: Path) -> Iterator[TestClient]:
    pkg = tmp_path / "fake_controlroom"
    (pkg / "templates").mkdir(parents=True)
    (pkg / "locale").mkdir()
    (pkg / "static").mkdir()
    (pkg / "__init__.py").write_text("")
    (pkg / "module.py").write_text(textwrap.dedent(MODULE), encoding="utf-8")
    (pkg / "templates" / "control_room.html").write_text(TEMPLATE, encoding="utf-8")
    (pkg / "locale" / "ko.toml").write_text(
        '[controlroom]\ntitle = "통합관제"\nsensors = "센서 {n}개"\n', "utf-8"
    )
    (pkg / "locale" / "en.toml").write_text(
        '[controlroom]\ntitle = "Control room"\nsensors = "{n} sensors"\n', "utf-8"
    )
    (pkg / "static" / "room.css").write_text("h1 { color: #00529b; }", encoding="utf-8")
    sys.path.insert(0, str(tmp_path))
    try:
        from fake_controlroom.module import ControlRoom

        from incheon.plan.module import PlanModule
        from incheon.web.module import PortalModule

        modules = [PlanModule(hub), ControlRoom(hub), PortalModule(hub)]
        app = FastAPI()
        app.state.hub = hub
        app.state.modules = modules
        for m in modules:
            app.include_router(m.router(), prefix=m.prefix)
        with TestClient(app) as client:
            yield client
    finally:
        sys.path.remove(str(tmp_path))
        for name in [n for n in sys.modules if n.startswith("fake_controlroom")]:
            del sys.modules[name]


def test_a_module_page_joins_the_layout(app_with_module: TestClient) -> None:
    r = app_with_module.get("/control-room")
    assert r.status_code == 200
    assert '<h1 id="cr">통합관제: 센서 3개</h1>' in r.text
    assert "본문 바로가기" in r.text and '<a href="/control-room" aria-current="page">통합관제</a>' in r.text
    en = app_with_module.get("/control-room?lang=en").text
    assert "Control room: 3 sensors" in en and '<html lang="en">' in en
    css = app_with_module.get("/static/controlroom/room.css")
    assert css.status_code == 200 and "#00529b" in css.text
    # the menu of every page lists the module, and the plan page links the task it implements
    assert 'href="/control-room"' in app_with_module.get("/").text
    plan = app_with_module.get("/plan").text
    assert 'href="/control-room"' in plan
