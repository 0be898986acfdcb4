"""Publish the seed content through the hub's public API, like any publisher would: the plan's tables
(from `plan_tables`/`plan_tasks`, each citing its table number) and the base layers (districts, dongs).

Idempotent: a dataset whose current version already has the same content is left alone.
"""

from __future__ import annotations

import csv
import hashlib
import io
import json
import tempfile
from dataclasses import asdict
from pathlib import Path
from typing import Any

from incheon.hub.auth import Principal
from incheon.hub.geo import DATA, DISTRICT_NAMES_EN, base_layers
from incheon.hub.hub import Hub
from incheon.seed.model import SeedTable

CITY_ORG = {
    "name": "incheon-city",
    "title": "인천광역시",
    "title_en": "Incheon Metropolitan City",
    "kind": "city",
    "description": "인천광역시 본청 (제6차 지능정보화 기본계획 수립 기관)",
}
PLAN_CITATION = "제6차 인천광역시 지능정보화 기본계획(2024~2026)"
SEED_PRINCIPAL = Principal(user_id="seed", name="seed", sysadmin=True)


def _csv_bytes(columns: list[str], rows: list[tuple]) -> bytes:
    buf = io.StringIO()
    w = csv.writer(buf)
    w.writerow(columns)
    for r in rows:
        w.writerow(["" if v is None else v for v in r])
    return buf.getvalue().encode("utf-8")


def ensure_organizations(hub: Hub) -> None:
    existing = {o["name"] for o in hub.catalog.organizations()}
    if CITY_ORG["name"] not in existing:
        hub.catalog.create_organization(SEED_PRINCIPAL, CITY_ORG)
    for code, name in base_layers().districts.items():
        slug = "incheon-" + DISTRICT_NAMES_EN[code].lower().replace("-gu", "gu").replace("-gun", "gun")
        if slug not in existing:
            hub.catalog.create_organization(
                SEED_PRINCIPAL,
                {
                    "name": slug,
                    "title": f"인천광역시 {name}",
                    "title_en": f"{DISTRICT_NAMES_EN[code]}, Incheon",
                    "kind": "district",
                    "sgg_code": code,
                },
            )


def publish_table(hub: Hub, table: SeedTable, org: str = "incheon-city") -> str:
    """Create or refresh one dataset from a SeedTable; returns 'created', 'updated' or 'unchanged'."""
    data = _csv_bytes([c for c, _ in table.columns], table.rows)
    meta: dict[str, Any] = {
        "name": table.name,
        "title": table.title_ko,
        "title_en": table.title_en,
        "notes": table.description_ko + ("\n\n추출 메모: " + " / ".join(table.notes) if table.notes else ""),
        "notes_en": table.description_en,
        "owner_org": org,
        "groups": [table.theme],
        "tags": table.keywords,
        "license_id": "kogl-type1",
        "frequency": "never",
        "source": table.source,
        "table_ref": table.table_ref,
        "unit": table.unit,
        "temporal_start": table.temporal_start,
        "temporal_end": table.temporal_end,
        "spatial": ["28000"],
        "extras": {"seed": "plan", "synthetic": "false"},
    }
    try:
        ds = hub.catalog.dataset(table.name)
        status = "updated"
    except Exception:  # noqa: BLE001 - not found: create it
        ds = hub.catalog.create_dataset(SEED_PRINCIPAL, meta)
        status = "created"
    sha = hashlib.sha256(data).hexdigest()
    if ds["resources"]:
        rid = ds["resources"][0]["id"]
        if hub.catalog.version(rid)["sha256"] == sha:
            return "unchanged"
        hub.catalog.update_dataset(SEED_PRINCIPAL, {"id": ds["id"], **meta}, patch=True)
    else:
        rid = None
    types = {c: t for c, t in table.columns}
    expectations = [asdict(e) for e in table.expectations]
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / f"{table.name}.csv"
        path.write_bytes(data)
        staged = hub.stage_upload(
            rid,
            path,
            path.name,
            encoding="utf-8",
            types=types,
            expectations=expectations,
            non_additive=table.non_additive_columns,
        )
        try:
            if rid is None:
                hub.catalog.publish_version(
                    SEED_PRINCIPAL,
                    None,
                    staged,
                    path.name,
                    new_resource={
                        "package_id": ds["id"],
                        "name": table.title_ko,
                        "name_en": table.title_en,
                        "format": "CSV",
                    },
                )
            else:
                hub.catalog.publish_version(SEED_PRINCIPAL, rid, staged, path.name)
        finally:
            staged.cleanup()
    return status


def base_layer_tables() -> list[SeedTable]:
    """The ten districts (boundaries + 2022 population from Table II-23) and the dong centroids."""
    from incheon.seed.plan_tables import districts_population_table

    pop = districts_population_table()
    pop_by_code = {r["sgg_code"]: r for r in pop.records()}
    layers = base_layers()
    geoms = {
        f["properties"]["sgg_code"]: json.dumps(f["geometry"], separators=(",", ":"))
        for f in layers.districts_geojson["features"]
    }
    rows = [
        (code, name, DISTRICT_NAMES_EN[code], pop_by_code.get(code, {}).get("population_2022"), geoms[code])
        for code, name in layers.districts.items()
    ]
    districts = SeedTable(
        name="incheon-districts",
        table_ref="기본 레이어 / 표 II-23",
        title_ko="인천광역시 군·구 경계와 2022년 인구",
        title_en="Incheon's ten districts: boundaries and 2022 population",
        description_ko="인천의 10개 군·구 경계(WGS84, 일반화된 지도용 경계)와 2022년 인구(기본계획 표 II-23).",
        description_en="The ten districts of Incheon (WGS84, generalised for maps) with 2022 population "
        "(plan Table II-23).",
        theme="administration",
        keywords=["행정구역", "군구", "경계", "인구", "기본레이어"],
        source=f"경계: 플랫폼 인천 기본 레이어 districts_2022.geojson; 인구: {pop.source}",
        unit="명",
        columns=[
            ("sgg_code", "VARCHAR"),
            ("name", "VARCHAR"),
            ("name_en", "VARCHAR"),
            ("population_2022", "BIGINT"),
            ("geometry", "VARCHAR"),
        ],
        rows=rows,
        district_column="sgg_code",
        temporal_start="2022-01-01",
        temporal_end="2022-12-31",
    )
    dong_rows = []
    with (DATA / "admin_centroids_utmk.tsv").open(encoding="utf-8") as fh:
        for r in csv.DictReader(fh, delimiter="\t"):
            dong_rows.append(
                (r["ADMCD"], r["ADMNM"], float(r["X"]), float(r["Y"]), layers.code_status(r["ADMCD"]))
            )
    dongs = SeedTable(
        name="incheon-admin-dong-centroids",
        table_ref="기본 레이어",
        title_ko="인천광역시 행정동 코드와 대표 좌표(UTM-K)",
        title_en="Incheon administrative-dong codes with representative points (UTM-K)",
        description_ko="행정동(10자리) 코드와 대표점 좌표(EPSG:5179). 폐지된 옛 코드(예: 2817 남구)도 포함하며 "
        "code_status 열이 현재/과거 코드를 구분합니다.",
        description_en="Administrative-dong codes with a representative point (EPSG:5179), historical codes "
        "included (code_status tells current from historical).",
        theme="administration",
        keywords=["행정동", "행정구역", "코드", "좌표", "기본레이어"],
        source="플랫폼 인천 기본 레이어 admin_centroids_utmk.tsv (행정동 코드·대표점)",
        unit="m (EPSG:5179)",
        columns=[
            ("admcd", "VARCHAR"),
            ("admnm", "VARCHAR"),
            ("x", "DOUBLE"),
            ("y", "DOUBLE"),
            ("code_status", "VARCHAR"),
        ],
        rows=dong_rows,
    )
    return [districts, dongs]


def seed_all(hub: Hub, log: Any = print) -> dict[str, str]:
    """Everything the platform ships; returns dataset name → status."""
    from incheon.seed.plan_tables import all_seed_tables

    ensure_organizations(hub)
    out = {}
    for table in [*base_layer_tables(), *all_seed_tables()]:
        out[table.name] = publish_table(hub, table)
        log(f"{out[table.name]:9} {table.name} ({table.table_ref}, {len(table.rows)}행)")
    return out
