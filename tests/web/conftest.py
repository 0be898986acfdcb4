"""A seeded application per storage back end (the plan's tables and the base layers), shared by the page
tests of a session; the publisher tests use the function-scoped `client`/`hub`/`keys` of tests/conftest.py."""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass
from html.parser import HTMLParser

import pytest
from fastapi.testclient import TestClient

from incheon.hub.hub import Hub
from incheon.seed.loader import seed_all
from incheon.settings import Settings
from tests.conftest import BACKENDS, make_settings


@dataclass
class Portal:
    client: TestClient
    hub: Hub
    settings: Settings

    def get(self, path: str, **kw: object) -> object:
        """A request from a fresh visitor (no language or session cookie left by another test)."""
        self.client.cookies.clear()
        return self.client.get(path, **kw)

    def rid(self, name: str) -> str:
        return self.hub.catalog.dataset(name)["resources"][0]["id"]


@pytest.fixture(scope="session", params=BACKENDS)
def portal(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Portal]:
    from incheon.api.app import create_app

    settings = make_settings(request.param, tmp_path_factory.mktemp(f"web-{request.param}"), request)
    (settings.data_dir / "tmp").mkdir(parents=True, exist_ok=True)
    hub = Hub(settings)
    seed_all(hub, log=lambda *_: None)
    with TestClient(create_app(settings, hub)) as client:
        yield Portal(client, hub, settings)


class Page(HTMLParser):
    """A parsed page: elements by id, labels, tables, and every URL the page refers to."""

    def __init__(self, html: str) -> None:
        super().__init__(convert_charrefs=True)
        self.html = html
        self.ids: dict[str, dict[str, str | None]] = {}
        self.tags: list[tuple[str, dict[str, str | None]]] = []
        self.label_for: set[str] = set()
        self.urls: list[str] = []
        self.feed(html)

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = dict(attrs)
        self.tags.append((tag, a))
        if a.get("id"):
            self.ids[a["id"]] = {"tag": tag, **a}
        if tag == "label" and a.get("for"):
            self.label_for.add(a["for"])
        for key in ("href", "src", "action", "xmlns", "poster", "data"):
            if a.get(key):
                self.urls.append(a[key])

    def all(self, tag: str, **attrs: str) -> list[dict[str, str | None]]:
        return [a for t, a in self.tags if t == tag and all(a.get(k) == v for k, v in attrs.items())]

    def inner(self, element_id: str) -> str:
        """Markup inside the element with this id (up to the first closing tag of its kind)."""
        m = re.search(rf'<(\w+)[^>]*\bid="{re.escape(element_id)}"[^>]*>(.*?)</\1>', self.html, re.S)
        return m.group(2) if m else ""

    def text_of(self, element_id: str) -> str:
        return re.sub(r"<[^>]+>", " ", self.inner(element_id))


def parse(html: str) -> Page:
    return Page(html)
