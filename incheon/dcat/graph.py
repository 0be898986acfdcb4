"""DCAT-AP 3.0 descriptions of the hub's catalogue as JSON-LD documents.

Everything is built from the hub's public API (package dicts from `Catalog.datasets`, organisations,
groups, `Hub.package_search`, `Catalog.version` and the base layers); no SQL of our own. A document is a
flat `@graph` of nodes keyed by IRI: shared nodes (publisher, themes, districts, licences, EU concepts)
appear once, each with its rdf:type and labels, so the document validates against the DCAT-AP SHACL
shapes on its own, without fetching any vocabulary.
"""

from __future__ import annotations

import os
from collections.abc import Iterable
from functools import cache
from typing import Any

import shapely

from incheon.dcat import vocab
from incheon.dcat.vocab import Format
from incheon.hub.geo import DISTRICT_NAMES_EN, base_layers
from incheon.hub.geojson import locate
from incheon.hub.vocab import FREQUENCIES, LICENSES, THEMES

CONTEXT: dict[str, str] = {
    "dcat": "http://www.w3.org/ns/dcat#",
    "dct": "http://purl.org/dc/terms/",
    "dcatap": "http://data.europa.eu/r5r/",
    "foaf": "http://xmlns.com/foaf/0.1/",
    "skos": "http://www.w3.org/2004/02/skos/core#",
    "vcard": "http://www.w3.org/2006/vcard/ns#",
    "rdfs": "http://www.w3.org/2000/01/rdf-schema#",
    "xsd": "http://www.w3.org/2001/XMLSchema#",
    "gsp": "http://www.opengis.net/ont/geosparql#",
    "hydra": "http://www.w3.org/ns/hydra/core#",
}
#: The application profile the documents follow (DCAT-AP 3.0.1, the current 3.0 release).
DCAT_AP = "http://data.europa.eu/r5r/"
CITY_CODE = "28000"
CITY_NAME_KO, CITY_NAME_EN = "인천광역시", "Incheon Metropolitan City"
CITY_HOMEPAGE = "https://www.incheon.go.kr"
CATALOG_LICENSE = "kogl-type1"
PUBLIC_ACCESS = vocab.EU + "access-right/PUBLIC"
AVAILABILITY_STABLE = DCAT_AP + "availability/stable"
DATA_THEME_SCHEME = vocab.EU + "data-theme"


# ---------------------------------------------------------------------------------------------- values
def text(value: str, lang: str) -> dict[str, str]:
    return {"@value": value, "@language": lang}


def texts(ko: str | None, en: str | None) -> list[dict[str, str]]:
    """A Korean literal and, when there is one, its English counterpart."""
    return [text(v, lang) for v, lang in ((ko, "ko"), (en, "en")) if v and v.strip()]


def ref(iri: str) -> dict[str, str]:
    return {"@id": iri}


def typed(value: Any, datatype: str) -> dict[str, str]:
    return {"@value": str(value), "@type": datatype}


def timestamp(value: str | None) -> dict[str, str] | None:
    """Hub timestamps are naive UTC ISO strings; DCAT wants xsd:dateTime, here with the zone made explicit."""
    if not value:
        return None
    return typed(value if value.endswith("Z") or "+" in value[10:] else value + "Z", "xsd:dateTime")


def _wkt(geom: shapely.Geometry) -> str:
    return shapely.to_wkt(geom, rounding_precision=5)


@cache
def _district_geometry() -> dict[str, shapely.Geometry]:
    out = {
        f["properties"]["sgg_code"]: shapely.geometry.shape(f["geometry"])
        for f in base_layers().districts_geojson["features"]
    }
    out[CITY_CODE] = shapely.union_all(list(out.values()))
    return out


# ---------------------------------------------------------------------------------------------- builder
class Describer:
    """Builds DCAT-AP nodes for one request; `graph()` returns the JSON-LD document."""

    def __init__(self, hub: Any, site_url: str, themes: list[dict[str, Any]], orgs: list[dict[str, Any]]):
        self.hub = hub
        self.site = site_url.rstrip("/")
        self.themes = themes
        self.org_kinds = {o["id"]: o.get("kind") for o in orgs}
        self.city_org = next((o for o in orgs if o.get("title") == CITY_NAME_KO), None)
        self.nodes: dict[str, dict[str, Any]] = {}

    # -- IRIs (all under the site; every one of them answers GET, see module.py)
    def catalog_iri(self) -> str:
        return f"{self.site}/dcat/catalog"

    def dataset_iri(self, name: str) -> str:
        return f"{self.site}/dcat/dataset/{name}"

    def agent_iri(self, org_name: str) -> str:
        return f"{self.site}/dcat/organization/{org_name}"

    def location_iri(self, code: str) -> str:
        return f"{self.site}/dcat/district/{code}"

    def scheme_iri(self) -> str:
        return f"{self.site}/dcat/themes"

    def concept_iri(self, key: str) -> str:
        return f"{self.site}/dcat/themes#{key}"

    # -- document
    def add(self, node: dict[str, Any]) -> dict[str, str]:
        """Adds a node once (first description wins) and returns a reference to it."""
        self.nodes.setdefault(node["@id"], node)
        return ref(node["@id"])

    def graph(self) -> dict[str, Any]:
        return {"@context": CONTEXT, "@graph": list(self.nodes.values())}

    # -- shared nodes
    def concept(self, iri: str, labels: list[dict[str, str]], scheme: str, **extra: Any) -> dict[str, str]:
        return self.add(
            {
                "@id": iri,
                "@type": "skos:Concept",
                "skos:prefLabel": labels,
                "skos:inScheme": ref(scheme),
                **extra,
            }
        )

    def language(self, code: str) -> dict[str, str]:
        eu, ko, en = vocab.LANGUAGES.get(code, vocab.LANGUAGES["ko"])
        return self.add(
            {
                "@id": f"{vocab.EU}language/{eu}",
                "@type": "dct:LinguisticSystem",
                "rdfs:label": texts(ko, en),
            }
        )

    def licence(self, license_id: str | None) -> dict[str, str]:
        key = license_id if license_id in vocab.KOGL_LICENCE_TYPES else CATALOG_LICENSE
        lic = LICENSES[key]
        types = [
            self.concept(
                vocab.ADMS_LICENCE_TYPE + code,
                [text(label, "en")],
                vocab.ADMS_LICENCE_TYPE.rstrip("/"),
            )
            for code, label in vocab.KOGL_LICENCE_TYPES[key]
        ]
        return self.add(
            {
                "@id": lic["url"],
                "@type": "dct:LicenseDocument",
                "rdfs:label": texts(lic["title"], lic["title_en"]),
                "dct:identifier": key,
                "dct:type": types,
            }
        )

    def document(self, iri: str, ko: str | None = None, en: str | None = None) -> dict[str, str]:
        node: dict[str, Any] = {"@id": iri, "@type": "foaf:Document"}
        if ko or en:
            node["dct:title"] = texts(ko, en)
        return self.add(node)

    def city_agent(self) -> dict[str, str]:
        """인천광역시, the catalogue's publisher (the hub's own organisation for the city when it exists)."""
        iri = self.agent_iri(self.city_org["name"]) if self.city_org else f"{self.catalog_iri()}#publisher"
        node = {
            "@id": iri,
            "@type": "foaf:Agent",
            "foaf:name": texts(CITY_NAME_KO, CITY_NAME_EN),
            "foaf:homepage": self.document(CITY_HOMEPAGE, CITY_NAME_KO, CITY_NAME_EN),
            "dct:type": self.publisher_type("city"),
        }
        self.nodes[iri] = node  # the city's full description wins over a dataset's shorter one
        return ref(iri)

    def publisher_type(self, kind: str | None) -> dict[str, str] | None:
        if kind not in vocab.PUBLISHER_TYPES:
            return None
        code, label = vocab.PUBLISHER_TYPES[kind]
        return self.concept(
            vocab.ADMS_PUBLISHER_TYPE + code, [text(label, "en")], vocab.ADMS_PUBLISHER_TYPE.rstrip("/")
        )

    def agent(self, org: dict[str, Any]) -> dict[str, str]:
        if self.city_org and org.get("id") == self.city_org["id"]:
            return self.city_agent()
        node: dict[str, Any] = {
            "@id": self.agent_iri(org["name"]),
            "@type": "foaf:Agent",
            "foaf:name": texts(org.get("title") or org["name"], org.get("title_en")),
        }
        kind = self.publisher_type(self.org_kinds.get(org.get("id")))
        if kind:
            node["dct:type"] = kind
        return self.add(node)

    def location(self, code: str) -> dict[str, str]:
        geom = _district_geometry().get(code)
        if code == CITY_CODE:
            ko, en = CITY_NAME_KO, CITY_NAME_EN
        else:
            ko, en = f"{CITY_NAME_KO} {base_layers().districts.get(code, code)}", DISTRICT_NAMES_EN.get(code)
            en = f"{en}, Incheon" if en else None
        node: dict[str, Any] = {
            "@id": self.location_iri(code),
            "@type": "dct:Location",
            "dct:identifier": code,
            "skos:prefLabel": texts(ko, en),
        }
        if geom is not None:
            node["dcat:bbox"] = typed(_wkt(shapely.box(*geom.bounds)), "gsp:wktLiteral")
            node["dcat:centroid"] = typed(_wkt(geom.centroid), "gsp:wktLiteral")
        return self.add(node)

    def frequency(self, key: str | None) -> dict[str, str] | None:
        if key not in vocab.FREQUENCY_CODES:
            return None
        ko, en = FREQUENCIES[key]
        return self.add(
            {
                "@id": f"{vocab.EU}frequency/{vocab.FREQUENCY_CODES[key]}",
                "@type": ["dct:Frequency", "skos:Concept"],
                "skos:prefLabel": texts(ko, en),
                "skos:inScheme": ref(vocab.EU + "frequency"),
            }
        )

    def eu_theme(self, code: str) -> dict[str, str]:
        return self.concept(
            f"{vocab.EU}data-theme/{code}", [text(vocab.EU_THEMES[code], "en")], DATA_THEME_SCHEME
        )

    def theme(self, key: str) -> dict[str, str]:
        ko, en = THEMES.get(key, (key, None))
        matches = [self.eu_theme(c) for c in vocab.THEME_TO_EU.get(key, ())]
        extra: dict[str, Any] = {"skos:topConceptOf": ref(self.scheme_iri()), "skos:notation": key}
        if matches:
            extra["skos:closeMatch"] = matches
        return self.concept(self.concept_iri(key), texts(ko, en), self.scheme_iri(), **extra)

    def theme_schemes(self) -> list[dict[str, str]]:
        """The plan's policy fields as a concept scheme, and the EU data-theme scheme they map to."""
        concepts = [self.theme(g["name"]) for g in self.themes]
        ours = self.add(
            {
                "@id": self.scheme_iri(),
                "@type": "skos:ConceptScheme",
                "dct:title": texts(
                    "제6차 인천광역시 지능정보화 기본계획 정책 분야",
                    "Policy fields of Incheon's 6th Intelligent Informatization Master Plan",
                ),
                "dct:description": texts(
                    "기본계획 제2부 키워드 분석(표 II-89~II-119)의 정책 분야. 데이터셋 주제로 씁니다.",
                    "The policy fields of the plan's keyword analysis (Part II, tables II-89 to II-119), "
                    "used as dataset themes.",
                ),
                "skos:hasTopConcept": concepts,
            }
        )
        eu = self.add(
            {
                "@id": DATA_THEME_SCHEME,
                "@type": "skos:ConceptScheme",
                "dct:title": [text("Data theme", "en")],
            }
        )
        return [ours, eu]

    # -- datasets and distributions
    def distribution(
        self, pkg: dict[str, Any], res: dict[str, Any], fmt: Format | None, licence: dict[str, str]
    ) -> dict[str, str]:
        ds_iri = self.dataset_iri(pkg["name"])
        name_ko = res.get("name") or pkg.get("title") or pkg["name"]
        name_en = res.get("name_en") or pkg.get("title_en")
        suffix = f"-{fmt.ext}" if fmt else ""
        node: dict[str, Any] = {"@id": f"{ds_iri}#resource-{res['id']}{suffix}", "@type": "dcat:Distribution"}
        node["dct:license"] = licence
        if fmt is None:  # a link the publisher gave, not a file the hub holds
            node["dcat:accessURL"] = ref(res["url"])
            node["dct:title"] = texts(name_ko, name_en)
            if res.get("description"):
                node["dct:description"] = texts(res["description"], None)
        else:
            url = f"{self.site}/download/{res['id']}.{fmt.ext}"
            node["dcat:accessURL"] = ref(url)
            node["dcat:downloadURL"] = ref(url)
            node["dct:title"] = texts(
                f"{name_ko} ({fmt.label})", f"{name_en} ({fmt.label})" if name_en else None
            )
            node["dct:description"] = texts(
                (res.get("description") or name_ko) + f" — {fmt.note_ko}, 버전 {res.get('version')}",
                f"{name_en} — {fmt.note_en}, version {res.get('version')}"
                if name_en
                else f"{fmt.note_en}, version {res.get('version')}",
            )
            node["dct:format"] = self.add(
                {
                    "@id": f"{vocab.EU}file-type/{fmt.file_type}",
                    "@type": "dct:MediaTypeOrExtent",
                    "rdfs:label": fmt.label,
                }
            )
            node["dcat:mediaType"] = self.add(
                {"@id": vocab.IANA + fmt.media_type, "@type": "dct:MediaType", "rdfs:label": fmt.media_type}
            )
            node["dcatap:availability"] = self.concept(
                AVAILABILITY_STABLE, [text("stable", "en")], DCAT_AP + "availability"
            )
            size = self.byte_size(res) if fmt is vocab.PARQUET else None
            if size is not None:
                node["dcat:byteSize"] = typed(size, "xsd:nonNegativeInteger")
        for key, value in (("dct:issued", res.get("created")), ("dct:modified", res.get("last_modified"))):
            if timestamp(value):
                node[key] = timestamp(value)
        return self.add(node)

    def byte_size(self, res: dict[str, Any]) -> int | None:
        """The current version's Parquet file, which is what /download/{rid}.parquet serves."""
        try:
            return os.path.getsize(self.hub.catalog.version(res["id"])["parquet_path"])
        except (OSError, KeyError, ValueError):
            return None

    def formats_of(self, res: dict[str, Any]) -> list[Format | None]:
        if res.get("datastore_active"):
            # GeoJSON exactly when the downloads module can place the rows (one definition of "placeable").
            spatial = locate(res.get("fields", [])) is not None
            return [f for f in vocab.FORMATS if f is not vocab.GEOJSON or spatial]
        url = res.get("url") or ""
        return [None] if url.startswith(("http://", "https://")) else []

    def dataset(self, pkg: dict[str, Any]) -> dict[str, str]:
        iri = self.dataset_iri(pkg["name"])
        title = pkg.get("title") or pkg["name"]
        licence = self.licence(pkg.get("license_id"))
        publisher = self.agent(pkg["organization"])
        node: dict[str, Any] = {
            "@id": iri,
            "@type": "dcat:Dataset",
            "dct:identifier": pkg["id"],
            "dct:title": texts(title, pkg.get("title_en")),
            # Description is mandatory in DCAT-AP; a dataset without notes is described by its title.
            "dct:description": texts(pkg.get("notes") or title, pkg.get("notes_en")),
            "dcat:keyword": [text(t["name"], "ko") for t in pkg.get("tags", [])],
            "dcat:theme": [],
            "dct:publisher": publisher,
            "dcat:contactPoint": {
                "@type": ["vcard:Kind", "vcard:Organization"],
                "vcard:fn": [text(pkg["maintainer"], "ko")]
                if pkg.get("maintainer")
                else texts(pkg["organization"].get("title"), pkg["organization"].get("title_en")),
                "vcard:hasURL": ref(f"{self.site}/"),
            },
            "dcat:landingPage": self.document(
                f"{self.site}/dataset/{pkg['name']}", title, pkg.get("title_en")
            ),
            "dct:language": [self.language(pkg.get("language") or "ko")],
            "dct:accessRights": self.add(
                {
                    "@id": PUBLIC_ACCESS,
                    "@type": ["dct:RightsStatement", "skos:Concept"],
                    "skos:prefLabel": texts("공개", "public"),
                }
            ),
        }
        for group in pkg.get("groups", []):
            node["dcat:theme"].append(self.theme(group["name"]))
            node["dcat:theme"] += [self.eu_theme(c) for c in vocab.THEME_TO_EU.get(group["name"], ())]
        node["dcat:theme"] = list({t["@id"]: t for t in node["dcat:theme"]}.values())
        if pkg.get("spatial"):
            node["dct:spatial"] = [self.location(code) for code in pkg["spatial"]]
        if pkg.get("temporal_start") or pkg.get("temporal_end"):
            period: dict[str, Any] = {"@type": "dct:PeriodOfTime"}
            if pkg.get("temporal_start"):
                period["dcat:startDate"] = typed(pkg["temporal_start"], "xsd:date")
            if pkg.get("temporal_end"):
                period["dcat:endDate"] = typed(pkg["temporal_end"], "xsd:date")
            node["dct:temporal"] = period
        frequency = self.frequency(pkg.get("frequency"))
        if frequency:
            node["dct:accrualPeriodicity"] = frequency
        if pkg.get("source"):
            node["dct:bibliographicCitation"] = text(pkg["source"], "ko")
        if pkg.get("version"):
            node["dcat:version"] = str(pkg["version"])
        if str(pkg.get("url") or "").startswith(("http://", "https://")):
            node["foaf:page"] = self.document(pkg["url"])
        for key, value in (
            ("dct:issued", pkg.get("metadata_created")),
            ("dct:modified", pkg.get("metadata_modified")),
        ):
            if timestamp(value):
                node[key] = timestamp(value)
        node["dcat:distribution"] = [
            self.distribution(pkg, res, fmt, licence)
            for res in pkg.get("resources", [])
            for fmt in self.formats_of(res)
        ]
        return self.add({k: v for k, v in node.items() if v not in ([], None)})

    # -- the catalogue
    def catalog(
        self,
        packages: Iterable[dict[str, Any]],
        issued: str | None,
        modified: str | None,
        view: dict[str, Any] | None = None,
        total: int | None = None,
    ) -> dict[str, str]:
        node: dict[str, Any] = {
            "@id": self.catalog_iri(),
            "@type": "dcat:Catalog",
            "dct:title": texts("인천 데이터허브", "Incheon Data Hub"),
            "dct:description": texts(
                "인천광역시 공공데이터 카탈로그(플랫폼 인천, 제6차 지능정보화 기본계획 과제 1-1-1). "
                "데이터셋은 CKAN API, 내려받기(CSV·JSON·GeoJSON·Parquet)와 이 DCAT-AP 목록으로 제공됩니다.",
                "The open-data catalogue of Incheon Metropolitan City (Platform Incheon, task 1-1-1 of the "
                "6th Intelligent Informatization Master Plan): datasets through the CKAN API, downloads "
                "(CSV, JSON, GeoJSON, Parquet) and this DCAT-AP catalogue.",
            ),
            "dct:publisher": self.city_agent(),
            "foaf:homepage": self.document(f"{self.site}/", "인천 데이터허브", "Incheon Data Hub"),
            "dct:language": [self.language("ko"), self.language("en")],
            "dct:license": self.licence(CATALOG_LICENSE),
            "dct:spatial": [self.location(CITY_CODE)],
            "dcat:themeTaxonomy": self.theme_schemes(),
            "dct:conformsTo": self.add(
                {"@id": DCAT_AP, "@type": "dct:Standard", "dct:title": [text("DCAT-AP 3.0.1", "en")]}
            ),
            "dcat:dataset": [self.dataset(pkg) for pkg in packages],
        }
        if timestamp(issued):
            node["dct:issued"] = timestamp(issued)
        if timestamp(modified):
            node["dct:modified"] = timestamp(modified)
        if view is not None:  # one page of a paged catalogue
            node["@type"] = ["dcat:Catalog", "hydra:Collection"]
            node["hydra:totalItems"] = typed(total, "xsd:nonNegativeInteger")
            node["hydra:view"] = view
        # The catalogue comes first in the document.
        self.nodes = {node["@id"]: node, **{k: v for k, v in self.nodes.items() if k != node["@id"]}}
        return ref(node["@id"])
