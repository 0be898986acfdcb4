"""The download and OGC API endpoints are documented in docs/api.md (fails when the docs fall behind)."""

from __future__ import annotations

from pathlib import Path

from fastapi.routing import APIRoute

from incheon.downloads.module import DownloadsModule
from incheon.ogcapi.module import OgcApiModule

API_MD = Path(__file__).resolve().parents[2] / "docs" / "api.md"


def test_every_endpoint_is_documented() -> None:
    text = API_MD.read_text(encoding="utf-8")
    missing = []
    for cls in (DownloadsModule, OgcApiModule):
        module = cls.__new__(cls)  # the routes only: no hub needed to list them
        for route in module.router().routes:
            if not isinstance(route, APIRoute) or not route.include_in_schema:
                continue
            path = (cls.prefix + route.path).replace("{collection_id}", "{collectionId}")
            path = path.replace("{feature_id}", "{featureId}").replace("{fmt}", "{csv,json,geojson,parquet}")
            if f"`GET {path}`" not in text:
                missing.append(path)
    assert not missing, f"document these in docs/api.md: {missing}"
