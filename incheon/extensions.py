"""The one seam every module plugs into — the hub core knows no module by name.

A module is a class registered under the `incheon.modules` entry point (see pyproject.toml) with:

    name: str                                   short name, also its default URL prefix /api/<name>/
    migrations: list[(version, [DDL…])]         its own tables, in schema `hub` prefixed by its name
    def __init__(self, hub): ...                gets the hub's public API (catalog, store, auth, events)
    def router(self) -> APIRouter | None        its HTTP endpoints
    def seed(self, principal) -> None           optional: content it ships (run by `incheon seed`)
    prefix: str                                 optional: URL prefix instead of /api/<name> ("" = site root)
    order: int                                  optional: mounting order, lower first (default 100); the web
                                                portal, which owns "/", mounts last
    def nav(self) -> list[NavItem]              optional: entries this module adds to the portal's menu

Add to this protocol; don't change it.
"""

from __future__ import annotations

from dataclasses import dataclass
from importlib.metadata import entry_points
from typing import TYPE_CHECKING, Any, Protocol

from incheon.hub import migrations

if TYPE_CHECKING:
    from fastapi import APIRouter

    from incheon.hub.auth import Principal
    from incheon.hub.hub import Hub


@dataclass(frozen=True)
class NavItem:
    """A menu entry a module adds to the web portal's shared layout."""

    href: str
    label_ko: str
    label_en: str
    order: int = 100


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
    return sorted(out, key=lambda m: getattr(m, "order", 100))


def prefix_of(module: Any) -> str:
    return getattr(module, "prefix", f"/api/{module.name}")


def nav_items(modules: list[Any]) -> list[NavItem]:
    """Every module's menu entries, in menu order."""
    items = [item for m in modules if hasattr(m, "nav") for item in m.nav()]
    return sorted(items, key=lambda i: (i.order, i.href))
