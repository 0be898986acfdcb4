"""OGC API – Features (module `ogcapi`, mounted at `/ogcapi`): conformance classes core, geojson and oas30.

`/ogcapi/` (landing), `/conformance`, `/api` (OpenAPI 3.0), `/collections`, `/collections/{id}`,
`/collections/{id}/items` (bbox, limit, offset) and `/collections/{id}/items/{featureId}`. JSON only
(no HTML pages). Errors answer OGC-style `{"code", "description"}` with a Korean and English message.
"""

from __future__ import annotations

import json
import logging
import math
import uuid
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any
from urllib.parse import urlencode

from fastapi import APIRouter, Query, Request
from fastapi.responses import Response

from incheon.errors import HubError, NotFound
from incheon.hub.hub import Hub
from incheon.ogcapi.features import Bbox, Collection, Features, OgcError, invalid
from incheon.ogcapi.openapi import DEFAULT_LIMIT, MAX_LIMIT, document

log = logging.getLogger(__name__)

CRS84 = "http://www.opengis.net/def/crs/OGC/1.3/CRS84"
CONFORMANCE = [
    "http://www.opengis.net/spec/ogcapi-features-1/1.0/conf/core",
    "http://www.opengis.net/spec/ogcapi-features-1/1.0/conf/geojson",
    "http://www.opengis.net/spec/ogcapi-features-1/1.0/conf/oas30",
]
JSON = "application/json"
GEOJSON = "application/geo+json"
OPENAPI = "application/vnd.oai.openapi+json;version=3.0"
ITEMS_PARAMS = {"f", "bbox", "bbox-crs", "crs", "datetime", "limit", "offset"}


class OgcApiModule:
    name = "ogcapi"
    prefix = "/ogcapi"
    migrations: list = []

    def __init__(self, hub: Hub) -> None:
        self.hub = hub
        self.features = Features(hub)

    # ------------------------------------------------------------------ routes
    def router(self) -> APIRouter:
        r = APIRouter()
        fq = Query(None, description="json (default)")

        @r.get("", include_in_schema=False)
        @r.get("/", name="ogcapi_landing", summary="OGC API - Features: landing page")
        def landing(request: Request, f: str | None = fq) -> Response:
            return self._answer(request, lambda: self.landing(request))

        @r.get("/conformance", name="ogcapi_conformance", summary="OGC API - Features: conformance classes")
        def conformance(request: Request, f: str | None = fq) -> Response:
            return self._answer(request, lambda: (JSON, {"conformsTo": CONFORMANCE}))

        @r.get("/api", name="ogcapi_api", summary="OGC API - Features: OpenAPI 3.0 definition")
        def api(request: Request, f: str | None = fq) -> Response:
            return self._answer(request, lambda: (OPENAPI, document(self._base(request).rstrip("/"))))

        @r.get("/collections", name="ogcapi_collections", summary="OGC API - Features: collections")
        def collections(request: Request, f: str | None = fq) -> Response:
            return self._answer(request, lambda: self.collections(request))

        @r.get(
            "/collections/{collection_id}",
            name="ogcapi_collection",
            summary="OGC API - Features: a collection",
        )
        def collection(request: Request, collection_id: str, f: str | None = fq) -> Response:
            return self._answer(request, lambda: self.collection(request, collection_id))

        @r.get(
            "/collections/{collection_id}/items",
            name="ogcapi_items",
            summary="OGC API - Features: features of a collection (bbox, limit, offset)",
        )
        def items(
            request: Request,
            collection_id: str,
            bbox: str | None = Query(None, description="minx,miny,maxx,maxy (WGS84)"),
            limit: str | None = Query(None, description=f"1-{MAX_LIMIT}, default {DEFAULT_LIMIT}"),
            offset: str | None = Query(None, description="features to skip"),
            f: str | None = fq,
        ) -> Response:
            return self._answer(request, lambda: self.items(request, collection_id), ITEMS_PARAMS)

        @r.get(
            "/collections/{collection_id}/items/{feature_id}",
            name="ogcapi_item",
            summary="OGC API - Features: one feature",
        )
        def item(request: Request, collection_id: str, feature_id: str, f: str | None = fq) -> Response:
            return self._answer(request, lambda: self.item(request, collection_id, feature_id))

        return r

    def _answer(
        self,
        request: Request,
        make: Callable[[], tuple[str, dict[str, Any] | Raw]],
        allowed: frozenset[str] | set[str] = frozenset({"f"}),
    ) -> Response:
        """Check the query's parameter names and `f`, build the document, and render errors OGC-style."""
        try:
            unknown = sorted(set(request.query_params) - allowed)
            if unknown:
                raise invalid(f"알 수 없는 매개변수입니다: {unknown}", f"Unknown query parameters: {unknown}")
            fmt = request.query_params.get("f")
            if fmt not in (None, "", "json", "geojson"):
                raise invalid(
                    f"지원하지 않는 형식입니다: f={fmt} (json만 제공)",
                    f"Unsupported format f={fmt} (json only)",
                )
            media, doc = make()
        except OgcError as exc:
            return _render(exc.status, JSON, exc.body())
        except NotFound as exc:
            return _render(404, JSON, OgcError(404, "NotFound", exc.message_ko, exc.message_en).body())
        except HubError as exc:
            code = "InvalidParameterValue" if exc.status == 400 else "Error"
            return _render(
                exc.status, JSON, OgcError(exc.status, code, exc.message_ko, exc.message_en).body()
            )
        except Exception:
            ref = uuid.uuid4().hex[:12]
            log.exception("ogcapi error ref=%s", ref)
            return _render(
                500,
                JSON,
                {
                    "code": "ServerError",
                    "description": f"서버 오류가 발생했습니다 (참조 {ref}) / Internal server error (reference {ref})",
                },
            )
        return _render(200, media, doc)

    # ------------------------------------------------------------------ documents
    @staticmethod
    def _base(request: Request) -> str:
        """The landing page's URL, ending in '/'."""
        return str(request.url_for("ogcapi_landing"))

    def landing(self, request: Request) -> tuple[str, dict[str, Any]]:
        base = self._base(request)
        return JSON, {
            "title": "Platform Incheon — OGC API - Features (인천 데이터허브)",
            "description": "인천 데이터허브에 공개된 위치 데이터(좌표·경계)와 군·구 경계 기본 레이어. / "
            "Located open data of the Incheon Data Hub and the district base layer.",
            "links": [
                _link(base, "self", JSON, "이 문서 / This document"),
                _link(base + "api", "service-desc", OPENAPI, "API 정의 / The API definition (OpenAPI 3.0)"),
                _link(str(request.base_url) + "api", "service-doc", "text/html", "API 목록 / API index"),
                _link(base + "conformance", "conformance", JSON, "적합성 클래스 / Conformance classes"),
                _link(base + "collections", "data", JSON, "컬렉션 / Collections"),
            ],
        }

    def _collection_doc(self, request: Request, c: Collection) -> dict[str, Any]:
        url = f"{self._base(request)}collections/{c.id}"
        links = [
            _link(url, "self", JSON, c.title),
            _link(url + "/items", "items", GEOJSON, "피처 / Features"),
        ]
        if c.dataset_name:
            links.append(
                _link(
                    f"{request.base_url}api/3/action/package_show?id={c.dataset_name}",
                    "describedby",
                    JSON,
                    "데이터셋 메타데이터 (CKAN) / Dataset metadata (CKAN)",
                )
            )
        doc: dict[str, Any] = {
            "id": c.id,
            "title": c.title,
            "description": c.description,
            "keywords": c.keywords,
            "itemType": "feature",
            "crs": [CRS84],
            "links": links,
        }
        ext = self.features.extent(c)
        if ext:
            doc["extent"] = {"spatial": {"bbox": [ext], "crs": CRS84}}
        return doc

    def collections(self, request: Request) -> tuple[str, dict[str, Any]]:
        base = self._base(request)
        return JSON, {
            "links": [_link(base + "collections", "self", JSON, "컬렉션 / Collections")],
            "collections": [self._collection_doc(request, c) for c in self.features.collections()],
        }

    def collection(self, request: Request, cid: str) -> tuple[str, dict[str, Any]]:
        return JSON, self._collection_doc(request, self.features.collection(cid))

    def items(self, request: Request, cid: str) -> tuple[str, Raw]:
        q = request.query_params
        bbox = parse_bbox(q.get("bbox"), q.get("bbox-crs"))
        for name in ("crs",):
            if q.get(name) not in (None, "", CRS84):
                raise invalid(f"{name}는 CRS84만 지원합니다.", f"Only CRS84 is supported for {name}.")
        limit = min(parse_int(q.get("limit"), "limit", DEFAULT_LIMIT, 1), MAX_LIMIT)
        offset = parse_int(q.get("offset"), "offset", 0, 0)
        c = self.features.collection(cid)
        text, returned, matched = self.features.items(c, bbox, limit, offset)
        if c.dataset_id:
            self.hub.usage.record(c.dataset_id, "api")
        url = f"{self._base(request)}collections/{c.id}/items"
        keep = {k: v for k, v in q.items() if k in ("bbox", "bbox-crs", "datetime")}

        def page(off: int) -> str:
            return url + "?" + urlencode({**keep, "limit": limit, "offset": off})

        links = [_link(page(offset), "self", GEOJSON, "이 페이지 / This page")]
        if offset + returned < matched:
            links.append(_link(page(offset + limit), "next", GEOJSON, "다음 / Next page"))
        if offset > 0:
            links.append(_link(page(max(0, offset - limit)), "prev", GEOJSON, "이전 / Previous page"))
        links.append(_link(f"{self._base(request)}collections/{c.id}", "collection", JSON, c.title))
        rest = {
            "numberMatched": matched,
            "numberReturned": returned,
            "timeStamp": datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ"),
            "links": links,
        }
        # the features arrive as JSON text (written by the database for points): spliced in, not re-parsed
        return GEOJSON, Raw('{"type":"FeatureCollection","features":' + text + "," + _dumps(rest)[1:])

    def item(self, request: Request, cid: str, fid: str) -> tuple[str, dict[str, Any]]:
        c = self.features.collection(cid)
        feature = self.features.item(c, fid)
        if c.dataset_id:
            self.hub.usage.record(c.dataset_id, "api")
        url = f"{self._base(request)}collections/{c.id}"
        feature["links"] = [
            _link(f"{url}/items/{fid}", "self", GEOJSON, "이 피처 / This feature"),
            _link(url, "collection", JSON, c.title),
        ]
        return GEOJSON, feature


def _link(href: str, rel: str, media: str, title: str) -> dict[str, str]:
    return {"href": href, "rel": rel, "type": media, "title": title}


class Raw(str):
    """A document already written as JSON text."""


def _dumps(doc: Any) -> str:
    return json.dumps(doc, ensure_ascii=False, separators=(",", ":"), allow_nan=False)


def _render(status: int, media: str, doc: dict[str, Any] | Raw) -> Response:
    body = doc if isinstance(doc, Raw) else _dumps(doc)
    return Response(body.encode("utf-8"), status_code=status, media_type=media)


def parse_int(text: str | None, name: str, default: int, minimum: int) -> int:
    if text in (None, ""):
        return default
    try:
        value = int(text)
    except ValueError:
        value = minimum - 1
    if value < minimum:
        raise invalid(
            f"{name}은(는) {minimum} 이상의 정수여야 합니다: {text}",
            f"{name} must be an integer >= {minimum}: {text}",
        )
    return value


def parse_bbox(text: str | None, crs: str | None = None) -> Bbox | None:
    """`minx,miny,maxx,maxy` (or 6 numbers with heights, ignored) in CRS84; minx > maxx crosses the
    antimeridian, as OGC API allows."""
    if crs not in (None, "", CRS84):
        raise invalid("bbox-crs는 CRS84만 지원합니다.", "Only CRS84 is supported for bbox-crs.")
    if text in (None, ""):
        return None
    try:
        nums = [float(v) for v in text.split(",")]
    except ValueError:
        nums = []
    if len(nums) == 6:
        nums = [nums[0], nums[1], nums[3], nums[4]]
    ok = len(nums) == 4 and all(math.isfinite(n) for n in nums)
    if ok:
        minx, miny, maxx, maxy = nums
        ok = -180 <= minx <= 180 and -180 <= maxx <= 180 and -90 <= miny <= maxy <= 90
    if not ok:
        raise invalid(
            f"bbox는 경도·위도(WGS84) 4개 숫자 minx,miny,maxx,maxy여야 합니다: {text}",
            f"bbox must be four WGS84 numbers minx,miny,maxx,maxy: {text}",
        )
    return nums[0], nums[1], nums[2], nums[3]
