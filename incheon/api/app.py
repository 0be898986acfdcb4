"""`create_app(settings)`: the web application. No work and no state at import time."""

from __future__ import annotations

from contextlib import asynccontextmanager
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import HTMLResponse, RedirectResponse
from jinja2 import Environment, PackageLoader

from incheon.api import ckan
from incheon.api.responses import KoJSON, ckan_error
from incheon.errors import BadRequest, HubError
from incheon.extensions import load_modules, prefix_of
from incheon.hub.hub import Hub
from incheon.settings import Settings


def create_app(settings: Settings | None = None, hub: Hub | None = None) -> FastAPI:
    settings = settings or Settings()
    (settings.data_dir / "tmp").mkdir(parents=True, exist_ok=True)
    hub = hub or Hub(settings)
    modules = load_modules(hub, settings.modules)

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> Any:
        yield
        hub.close()

    app = FastAPI(
        title="Platform Incheon — 인천 데이터허브 API",
        version="0.1.0",
        description="CKAN Action API v3 compatible catalogue and datastore of the Incheon Data Hub "
        "(제6차 인천광역시 지능정보화 기본계획 과제 1-1-1).",
        default_response_class=KoJSON,
        lifespan=lifespan,
        docs_url=None,  # Swagger UI loads from a CDN; pages here must work offline
        redoc_url=None,
    )
    app.state.hub = hub
    app.state.modules = modules
    app.include_router(ckan.router(hub))
    for module in modules:
        r = module.router()
        if r is not None:
            app.include_router(r, prefix=prefix_of(module), tags=[module.name])

    @app.exception_handler(HubError)
    async def hub_error(request: Request, exc: HubError) -> KoJSON:
        return ckan_error(request, exc)

    @app.exception_handler(RequestValidationError)
    async def invalid_request(request: Request, exc: RequestValidationError) -> KoJSON:
        fields = [".".join(str(p) for p in e.get("loc", ())[1:]) for e in exc.errors()]
        err = BadRequest(
            f"요청 값이 올바르지 않습니다: {fields}", f"Invalid request values: {fields}", fields=fields
        )
        return KoJSON({"success": False, "error": err.public()}, status_code=422)

    @app.exception_handler(Exception)
    async def unexpected(request: Request, exc: Exception) -> KoJSON:
        return ckan_error(request, exc)

    templates = Environment(loader=PackageLoader("incheon.api", "templates"), autoescape=True)

    @app.get("/", include_in_schema=False)
    async def root() -> RedirectResponse:
        return RedirectResponse("/api")

    @app.get("/api", include_in_schema=False, response_class=HTMLResponse)
    def api_index() -> HTMLResponse:
        """A server-rendered, offline index of the API (no Swagger UI from a CDN)."""
        endpoints = [
            (method.upper(), path, op.get("summary", ""))
            for path, ops in app.openapi()["paths"].items()
            for method, op in ops.items()
            if method in ("get", "post", "put")
        ]
        page = templates.get_template("api_index.html").render(
            endpoints=endpoints, datasets=len(hub.catalog.dataset_ids()), backend=hub.store.backend
        )
        return HTMLResponse(page)

    return app
