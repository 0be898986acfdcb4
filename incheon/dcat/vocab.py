"""From the hub's vocabularies (incheon.hub.vocab) to the controlled vocabularies DCAT-AP expects:
EU Publications Office authority tables, IANA media types and ADMS concept schemes.

Every external concept is emitted with its rdf:type and a label, so the catalogue validates against the
DCAT-AP SHACL range shapes without loading the vocabularies themselves.
"""

from __future__ import annotations

from dataclasses import dataclass

EU = "http://publications.europa.eu/resource/authority/"
IANA = "https://www.iana.org/assignments/media-types/"
ADMS_LICENCE_TYPE = "http://purl.org/adms/licencetype/"
ADMS_PUBLISHER_TYPE = "http://purl.org/adms/publishertype/"

#: hub frequency key -> code in the EU frequency authority table.
FREQUENCY_CODES: dict[str, str] = {
    "continuous": "CONT",
    "daily": "DAILY",
    "weekly": "WEEKLY",
    "monthly": "MONTHLY",
    "quarterly": "QUARTERLY",
    "annual": "ANNUAL",
    "irregular": "IRREG",
    "never": "NEVER",
}

#: EU data-theme authority table: code -> English preferred label.
EU_THEMES: dict[str, str] = {
    "AGRI": "Agriculture, fisheries, forestry and food",
    "ECON": "Economy and finance",
    "EDUC": "Education, culture and sport",
    "ENVI": "Environment",
    "GOVE": "Government and public sector",
    "HEAL": "Health",
    "JUST": "Justice, legal system and public safety",
    "REGI": "Regions and cities",
    "SOCI": "Population and society",
    "TECH": "Science and technology",
    "TRAN": "Transport",
}

#: The plan's policy fields (hub THEMES keys) -> EU data themes, where the match is obvious.
THEME_TO_EU: dict[str, tuple[str, ...]] = {
    "education": ("EDUC",),
    "culture-tourism": ("EDUC",),
    "environment": ("ENVI",),
    "health-welfare": ("HEAL", "SOCI"),
    "science-technology": ("TECH",),
    "safety": ("JUST",),
    "regional-development": ("REGI",),
    "agriculture-fisheries": ("AGRI",),
    "industry": ("ECON",),
    "transport": ("TRAN",),
    "administration": ("GOVE",),
}

#: 공공누리 type -> ADMS licence-type concepts (code, English label).
KOGL_LICENCE_TYPES: dict[str, tuple[tuple[str, str], ...]] = {
    "kogl-type1": (("Attribution", "Attribution"),),
    "kogl-type2": (("Attribution", "Attribution"), ("NonCommercialUseOnly", "Non-Commercial Use Only")),
    "kogl-type3": (("Attribution", "Attribution"), ("NoDerivativeWork", "No Derivative Work")),
    "kogl-type4": (
        ("Attribution", "Attribution"),
        ("NonCommercialUseOnly", "Non-Commercial Use Only"),
        ("NoDerivativeWork", "No Derivative Work"),
    ),
}

#: Organisation kinds in the hub -> ADMS publisher type (code, English label).
PUBLISHER_TYPES: dict[str, tuple[str, str]] = {
    "city": ("LocalAuthority", "Local Authority"),
    "district": ("LocalAuthority", "Local Authority"),
}

#: Languages of the metadata: hub code -> (EU language code, label in Korean, label in English).
LANGUAGES: dict[str, tuple[str, str, str]] = {
    "ko": ("KOR", "한국어", "Korean"),
    "en": ("ENG", "영어", "English"),
}


@dataclass(frozen=True)
class Format:
    """One download format: the URL suffix, the EU file type, the IANA media type and a label."""

    ext: str
    file_type: str
    media_type: str
    label: str
    note_ko: str
    note_en: str


#: The download formats of a published resource (served under /download/{rid}.{ext}).
CSV = Format("csv", "CSV", "text/csv", "CSV", "CSV (UTF-8, BOM 포함)", "CSV (UTF-8 with BOM)")
JSON = Format("json", "JSON", "application/json", "JSON", "JSON", "JSON")
GEOJSON = Format(
    "geojson", "GEOJSON", "application/geo+json", "GeoJSON", "GeoJSON (WGS84)", "GeoJSON (WGS84)"
)
PARQUET = Format(
    "parquet", "PARQUET", "application/vnd.apache.parquet", "Parquet", "Apache Parquet", "Apache Parquet"
)
FORMATS: tuple[Format, ...] = (CSV, JSON, GEOJSON, PARQUET)

#: Resource formats a publisher may declare for a link-only resource -> our Format.
FORMAT_BY_NAME: dict[str, Format] = {f.label.upper(): f for f in FORMATS} | {"GEO+JSON": GEOJSON}
