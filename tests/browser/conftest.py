"""Browser tests: Playwright (Python, sync API) driving Debian's chromium against a live uvicorn server per
storage back end (DuckDB and PostgreSQL), each seeded with the plan's tables and the base layers.

Nothing here is optional: a missing /usr/bin/chromium or axe-core is a test failure, not a skip
(`make browsers` installs both). Every page is watched: a request to any host but 127.0.0.1/localhost
fails the test (and is aborted, so nothing leaves the machine)."""

from __future__ import annotations

import json
import os
import socket
import threading
import time
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlsplit

import pytest
import uvicorn
from playwright.sync_api import Browser, BrowserContext, Page, Request, Route, sync_playwright

from incheon.hub.hub import Hub
from incheon.seed.loader import seed_all
from tests.conftest import BACKENDS, make_settings

ROOT = Path(__file__).resolve().parents[2]
CHROMIUM = os.environ.get("INCHEON_CHROMIUM", "/usr/bin/chromium")
AXE_JS = ROOT / "node_modules" / "axe-core" / "axe.min.js"
# Without the background-networking flags Chromium keeps trying to reach Google's hosts.
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
LOCAL_HOSTS = {"127.0.0.1", "localhost", "[::1]", "::1"}
WCAG_TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]
TIMEOUT_MS = 15_000


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@dataclass
class Live:
    url: str
    hub: Hub
    backend: str


def _serve(backend: str, request: pytest.FixtureRequest, tmp: pytest.TempPathFactory) -> Iterator[Live]:
    """The whole application (API + portal pages) under uvicorn on 127.0.0.1 in a thread, seeded."""
    from incheon.api.app import create_app

    settings = make_settings(backend, tmp.mktemp(f"browser-{backend}"), request)
    (settings.data_dir / "tmp").mkdir(parents=True, exist_ok=True)
    hub = Hub(settings)
    seed_all(hub, log=lambda *_: None)
    port = _free_port()
    server = uvicorn.Server(
        uvicorn.Config(create_app(settings, hub), host="127.0.0.1", port=port, log_level="error")
    )
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    for _ in range(200):
        if server.started:
            break
        time.sleep(0.05)
    assert server.started, "the live server did not start"
    yield Live(f"http://127.0.0.1:{port}", hub, backend)
    server.should_exit = True
    thread.join(10)


# One server per back end and test process, each started on first use and kept to the end: whatever order
# pytest-xdist hands the tests out in, a process seeds each back end at most once (seeding is the slow part).
@pytest.fixture(scope="session")
def live_duckdb(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Live]:
    yield from _serve("duckdb", request, tmp_path_factory)


@pytest.fixture(scope="session")
def live_postgres(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Live]:
    yield from _serve("postgres", request, tmp_path_factory)


@pytest.fixture(params=BACKENDS)
def live(request: pytest.FixtureRequest) -> Live:
    """The seeded live server of each storage back end (the test runs once per back end)."""
    return request.getfixturevalue(f"live_{request.param}")


@dataclass
class Publisher:
    """A user with an API key who is an editor of a fresh organisation, made through the hub's API."""

    user: str
    key: str
    org: str


@pytest.fixture
def publisher(live: Live) -> Publisher:
    from incheon.hub.auth import Principal

    suffix = uuid.uuid4().hex[:8]
    admin = Principal(user_id="t", name="browser-test-admin", sysadmin=True)
    org = live.hub.catalog.create_organization(
        admin, {"name": f"browser-org-{suffix}", "title": f"브라우저 시험 기관 {suffix}"}
    )
    user = f"pub{suffix}"
    live.hub.auth.create_user(user)
    live.hub.auth.set_membership(user, org["id"], "editor")
    return Publisher(user=user, key=live.hub.auth.create_key(user, label="browser test"), org=org["name"])


@pytest.fixture(scope="session")
def messages() -> dict[str, dict[str, str]]:
    """The portal's message catalogues by language, so tests name texts by key ("home.heading")."""
    from importlib import resources

    from incheon.web.i18n import load_catalogues

    return load_catalogues([resources.files("incheon.web") / "locale"])


def login(page: Page, live: Live, key: str) -> None:
    """Log in through the form (id="login") with an API key; lands on /publish."""
    page.goto(f"{live.url}/login")
    page.fill("#login #api_key", key)
    page.click("#login button[type=submit]")
    page.wait_for_url(f"{live.url}/publish")


@pytest.fixture(scope="session")
def browser() -> Iterator[Browser]:
    if not Path(CHROMIUM).exists():
        pytest.fail(f"{CHROMIUM} is missing: run `make browsers` (Debian's chromium package)", pytrace=False)
    with sync_playwright() as pw:
        b = pw.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS, headless=True)
        yield b
        b.close()


class OffMachine:
    """Every request the pages make; those to a host other than loopback are aborted and recorded."""

    def __init__(self) -> None:
        self.foreign: list[str] = []

    def route(self, route: Route) -> None:
        url = route.request.url
        parts = urlsplit(url)
        if parts.scheme in ("http", "https", "ws", "wss") and parts.hostname not in LOCAL_HOSTS:
            self._record(url)
            route.abort()
        else:
            route.continue_()

    def request(self, request: Request) -> None:
        url = request.url
        parts = urlsplit(url)
        if parts.scheme not in ("http", "https", "ws", "wss", "data", "blob", "about") or (
            parts.scheme in ("http", "https", "ws", "wss") and parts.hostname not in LOCAL_HOSTS
        ):
            self._record(url)

    def _record(self, url: str) -> None:
        if url not in self.foreign:
            self.foreign.append(url)


@pytest.fixture
def context(browser: Browser, request: pytest.FixtureRequest) -> Iterator[BrowserContext]:
    """A fresh browser context (cookies, storage) per test, Korean locale, downloads allowed, and the
    no-off-machine-request guard on every page it opens."""
    ctx = browser.new_context(
        locale="ko-KR",
        accept_downloads=True,
        viewport={"width": 1280, "height": 900},
        bypass_csp=True,  # axe-core is injected as an inline script
    )
    ctx.set_default_timeout(TIMEOUT_MS)
    guard = OffMachine()
    ctx.route("**/*", guard.route)
    ctx.on("page", lambda p: p.on("request", guard.request))
    request.node.off_machine = guard  # checked right after the test body (pytest_runtest_call below)
    yield ctx
    ctx.close()


@pytest.hookimpl(wrapper=True)
def pytest_runtest_call(item: pytest.Item) -> Iterator[None]:
    """Fail the test itself (not only its teardown) if its pages asked for another host."""
    result = yield
    guard = getattr(item, "off_machine", None)
    if guard is not None and guard.foreign:
        pytest.fail(f"pages requested hosts other than the local server: {guard.foreign}", pytrace=False)
    return result


@pytest.fixture
def page(context: BrowserContext) -> Page:
    return context.new_page()


def format_violations(violations: list[dict]) -> str:
    lines = []
    for v in violations:
        lines.append(f"{v['id']} ({v.get('impact')}): {v['help']}")
        for node in v["nodes"][:10]:
            lines.append(
                f"    {json.dumps(node['target'], ensure_ascii=False)}  {node.get('failureSummary', '')}"
            )
    return "\n".join(lines)


@pytest.fixture
def axe() -> Callable[[Page], list[dict]]:
    """`axe(page)` injects axe-core from node_modules and returns the WCAG 2.1 A/AA violations."""
    if not AXE_JS.exists():
        pytest.fail(f"{AXE_JS} is missing: run `make browsers` (npm ci)", pytrace=False)

    def run(page: Page) -> list[dict]:
        page.add_script_tag(path=str(AXE_JS))
        return page.evaluate(
            "async (tags) => (await axe.run(document, {runOnly: {type: 'tag', values: tags}})).violations",
            WCAG_TAGS,
        )

    return run
