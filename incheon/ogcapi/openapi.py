"""The OpenAPI 3.0 definition of the OGC API – Features endpoints (conformance class oas30), served at
`/ogcapi/api` with media type `application/vnd.oai.openapi+json;version=3.0`."""

from __future__ import annotations

from typing import Any

from incheon.ogcapi.features import DISTRICTS

MAX_LIMIT = 10_000
DEFAULT_LIMIT = 10


def _json(description: str, media: str = "application/json") -> dict[str, Any]:
    return {"description": description, "content": {media: {"schema": {"type": "object"}}}}


def _error(description: str) -> dict[str, Any]:
    return {
        "description": description,
        "content": {"application/json": {"schema": {"$ref": "#/components/schemas/exception"}}},
    }


def document(server_url: str) -> dict[str, Any]:
    """The definition, with `server_url` (where `/ogcapi` is served) as its server."""
    geojson = "application/geo+json"
    params = {
        "f": {
            "name": "f",
            "in": "query",
            "required": False,
            "description": "Format: json (default; items and features answer GeoJSON)",
            "schema": {"type": "string", "enum": ["json", "geojson"]},
        },
        "collectionId": {
            "name": "collectionId",
            "in": "path",
            "required": True,
            "description": f"A resource id (or its dataset's name), or `{DISTRICTS}`",
            "schema": {"type": "string"},
        },
        "featureId": {
            "name": "featureId",
            "in": "path",
            "required": True,
            "description": "The row number `_id` (districts: the 5-digit district code)",
            "schema": {"type": "string"},
        },
        "bbox": {
            "name": "bbox",
            "in": "query",
            "required": False,
            "description": "minx,miny,maxx,maxy in WGS84 longitude/latitude (CRS84); 6 numbers allowed, "
            "heights ignored",
            "schema": {"type": "array", "minItems": 4, "maxItems": 6, "items": {"type": "number"}},
            "style": "form",
            "explode": False,
        },
        "bbox-crs": {
            "name": "bbox-crs",
            "in": "query",
            "required": False,
            "description": "Only CRS84 is supported",
            "schema": {"type": "string", "format": "uri"},
        },
        "datetime": {
            "name": "datetime",
            "in": "query",
            "required": False,
            "description": "Accepted and ignored: the collections declare no temporal extent",
            "schema": {"type": "string"},
        },
        "limit": {
            "name": "limit",
            "in": "query",
            "required": False,
            "description": f"Features per page (1-{MAX_LIMIT}; larger values are treated as {MAX_LIMIT})",
            "schema": {"type": "integer", "minimum": 1, "maximum": MAX_LIMIT, "default": DEFAULT_LIMIT},
            "style": "form",
            "explode": False,
        },
        "offset": {
            "name": "offset",
            "in": "query",
            "required": False,
            "description": "Features to skip",
            "schema": {"type": "integer", "minimum": 0, "default": 0},
        },
    }
    ref = {k: {"$ref": f"#/components/parameters/{k}"} for k in params}
    bad = _error("Invalid parameter (InvalidParameterValue)")
    missing = _error("Not found (NotFound)")
    return {
        "openapi": "3.0.3",
        "info": {
            "title": "Platform Incheon — OGC API - Features",
            "description": "인천 데이터허브의 위치가 있는 데이터를 OGC API – Features로 제공합니다. / "
            "The Incheon Data Hub's located data as OGC API - Features.",
            "version": "1.0.0",
            "license": {"name": "KOGL (공공누리), per dataset"},
        },
        "servers": [{"url": server_url}],
        "tags": [{"name": "Capabilities"}, {"name": "Data"}],
        "paths": {
            "/": {
                "get": {
                    "tags": ["Capabilities"],
                    "summary": "Landing page",
                    "operationId": "getLandingPage",
                    "parameters": [ref["f"]],
                    "responses": {"200": _json("Links to the API's resources"), "400": bad},
                }
            },
            "/conformance": {
                "get": {
                    "tags": ["Capabilities"],
                    "summary": "Conformance classes",
                    "operationId": "getConformanceDeclaration",
                    "parameters": [ref["f"]],
                    "responses": {"200": _json("The conformance classes implemented"), "400": bad},
                }
            },
            "/api": {
                "get": {
                    "tags": ["Capabilities"],
                    "summary": "This API definition",
                    "operationId": "getAPI",
                    "responses": {
                        "200": _json("OpenAPI 3.0", "application/vnd.oai.openapi+json;version=3.0")
                    },
                }
            },
            "/collections": {
                "get": {
                    "tags": ["Capabilities"],
                    "summary": "Feature collections",
                    "operationId": "getCollections",
                    "parameters": [ref["f"]],
                    "responses": {"200": _json("The collections"), "400": bad},
                }
            },
            "/collections/{collectionId}": {
                "get": {
                    "tags": ["Capabilities"],
                    "summary": "One collection",
                    "operationId": "describeCollection",
                    "parameters": [ref["collectionId"], ref["f"]],
                    "responses": {"200": _json("The collection"), "400": bad, "404": missing},
                }
            },
            "/collections/{collectionId}/items": {
                "get": {
                    "tags": ["Data"],
                    "summary": "Features of a collection",
                    "operationId": "getFeatures",
                    "parameters": [
                        ref["collectionId"],
                        ref["bbox"],
                        ref["bbox-crs"],
                        ref["datetime"],
                        ref["limit"],
                        ref["offset"],
                        ref["f"],
                    ],
                    "responses": {
                        "200": _json("A GeoJSON FeatureCollection", geojson),
                        "400": bad,
                        "404": missing,
                    },
                }
            },
            "/collections/{collectionId}/items/{featureId}": {
                "get": {
                    "tags": ["Data"],
                    "summary": "One feature",
                    "operationId": "getFeature",
                    "parameters": [ref["collectionId"], ref["featureId"], ref["f"]],
                    "responses": {"200": _json("A GeoJSON Feature", geojson), "400": bad, "404": missing},
                }
            },
        },
        "components": {
            "parameters": params,
            "schemas": {
                "exception": {
                    "type": "object",
                    "required": ["code"],
                    "properties": {"code": {"type": "string"}, "description": {"type": "string"}},
                }
            },
        },
    }
