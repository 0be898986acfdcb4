"""The one seam every module plugs into — the hub core knows no module by name.

A module is a class registered under the `incheon.modules` entry point (see pyproject.toml) with:

    name: str                                   short name, also its URL prefix /api/<name>/
    migrations: list[(version, [DDL…])]         its own tables, in schema `hub` prefixed by its name
    def __init__(self, hub): ...                gets the hub's public API (catalog, store, auth, events)
    def router(self) -> APIRouter | None        its HTTP endpoints
    def seed(self, principal) -> None           optional: content it ships (run by `incheon seed`)

Add to this protocol; don't change it.
"""

from __future__ import annotations

from importlib.metadata import entry_points
from typing import TYPE_CHECKING, Any, Protocol

from incheon.hub import migrations

if TYPE_CHECKING:
    from fastapi import APIRouter

    from incheon.hub.auth import Principal
    from incheon.hub.hub import Hub


class Module(Protocol):
    name: str
    migrations: list[migrations.Migration]

    def router(self) -> APIRouter | None: ...

    def seed(self, principal: Principal) -> None: ...


def load_modules(hub: Hub, wanted: str = "*") -> list[Any]:
    """Instantiate installed modules (filtered by the `modules` setting) and apply their migrations."""
    names = None if wanted.strip() == "*" else {n.strip() for n in wanted.split(",") if n.strip()}
    out = []
    for ep in sorted(entry_points(group="incheon.modules"), key=lambda e: e.name):
        if names is not None and ep.name not in names:
            continue
        cls = ep.load()
        module = cls(hub)
        migrations.apply(hub.store, module.name, module.migrations)
        out.append(module)
    return out
