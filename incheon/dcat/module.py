"""DCAT-AP catalogue (module `dcat`, mounted at /dcat): the hub's datasets as DCAT-AP 3.0.1 JSON-LD.

    GET /dcat/catalog.jsonld            the catalogue; every dataset while there are at most 1000, else
                                        pages (?page=, ?page_size=) linked by a hydra:PartialCollectionView
    GET /dcat/dataset/{name}.jsonld     one dataset with its distributions
    GET /dcat/themes.jsonld             the theme taxonomy (the plan's policy fields)
    GET /dcat/district/{code}.jsonld    a district (or 28000, the whole city) as dct:Location
    GET /dcat/organization/{name}.jsonld  a publisher as foaf:Agent

Each also answers without the `.jsonld` suffix, which is the IRI the catalogue uses for the thing, so
every IRI under /dcat dereferences. Responses are `application/ld+json` with an inline @context.
"""

from __future__ import annotations

import json
import math
from typing import Any

from fastapi import APIRouter, Query
from fastapi.responses import Response

from incheon.dcat.graph import CITY_CODE, Describer
from incheon.errors import NotFound, not_found
from incheon.hub.geo import base_layers
from incheon.hub.hub import Hub

MAX_PAGE_SIZE = 1000


class JSONLD(Response):
    media_type = "application/ld+json"

    def render(self, content: Any) -> bytes:
        return json.dumps(content, ensure_ascii=False, separators=(",", ":")).encode("utf-8")


class DcatModule:
    name = "dcat"
    prefix = "/dcat"
    migrations: list = []

    def __init__(self, hub: Hub) -> None:
        self.hub = hub

    def describer(self) -> Describer:
        return Describer(
            self.hub, self.hub.settings.site_url, self.hub.catalog.groups(), self.hub.catalog.organizations()
        )

    # ------------------------------------------------------------------------------------------ documents
    def catalog_document(self, page: int | None = None, page_size: int = MAX_PAGE_SIZE) -> dict[str, Any]:
        """The catalogue, or one page of it when the datasets do not fit in one page."""
        search = self.hub.package_search
        total = search(rows=0)["count"]
        pages = max(1, math.ceil(total / page_size))
        current = page or 1
        if current > pages:
            raise NotFound(
                f"카탈로그 페이지가 없습니다: {current} (전체 {pages}쪽)",
                f"No such catalogue page: {current} (of {pages})",
            )
        packages: list[dict[str, Any]] = []
        issued = modified = None
        if total:
            packages = search(rows=page_size, start=(current - 1) * page_size, sort="name asc")["results"]
            issued = search(rows=1, sort="metadata_created asc")["results"][0]["metadata_created"]
            modified = search(rows=1, sort="metadata_modified desc")["results"][0]["metadata_modified"]
        d = self.describer()
        view = None
        if pages > 1:
            base = f"{d.site}/dcat/catalog.jsonld?"
            size = "" if page_size == MAX_PAGE_SIZE else f"&page_size={page_size}"

            def at(n: int) -> dict[str, str]:
                return {"@id": f"{base}page={n}{size}"}

            view = {
                "@id": at(current)["@id"],
                "@type": "hydra:PartialCollectionView",
                "hydra:first": at(1),
                "hydra:last": at(pages),
            }
            if current > 1:
                view["hydra:previous"] = at(current - 1)
            if current < pages:
                view["hydra:next"] = at(current + 1)
        d.catalog(packages, issued, modified, view, total)
        return d.graph()

    def dataset_document(self, name: str) -> dict[str, Any]:
        pkg = self.hub.catalog.dataset(name)  # NotFound (404, Korean and English) for unknown names
        d = self.describer()
        d.dataset(pkg)
        return d.graph()

    def themes_document(self) -> dict[str, Any]:
        d = self.describer()
        d.theme_schemes()
        return d.graph()

    def district_document(self, code: str) -> dict[str, Any]:
        if code != CITY_CODE and code not in base_layers().districts:
            raise not_found("군·구", "District", code)
        d = self.describer()
        d.location(code)
        return d.graph()

    def organization_document(self, name: str) -> dict[str, Any]:
        org = self.hub.catalog.organization(name)
        d = self.describer()
        d.agent(org)
        return d.graph()

    # ------------------------------------------------------------------------------------------ HTTP
    def router(self) -> APIRouter:
        r = APIRouter()
        doc = {200: {"content": {"application/ld+json": {}}}}

        @r.get(
            "/catalog.jsonld",
            summary="DCAT-AP 3.0 catalogue (JSON-LD)",
            response_class=JSONLD,
            responses=doc,
        )
        def catalog(
            page: int | None = Query(None, ge=1, description="Page number (pages only when needed)"),
            page_size: int = Query(MAX_PAGE_SIZE, ge=1, le=MAX_PAGE_SIZE, description="Datasets per page"),
        ) -> JSONLD:
            return JSONLD(self.catalog_document(page, page_size))

        @r.get("/catalog", include_in_schema=False, response_class=JSONLD)
        def catalog_iri(
            page: int | None = Query(None, ge=1),
            page_size: int = Query(MAX_PAGE_SIZE, ge=1, le=MAX_PAGE_SIZE),
        ) -> JSONLD:
            return JSONLD(self.catalog_document(page, page_size))

        @r.get(
            "/dataset/{name}.jsonld",
            summary="One dataset as DCAT-AP 3.0 (JSON-LD)",
            response_class=JSONLD,
            responses={**doc, 404: {"description": "Unknown dataset"}},
        )
        def dataset(name: str) -> JSONLD:
            return JSONLD(self.dataset_document(name))

        @r.get("/dataset/{name}", include_in_schema=False, response_class=JSONLD)
        def dataset_iri(name: str) -> JSONLD:
            return JSONLD(self.dataset_document(name))

        @r.get(
            "/themes.jsonld", summary="Theme taxonomy (SKOS, JSON-LD)", response_class=JSONLD, responses=doc
        )
        def themes() -> JSONLD:
            return JSONLD(self.themes_document())

        @r.get("/themes", include_in_schema=False, response_class=JSONLD)
        def themes_iri() -> JSONLD:
            return JSONLD(self.themes_document())

        # The IRI itself; registered after the .jsonld route below (decorators apply bottom-up), which
        # must come first or "/district/{code}" would also catch "….jsonld".
        @r.get("/district/{code}", include_in_schema=False, response_class=JSONLD)
        @r.get(
            "/district/{code}.jsonld",
            summary="A district as dct:Location (JSON-LD)",
            response_class=JSONLD,
            responses=doc,
        )
        def district(code: str) -> JSONLD:
            return JSONLD(self.district_document(code))

        # The IRI itself; registered after the .jsonld route below (decorators apply bottom-up), which
        # must come first or "/organization/{name}" would also catch "….jsonld".
        @r.get("/organization/{name}", include_in_schema=False, response_class=JSONLD)
        @r.get(
            "/organization/{name}.jsonld",
            summary="A publisher as foaf:Agent (JSON-LD)",
            response_class=JSONLD,
            responses=doc,
        )
        def organization(name: str) -> JSONLD:
            return JSONLD(self.organization_document(name))

        return r
