"""The portal's rendering API, for the portal and for every module that wants pages in its layout.

    from incheon.web import render

    @router.get("/things", response_class=HTMLResponse)
    def things(request: Request) -> HTMLResponse:
        return render(request, "things.html", things=[...])

Templates are found by a ChoiceLoader: the portal's own `incheon/web/templates` first (so `layout.html`
is always the portal's), then a `templates/` folder next to each loaded module's Python package, in
module order. A module's template extends the layout:

    {% extends "layout.html" %}
    {% block title %}{{ t("nav.datasets") }}{% endblock %}
    {% block content %}…{% endblock %}

Messages come from `locale/<lang>.toml` catalogues (the portal's, then each module's, same folder rule);
templates call `t("key")`, and `pick(record, "title")` chooses `title_en` in English. Static files of a
module are served from its `static/` folder at `/static/<module name>/<file>`.

Everything is built lazily per application (`app.state.web`), so nothing happens at import time.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass
from functools import cached_property
from importlib import resources
from importlib.resources.abc import Traversable
from typing import Any
from urllib.parse import urlencode

from fastapi import Request
from fastapi.responses import HTMLResponse, RedirectResponse
from jinja2 import ChoiceLoader, Environment, FileSystemLoader, select_autoescape

from incheon.extensions import nav_items
from incheon.hub.hub import Hub
from incheon.web.i18n import DEFAULT_LANG, LANGS, Translator, load_catalogues
from incheon.web.maps import DistrictGeometry
from incheon.web.session import COOKIE, MAX_AGE, Session, Signer, load_secret

LANG_COOKIE = "lang"
_LOCK = threading.Lock()
SECURITY_HEADERS = {
    # Everything the pages load comes from this site: no CDN, no online fonts or tiles.
    "Content-Security-Policy": "default-src 'self'; img-src 'self' data:; style-src 'self'; "
    "script-src 'self'; form-action 'self'; frame-ancestors 'none'; base-uri 'self'",
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "same-origin",
}


def _package_dir(module: Any, sub: str) -> Traversable | None:
    package = type(module).__module__.rsplit(".", 1)[0]
    try:
        d = resources.files(package) / sub
    except (ModuleNotFoundError, TypeError):
        return None
    return d if d.is_dir() else None


@dataclass
class Nav:
    href: str
    label: str
    current: bool


class WebState:
    """Per-application portal state: template environment, catalogues, session signer."""

    def __init__(self, hub: Hub, modules: list[Any]) -> None:
        self.hub = hub
        self.modules = modules
        self.signer = Signer(load_secret(hub.settings.data_dir, hub.settings.secret_key))

    @cached_property
    def template_dirs(self) -> list[str]:
        own = resources.files("incheon.web") / "templates"
        dirs = [own] + [d for m in self.modules if (d := _package_dir(m, "templates")) is not None]
        out: list[str] = []
        for d in dirs:
            path = str(d)
            if path not in out:
                out.append(path)
        return out

    @cached_property
    def env(self) -> Environment:
        env = Environment(
            loader=ChoiceLoader([FileSystemLoader(d) for d in self.template_dirs]),
            autoescape=select_autoescape(default=True, default_for_string=True),
            trim_blocks=True,
            lstrip_blocks=True,
        )
        env.filters["num"] = fmt_num
        return env

    @cached_property
    def catalogues(self) -> dict[str, dict[str, str]]:
        own = resources.files("incheon.web") / "locale"
        dirs = [own] + [d for m in self.modules if (d := _package_dir(m, "locale")) is not None]
        return load_catalogues(dirs)

    @cached_property
    def geometry(self) -> DistrictGeometry:
        return DistrictGeometry()

    def static_dir(self, module_name: str) -> Traversable | None:
        if module_name == "web":
            return resources.files("incheon.web") / "static"
        for m in self.modules:
            if getattr(m, "name", None) == module_name:
                return _package_dir(m, "static")
        return None


def web_state(request: Request) -> WebState:
    app = request.app
    state = getattr(app.state, "web", None)
    if state is None:
        with _LOCK:
            state = getattr(app.state, "web", None)
            if state is None:
                state = WebState(app.state.hub, list(getattr(app.state, "modules", [])))
                app.state.web = state
    return state


def fmt_num(value: Any, digits: int | None = None) -> str:
    """1234567 → '1,234,567'; floats keep up to `digits` (default 2) decimals; None → '–'."""
    if value is None or value == "":
        return "–"
    if isinstance(value, bool):
        return str(value).lower()
    if isinstance(value, int):
        return f"{value:,}"
    if isinstance(value, float):
        if value.is_integer() and digits is None:
            return f"{int(value):,}"
        text = f"{value:,.{2 if digits is None else digits}f}"
        return text.rstrip("0").rstrip(".") if digits is None else text
    return str(value)


# ---------------------------------------------------------------------------------------------- request
def lang_of(request: Request) -> str:
    asked = request.query_params.get("lang")
    if asked in LANGS:
        return asked
    cookie = request.cookies.get(LANG_COOKIE)
    return cookie if cookie in LANGS else DEFAULT_LANG


def session_of(request: Request) -> Session:
    cached = getattr(request.state, "web_session", None)
    if cached is None:
        cached = web_state(request).signer.loads(request.cookies.get(COOKIE))
        request.state.web_session = cached
    return cached


def translator(request: Request) -> Translator:
    return Translator(web_state(request).catalogues, lang_of(request))


def url_with(request: Request, path: str | None = None, drop: tuple[str, ...] = (), **changes: Any) -> str:
    """The current URL (or `path`) with some query parameters changed; None removes one."""
    items = [(k, v) for k, v in request.query_params.multi_items() if k not in changes and k not in drop]
    for k, v in changes.items():
        if v is None or v == "":
            continue
        if isinstance(v, list | tuple):
            items += [(k, str(x)) for x in v]
        else:
            items.append((k, str(v)))
    query = urlencode(items)
    return (path or request.url.path) + (f"?{query}" if query else "")


def finish(request: Request, response: Any) -> Any:
    """Cookies and headers every portal response carries (language choice, rewritten session)."""
    asked = request.query_params.get("lang")
    if asked in LANGS and request.cookies.get(LANG_COOKIE) != asked:
        response.set_cookie(LANG_COOKIE, asked, max_age=365 * 86400, samesite="lax", path="/")
    session = getattr(request.state, "web_session", None)
    if session is not None and (session.changed or session.logged_in):
        response.headers.setdefault("Cache-Control", "no-store")  # pages with a user or a CSRF token
    if session is not None and session.changed:
        state = web_state(request)
        response.set_cookie(
            COOKIE,
            state.signer.dumps(session),
            max_age=MAX_AGE,
            httponly=True,
            samesite="lax",
            secure=request.url.scheme == "https" or state.hub.settings.site_url.startswith("https:"),
            path="/",
        )
    for k, v in SECURITY_HEADERS.items():
        response.headers.setdefault(k, v)
    response.headers.setdefault("Vary", "Cookie")
    return response


def render(request: Request, template: str, status_code: int = 200, **context: Any) -> HTMLResponse:
    """Render `template` inside the portal's layout, in the request's language."""
    state = web_state(request)
    t = translator(request)
    session = session_of(request)
    path = request.url.path
    nav = [
        Nav(
            item.href,
            item.label_en if t.lang == "en" else item.label_ko,
            path == item.href or (item.href != "/" and path.startswith(item.href + "/")),
        )
        for item in nav_items(state.modules)
    ]
    base = {
        "request": request,
        "t": t,
        "lang": t.lang,
        "pick": t.pick,
        "nav": nav,
        "session": session,
        "csrf_token": session.ensure_csrf,
        "url_with": lambda **kw: url_with(request, **kw),
        "lang_url": {lang: url_with(request, lang=lang) for lang in LANGS},
        "site_url": state.hub.settings.site_url.rstrip("/"),
    }
    html = state.env.get_template(template).render({**base, **context})
    return finish(request, HTMLResponse(html, status_code=status_code))


def redirect(request: Request, url: str, status_code: int = 303) -> RedirectResponse:
    return finish(request, RedirectResponse(url, status_code=status_code))
