"""DCAT-AP catalogue (module `dcat`) on both back ends, against the seeded hub: the JSON-LD parses, and it
validates against the official DCAT-AP 3.0.1 SHACL shapes (vendored in tests/dcat/shapes, see README)."""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pyshacl
import pytest
from fastapi.testclient import TestClient
from rdflib import RDF, Graph, Literal, Namespace, URIRef
from rdflib.namespace import DCTERMS, FOAF, SKOS

from incheon.api.app import create_app
from incheon.hub.auth import Principal
from incheon.hub.hub import Hub
from incheon.seed.loader import seed_all
from tests.conftest import make_settings

SHAPES = Path(__file__).parent / "shapes" / "dcat-ap-3.0.1-SHACL.ttl"
SITE = "https://data.incheon.example"
DCAT = Namespace("http://www.w3.org/ns/dcat#")
HYDRA = Namespace("http://www.w3.org/ns/hydra/core#")
DCATAP = Namespace("http://data.europa.eu/r5r/")
EU = "http://publications.europa.eu/resource/authority/"
HANGUL = re.compile(r"[\uac00-\ud7a3]")
EXTRA = "bupyeong-bus-stops"
ADMIN = Principal(user_id="t", name="test-admin", sysadmin=True)


class Live:
    def __init__(self, client: TestClient, hub: Hub) -> None:
        self.client, self.hub = client, hub

    def get(self, path: str, **params: Any) -> Any:
        return self.client.get(path, params=params)

    def graph(self, path: str, **params: Any) -> Graph:
        r = self.get(path, **params)
        assert r.status_code == 200, r.text
        assert r.headers["content-type"] == "application/ld+json"
        return Graph().parse(data=r.text, format="json-ld")


@pytest.fixture(scope="module", params=["duckdb", "postgres"])
def live(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Live]:
    settings = make_settings(request.param, tmp_path_factory.mktemp(request.param), request)
    settings = settings.model_copy(update={"site_url": SITE + "/"})
    (settings.data_dir / "tmp").mkdir(parents=True, exist_ok=True)
    hub = Hub(settings)
    seed_all(hub, log=lambda *_: None)
    # One dataset unlike the seed: a district, a monthly update, KOGL type 3, no notes, a link resource.
    org = hub.catalog.create_organization(
        ADMIN, {"name": "bupyeong-data", "title": "부평구 데이터팀", "kind": "district", "sgg_code": "28237"}
    )
    ds = hub.catalog.create_dataset(
        ADMIN,
        {
            "name": EXTRA,
            "title": "부평구 버스 정류장",
            "owner_org": org["name"],
            "groups": ["transport"],
            "tags": ["버스", "정류장"],
            "license_id": "kogl-type3",
            "frequency": "monthly",
            "spatial": ["28237"],
            "temporal_start": "2024-01-01",
        },
    )
    hub.catalog.create_resource(
        ADMIN, {"package_id": ds["id"], "name": "정류장 목록(외부)", "url": "https://example.org/stops.csv"}
    )
    with TestClient(create_app(settings, hub)) as client:
        yield Live(client, hub)


@pytest.fixture(scope="session")
def shapes() -> Graph:
    return Graph().parse(SHAPES, format="turtle")


def validate(data: Graph, shapes: Graph) -> tuple[bool, str]:
    conforms, _, report = pyshacl.validate(data, shacl_graph=shapes, inference="rdfs", advanced=True)
    return conforms, report


def ds_iri(name: str) -> URIRef:
    return URIRef(f"{SITE}/dcat/dataset/{name}")


# ---------------------------------------------------------------------------------------------- validity
def test_catalogue_conforms_to_dcat_ap(live: Live, shapes: Graph) -> None:
    g = live.graph("/dcat/catalog.jsonld")
    catalog = URIRef(f"{SITE}/dcat/catalog")
    assert (catalog, RDF.type, DCAT.Catalog) in g
    conforms, report = validate(g, shapes)
    assert conforms, report


@pytest.mark.parametrize("name", [EXTRA, "incheon-districts", "plan-ii-23-population-by-district"])
def test_dataset_conforms_to_dcat_ap(live: Live, shapes: Graph, name: str) -> None:
    g = live.graph(f"/dcat/dataset/{name}.jsonld")
    assert (ds_iri(name), RDF.type, DCAT.Dataset) in g
    conforms, report = validate(g, shapes)
    assert conforms, report


def test_themes_document_conforms(live: Live, shapes: Graph) -> None:
    g = live.graph("/dcat/themes.jsonld")
    scheme = URIRef(f"{SITE}/dcat/themes")
    assert len(list(g.objects(scheme, SKOS.hasTopConcept))) == 11
    conforms, report = validate(g, shapes)
    assert conforms, report


def test_missing_mandatory_properties_fail_validation(live: Live, shapes: Graph) -> None:
    """The shapes do bite: without a dataset description, or a distribution's access URL, no conformance."""
    g = live.graph("/dcat/dataset/incheon-districts.jsonld")
    assert validate(g, shapes)[0]

    no_description = Graph() + g
    no_description.remove((ds_iri("incheon-districts"), DCTERMS.description, None))
    conforms, report = validate(no_description, shapes)
    assert not conforms
    assert "description" in report and "MinCount" in report

    no_access = Graph() + g
    dist = next(g.objects(ds_iri("incheon-districts"), DCAT.distribution))
    no_access.remove((dist, DCAT.accessURL, None))
    conforms, report = validate(no_access, shapes)
    assert not conforms
    assert "accessURL" in report

    wrong_range = Graph() + g  # a publisher that is not typed foaf:Agent breaks the range shapes
    publisher = next(g.objects(ds_iri("incheon-districts"), DCTERMS.publisher))
    wrong_range.remove((publisher, RDF.type, FOAF.Agent))
    assert not validate(wrong_range, shapes)[0]


# ---------------------------------------------------------------------------------------------- content
def test_every_dataset_appears_once(live: Live) -> None:
    r = live.get("/dcat/catalog.jsonld")
    doc = r.json()
    catalog = doc["@graph"][0]
    listed = [d["@id"] for d in catalog["dcat:dataset"]]
    names = live.hub.catalog.dataset_names()
    assert len(listed) == len(set(listed)) == len(names)
    assert set(listed) == {str(ds_iri(n)) for n in names}
    datasets = [n for n in doc["@graph"] if n.get("@type") == "dcat:Dataset"]
    assert len(datasets) == len(names)
    assert "hydra:view" not in catalog  # fewer than 1000 datasets: one document, no paging


def test_korean_literals_carry_ko(live: Live) -> None:
    g = live.graph("/dcat/catalog.jsonld")
    korean = [o for o in g.objects() if isinstance(o, Literal) and HANGUL.search(str(o))]
    assert len(korean) > 100
    assert [o for o in korean if o.language != "ko"] == []
    keywords = list(g.objects(None, DCAT.keyword))
    assert keywords and all(k.language == "ko" for k in keywords)
    titles = list(g.objects(ds_iri("incheon-districts"), DCTERMS.title))
    assert {t.language for t in titles} == {"ko", "en"}


def test_catalogue_metadata(live: Live) -> None:
    g = live.graph("/dcat/catalog.jsonld")
    catalog = URIRef(f"{SITE}/dcat/catalog")
    assert {t.language for t in g.objects(catalog, DCTERMS.title)} == {"ko", "en"}
    assert {t.language for t in g.objects(catalog, DCTERMS.description)} == {"ko", "en"}
    publisher = g.value(catalog, DCTERMS.publisher)
    assert (publisher, RDF.type, FOAF.Agent) in g
    assert "인천광역시" in {str(n) for n in g.objects(publisher, FOAF.name)}
    assert g.value(publisher, FOAF.homepage) == URIRef("https://www.incheon.go.kr")
    assert set(g.objects(catalog, DCTERMS.language)) == {
        URIRef(EU + "language/KOR"),
        URIRef(EU + "language/ENG"),
    }
    licence = g.value(catalog, DCTERMS.license)
    assert licence == URIRef("https://www.kogl.or.kr/info/licenseType1.do")
    assert (licence, RDF.type, DCTERMS.LicenseDocument) in g
    for prop in (DCTERMS.issued, DCTERMS.modified):
        assert g.value(catalog, prop).datatype == URIRef("http://www.w3.org/2001/XMLSchema#dateTime")
    schemes = set(g.objects(catalog, DCAT.themeTaxonomy))
    ours = URIRef(f"{SITE}/dcat/themes")
    assert ours in schemes and (ours, RDF.type, SKOS.ConceptScheme) in g
    concepts = set(g.objects(ours, SKOS.hasTopConcept))
    assert len(concepts) == 11 and all((c, RDF.type, SKOS.Concept) in g for c in concepts)


def test_dataset_metadata(live: Live) -> None:
    g = live.graph(f"/dcat/dataset/{EXTRA}.jsonld")
    ds = ds_iri(EXTRA)
    pkg = live.hub.catalog.dataset(EXTRA)
    assert str(g.value(ds, DCTERMS.identifier)) == pkg["id"]
    assert g.value(ds, DCAT.landingPage) == URIRef(f"{SITE}/dataset/{EXTRA}")
    assert str(g.value(ds, DCTERMS.description)) == "부평구 버스 정류장"  # no notes: the title stands in
    assert {str(k) for k in g.objects(ds, DCAT.keyword)} == {"버스", "정류장"}
    themes = set(g.objects(ds, DCAT.theme))
    assert themes == {URIRef(f"{SITE}/dcat/themes#transport"), URIRef(EU + "data-theme/TRAN")}
    assert g.value(ds, DCTERMS.accrualPeriodicity) == URIRef(EU + "frequency/MONTHLY")
    publisher = g.value(ds, DCTERMS.publisher)
    assert publisher == URIRef(f"{SITE}/dcat/organization/bupyeong-data")
    assert str(g.value(publisher, FOAF.name)) == "부평구 데이터팀"
    place = g.value(ds, DCTERMS.spatial)
    assert place == URIRef(f"{SITE}/dcat/district/28237")
    assert (place, RDF.type, DCTERMS.Location) in g
    assert str(g.value(place, DCAT.bbox)).startswith("POLYGON ((126.")
    assert str(g.value(place, DCAT.centroid)).startswith("POINT (126.")
    period = g.value(ds, DCTERMS.temporal)
    assert str(g.value(period, DCAT.startDate)) == "2024-01-01" and g.value(period, DCAT.endDate) is None
    for prop in (DCTERMS.issued, DCTERMS.modified):
        assert g.value(ds, prop).datatype == URIRef("http://www.w3.org/2001/XMLSchema#dateTime")
    licence = URIRef("https://www.kogl.or.kr/info/licenseType3.do")
    assert set(g.objects(licence, DCTERMS.type)) == {
        URIRef("http://purl.org/adms/licencetype/Attribution"),
        URIRef("http://purl.org/adms/licencetype/NoDerivativeWork"),
    }
    (link,) = g.objects(ds, DCAT.distribution)  # the link resource: access URL only, no download formats
    assert g.value(link, DCAT.accessURL) == URIRef("https://example.org/stops.csv")
    assert g.value(link, DCTERMS.license) == licence


def test_plan_table_citation(live: Live) -> None:
    g = live.graph("/dcat/dataset/plan-ii-23-population-by-district.jsonld")
    citation = g.value(ds_iri("plan-ii-23-population-by-district"), DCTERMS.bibliographicCitation)
    assert "표 II-23" in str(citation) and citation.language == "ko"


def test_distributions_per_format(live: Live) -> None:
    g = live.graph("/dcat/catalog.jsonld")
    pkg = live.hub.catalog.dataset("incheon-districts")
    rid = pkg["resources"][0]["id"]
    dists = {
        str(g.value(d, DCAT.downloadURL)): d
        for d in g.objects(ds_iri("incheon-districts"), DCAT.distribution)
    }
    expected = {
        "csv": ("CSV", "text/csv"),
        "json": ("JSON", "application/json"),
        "geojson": ("GEOJSON", "application/geo+json"),
        "parquet": ("PARQUET", "application/vnd.apache.parquet"),
    }
    assert set(dists) == {f"{SITE}/download/{rid}.{ext}" for ext in expected}
    for ext, (file_type, media) in expected.items():
        d = dists[f"{SITE}/download/{rid}.{ext}"]
        assert g.value(d, DCAT.accessURL) == URIRef(f"{SITE}/download/{rid}.{ext}")
        assert g.value(d, DCTERMS.format) == URIRef(f"{EU}file-type/{file_type}")
        assert g.value(d, DCAT.mediaType) == URIRef(f"https://www.iana.org/assignments/media-types/{media}")
        assert g.value(d, DCTERMS.license) == URIRef("https://www.kogl.or.kr/info/licenseType1.do")
        assert g.value(d, DCATAP.availability) == URIRef("http://data.europa.eu/r5r/availability/stable")
        assert g.value(d, DCTERMS.modified) is not None
        # The download URL answers (the downloads module serves /download/{rid}.{ext}).
        assert live.get(f"/download/{rid}.{ext}").status_code == 200
    size = g.value(dists[f"{SITE}/download/{rid}.parquet"], DCAT.byteSize)
    assert size.datatype == URIRef("http://www.w3.org/2001/XMLSchema#nonNegativeInteger")
    assert int(size) == len(live.get(f"/download/{rid}.parquet").content)
    # A table without location columns has no GeoJSON distribution (the download would be a 400).
    plan = live.hub.catalog.dataset("plan-v-1-budget")["resources"][0]["id"]
    urls = {str(o) for o in g.objects(None, DCAT.downloadURL)}
    assert f"{SITE}/download/{plan}.csv" in urls and f"{SITE}/download/{plan}.geojson" not in urls
    assert live.get(f"/download/{plan}.geojson").status_code == 400


def test_paging_with_hydra(live: Live, shapes: Graph) -> None:
    total = len(live.hub.catalog.dataset_names())
    seen: list[str] = []
    page, pages = 1, -(-total // 10)
    while True:
        doc = live.get("/dcat/catalog.jsonld", page=page, page_size=10).json()
        catalog = doc["@graph"][0]
        view = catalog["hydra:view"]
        assert view["@type"] == "hydra:PartialCollectionView"
        assert int(catalog["hydra:totalItems"]["@value"]) == total
        assert view["hydra:last"]["@id"].endswith(f"page={pages}&page_size=10")
        seen += [d["@id"] for d in catalog["dcat:dataset"]]
        if "hydra:next" not in view:
            break
        page += 1
    assert page == pages and len(seen) == len(set(seen)) == total
    g = live.graph("/dcat/catalog.jsonld", page=2, page_size=10)
    assert (None, HYDRA.previous, None) in g
    conforms, report = validate(g, shapes)
    assert conforms, report
    r = live.get("/dcat/catalog.jsonld", page=pages + 1, page_size=10)
    assert r.status_code == 404 and r.json()["error"]["message_ko"]


def test_unknown_dataset_is_a_bilingual_404(live: Live) -> None:
    r = live.get("/dcat/dataset/no-such-dataset.jsonld")
    assert r.status_code == 404
    error = r.json()["error"]
    assert "찾을 수 없습니다" in error["message_ko"] and "not found" in error["message_en"]
    assert live.get("/dcat/district/99999.jsonld").status_code == 404
    assert live.get("/dcat/organization/nobody.jsonld").status_code == 404


def test_iris_dereference(live: Live) -> None:
    """Every IRI the catalogue mints under /dcat answers with a description of that thing."""
    g = live.graph("/dcat/catalog.jsonld")
    minted = {s for s in g.subjects() if isinstance(s, URIRef) and str(s).startswith(f"{SITE}/dcat/")}
    paths = {str(s).removeprefix(SITE).split("#")[0] for s in minted}
    assert {
        "/dcat/catalog",
        "/dcat/themes",
        "/dcat/district/28000",
        "/dcat/organization/incheon-city",
    } <= paths
    for path in sorted(paths):
        doc = live.graph(path)
        assert (URIRef(SITE + path), RDF.type, None) in doc, path
