"""Module `web`: the Incheon Data Portal — the server-rendered pages citizens, companies and officials use
(plan task 1-1-1), and the shared layout other modules' pages join (see `incheon.web.templating`)."""

from __future__ import annotations

from importlib import resources

from fastapi import APIRouter, HTTPException, Request
from fastapi.responses import FileResponse, Response

from incheon.extensions import NavItem
from incheon.hub.hub import Hub
from incheon.hub.migrations import Migration
from incheon.web import pages, publish
from incheon.web.i18n import message

_STATIC_NAME = r"[A-Za-z0-9_-]+"
STATIC_TYPES = {
    ".css": "text/css; charset=utf-8",
    ".js": "text/javascript; charset=utf-8",
    ".svg": "image/svg+xml",
}


class PortalModule:
    name = "web"
    prefix = ""
    order = 1000  # owns "/" and mounts after every other module
    migrations: list[Migration] = []
    #: Plan tasks this module implements (task code → page): the plan page links them.
    implements = {"1-1-1": "/dataset"}

    def __init__(self, hub: Hub) -> None:
        self.hub = hub

    def nav(self) -> list[NavItem]:
        items = (("/", "nav.home", 0), ("/dataset", "nav.datasets", 10), ("/publish", "nav.publish", 900))
        return [NavItem(href, message("ko", key), message("en", key), order=o) for href, key, o in items]

    def router(self) -> APIRouter:
        r = APIRouter(include_in_schema=False)
        r.include_router(pages.router())
        r.include_router(publish.router())

        @r.get("/static/{module}/{filename}")
        def static(request: Request, module: str, filename: str) -> Response:
            """A module's static file (`<package>/static/<file>`): CSS, JS, SVG; no directories."""
            from incheon.web.templating import web_state

            stem, dot, ext = filename.rpartition(".")
            media = STATIC_TYPES.get(f".{ext}")
            if not dot or media is None or not all(c.isalnum() or c in "_-." for c in stem) or ".." in stem:
                raise HTTPException(404)
            folder = web_state(request).static_dir(module)
            if folder is None:
                raise HTTPException(404)
            target = folder / filename
            if not target.is_file():
                raise HTTPException(404)
            with resources.as_file(target) as path:
                return FileResponse(path, media_type=media, headers={"Cache-Control": "public, max-age=3600"})

        return r

    def seed(self, principal: object) -> None:
        """Nothing: the portal shows what the hub holds."""
