"""Fixtures: a hub on each storage back end (DuckDB file, and a real PostgreSQL with its own database),
an in-process HTTP client, and API keys for the roles. PostgreSQL is required, not optional: the test
command starts it; set INCHEON_TEST_PG (admin URL) to point elsewhere."""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator
from pathlib import Path

import psycopg
import pytest
from fastapi.testclient import TestClient
from hypothesis import settings as hypothesis_settings

from incheon.hub.hub import Hub
from incheon.settings import Settings

# CI runs the same examples every time (a failure found locally is reproducible; CI never flakes on luck).
hypothesis_settings.register_profile("ci", derandomize=True, print_blob=True)
if os.environ.get("CI"):
    hypothesis_settings.load_profile("ci")

PG_ADMIN = os.environ.get("INCHEON_TEST_PG", "postgresql://postgres@127.0.0.1:5432/postgres")
BACKENDS = ["duckdb", "postgres"]


def _pg_url(dbname: str) -> str:
    return PG_ADMIN.rsplit("/", 1)[0] + "/" + dbname


@pytest.fixture(scope="session")
def pg_template() -> Iterator[str]:
    """A template database with PostGIS, copied per test (fast) and dropped at the end."""
    name = f"incheon_tmpl_{uuid.uuid4().hex[:8]}"
    with psycopg.connect(PG_ADMIN, autocommit=True) as conn:
        conn.execute(f'CREATE DATABASE "{name}"')
    with psycopg.connect(_pg_url(name), autocommit=True) as conn:
        try:
            conn.execute("CREATE EXTENSION IF NOT EXISTS postgis")
        except psycopg.Error:
            pass
    yield name
    with psycopg.connect(PG_ADMIN, autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def make_settings(backend: str, tmp: Path, request: pytest.FixtureRequest) -> Settings:
    if backend == "duckdb":
        return Settings(data_dir=tmp)
    template = request.getfixturevalue("pg_template")
    name = f"incheon_test_{uuid.uuid4().hex[:10]}"
    with psycopg.connect(PG_ADMIN, autocommit=True) as conn:
        conn.execute(f'CREATE DATABASE "{name}" TEMPLATE "{template}"')

    def drop() -> None:
        with psycopg.connect(PG_ADMIN, autocommit=True) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')

    request.addfinalizer(drop)
    return Settings(data_dir=tmp, database_url=_pg_url(name))


@pytest.fixture(params=BACKENDS)
def backend(request: pytest.FixtureRequest) -> str:
    return request.param


@pytest.fixture
def settings(backend: str, tmp_path: Path, request: pytest.FixtureRequest) -> Settings:
    s = make_settings(backend, tmp_path, request)
    (s.data_dir / "tmp").mkdir(parents=True, exist_ok=True)
    return s


@pytest.fixture
def hub(settings: Settings) -> Iterator[Hub]:
    h = Hub(settings)
    yield h
    h.close()


@pytest.fixture
def client(settings: Settings, hub: Hub) -> Iterator[TestClient]:
    from incheon.api.app import create_app

    with TestClient(create_app(settings, hub)) as c:
        yield c


@pytest.fixture
def keys(hub: Hub) -> dict[str, str]:
    """An administrator, a publisher of `city-data`, a publisher of another organisation."""
    from incheon.hub.auth import Principal

    admin = Principal(user_id="t", name="test-admin", sysadmin=True)
    city = hub.catalog.create_organization(admin, {"name": "city-data", "title": "인천광역시 데이터팀"})
    other = hub.catalog.create_organization(admin, {"name": "bupyeong", "title": "부평구"})
    out = {}
    for user, org, sysadmin in (("admin", None, True), ("pub", city, False), ("other", other, False)):
        hub.auth.create_user(user, sysadmin=sysadmin)
        if org:
            hub.auth.set_membership(user, org["id"], "editor")
        out[user] = hub.auth.create_key(user)
    return out
