"""The SensorThings endpoints and query options are documented in docs/api.md."""

from __future__ import annotations

from pathlib import Path

from fastapi.routing import APIRoute

from incheon.sensors.module import SensorsModule
from incheon.sensors.sta.filter import FUNCS
from incheon.sensors.sta.model import ENTITIES
from incheon.sensors.sta.query import OPTIONS

API_MD = Path(__file__).resolve().parents[2] / "docs" / "api.md"


def test_every_endpoint_option_and_function_is_documented() -> None:
    text = API_MD.read_text(encoding="utf-8")
    section = text[text.index("## SensorThings API 1.1") :]
    missing = []
    module = SensorsModule.__new__(SensorsModule)
    for route in module.router().routes:
        if isinstance(route, APIRoute) and route.include_in_schema:
            for method in route.methods:
                path = SensorsModule.prefix + route.path.replace("{path:path}", "{path}")
                if method != "PUT" and f"`{method} {path}`" not in section:
                    missing.append(f"{method} {path}")
    missing += [n for n in ENTITIES if f"`{n}`" not in section]
    missing += [o for o in OPTIONS if f"`{o}" not in section]
    missing += [f for f in FUNCS if f"`{f}`" not in section]
    assert "CreateObservations" in section and "`PUT`" in section
    assert not missing, f"document these in docs/api.md: {missing}"
