"""Downloads (module `downloads`, mounted at the site root): `GET /download/{resource_id}.{fmt}`.

CSV, JSON and GeoJSON are streamed from `Store.stream` in batches (constant memory for any table);
Parquet is the version's file in the lake, as written at ingest. Every download is counted in the
hub's usage statistics.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from fastapi import APIRouter, Query
from fastapi.responses import FileResponse, Response, StreamingResponse

from incheon.downloads.encoders import (
    CSV_ENCODINGS,
    content_disposition,
    csv_chunks,
    file_names,
    geojson_chunks,
    json_chunks,
)
from incheon.errors import BadRequest, NotFound, not_found
from incheon.hub.geojson import locate
from incheon.hub.hub import Hub

MEDIA_TYPES = {
    "csv": "text/csv; charset=utf-8",
    "json": "application/json; charset=utf-8",
    "geojson": "application/geo+json; charset=utf-8",
    "parquet": "application/vnd.apache.parquet",
}


class DownloadsModule:
    name = "downloads"
    prefix = ""
    migrations: list = []

    def __init__(self, hub: Hub) -> None:
        self.hub = hub

    def router(self) -> APIRouter:
        r = APIRouter()

        @r.get(
            "/download/{resource_id}.{fmt}",
            summary="A resource version as CSV, JSON, GeoJSON or Parquet (streamed)",
            response_class=Response,
            responses={
                200: {"content": {m.split(";")[0]: {} for m in MEDIA_TYPES.values()}},
                400: {"description": "GeoJSON of a resource without location columns, or a bad encoding"},
                404: {"description": "Unknown resource, version or format"},
            },
        )
        def download(
            resource_id: str,
            fmt: str,
            version: int | None = Query(None, description="Version number; default: the current one"),
            encoding: str | None = Query(None, description="CSV only: utf-8 (default, with BOM) or cp949"),
        ) -> Response:
            return self.response(resource_id, fmt, version, encoding)

        return r

    def response(
        self, resource_id: str, fmt: str, version: int | None = None, encoding: str | None = None
    ) -> Response:
        """The response for one download; errors are raised before anything is streamed."""
        fmt = fmt.lower()
        if fmt not in MEDIA_TYPES:
            raise NotFound(
                f"지원하지 않는 다운로드 형식입니다: {fmt} (지원: {', '.join(MEDIA_TYPES)})",
                f"Unsupported download format: {fmt} (supported: {', '.join(MEDIA_TYPES)})",
            )
        if version is not None and version < 1:
            raise not_found("버전", "Version", f"{resource_id} v{version}")
        codec = "utf-8"
        if encoding:
            codec = CSV_ENCODINGS.get(encoding.strip().lower(), "")
            if not codec or (fmt != "csv" and codec != "utf-8"):
                raise BadRequest(
                    "encoding은 CSV에만 쓰며 utf-8 또는 cp949여야 합니다.",
                    "encoding applies to CSV only and must be utf-8 or cp949.",
                    field="encoding",
                )
        res = self.hub.catalog.resource(resource_id)
        v, cols, sql = self.hub.datastore.export_query(resource_id, version)
        location = locate(v["schema"]) if fmt == "geojson" else None
        if fmt == "geojson" and location is None:
            raise BadRequest(
                "이 리소스에는 위치 열(geometry, 경도·위도, 좌표)이 없어 GeoJSON으로 내려받을 수 없습니다.",
                "This resource has no location columns (geometry, lon/lat or coordinates), so there is no "
                "GeoJSON download.",
                field="format",
            )
        dataset = self.hub.catalog.dataset(res["package_id"])
        name, fallback = file_names(dataset["name"], res.get("name") or "", v["version"], fmt)
        headers = {"Content-Disposition": content_disposition(name, fallback)}
        if fmt == "parquet":
            path = Path(v["parquet_path"])
            if not path.is_file():
                raise NotFound(
                    "이 버전의 Parquet 파일이 없습니다.", "This version's Parquet file is missing."
                )
            self.hub.usage.record(res["package_id"], "download")
            return FileResponse(path, media_type=MEDIA_TYPES["parquet"], headers=headers)
        self.hub.usage.record(res["package_id"], "download")
        batches = self.hub.store.stream(sql)
        body: Any
        media = MEDIA_TYPES[fmt]
        if fmt == "csv":
            body = csv_chunks(cols, batches, codec)
            media = f"text/csv; charset={codec}"
        elif fmt == "json":
            body = json_chunks(cols, batches)
        else:
            assert location is not None
            body = geojson_chunks(cols, batches, location, name=dataset.get("title") or dataset["name"])
        return StreamingResponse(body, media_type=media, headers=headers)
