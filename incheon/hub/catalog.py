"""The catalogue: organisations, themes, datasets (DCAT-style metadata), resources and their versions.

Every write checks the caller's rights, runs in one transaction with its audit line, and announces
itself on the event bus after commit. A resource's versions are immutable tables plus Parquet files;
publishing a version is one transaction, so a failed upload leaves the previous version current.
"""

from __future__ import annotations

import json
import os
from datetime import date
from pathlib import Path
from typing import Any

from incheon.errors import BadRequest, Conflict, not_found
from incheon.hub import audit
from incheon.hub.auth import Principal
from incheon.hub.events import EventBus
from incheon.hub.geo import base_layers
from incheon.hub.ingest.pipeline import Staged
from incheon.hub.ingest.types import CKAN_TYPES
from incheon.hub.storage.base import Store
from incheon.hub.util import check_name, dumps, iso, new_id, now
from incheon.hub.vocab import FREQUENCIES, LICENSES, THEMES

#: Metadata keys a publisher may set on a dataset (beyond name/owner_org/groups/tags/resources).
DATASET_FIELDS = (
    "title",
    "title_en",
    "notes",
    "notes_en",
    "license_id",
    "frequency",
    "spatial",
    "temporal_start",
    "temporal_end",
    "source",
    "url",
    "version",
    "author",
    "maintainer",
    "maintainer_email",
    "language",
    "table_ref",
    "unit",
    "extras",
)
RESOURCE_FIELDS = ("name", "name_en", "description", "format", "url", "mimetype")


def _as_names(value: Any, field: str) -> list[str]:
    """CKAN sends tags/groups as [{"name": x}]; people send ["x"] or "a,b"."""
    if value in (None, ""):
        return []
    if isinstance(value, str):
        value = [v for v in (s.strip() for s in value.split(",")) if v]
    if not isinstance(value, list):
        raise BadRequest(f"{field}은(는) 목록이어야 합니다.", f"{field} must be a list.", field=field)
    out = []
    for v in value:
        name = v.get("name") if isinstance(v, dict) else v
        if not isinstance(name, str) or not name.strip():
            raise BadRequest(f"{field}의 항목이 올바르지 않습니다.", f"Invalid item in {field}.", field=field)
        out.append(name.strip())
    return out


def _check_date(value: Any, field: str) -> str | None:
    if value in (None, ""):
        return None
    try:
        return date.fromisoformat(str(value)[:10]).isoformat()
    except ValueError:
        raise BadRequest(
            f"{field}은(는) YYYY-MM-DD 날짜여야 합니다: {value}",
            f"{field} must be a YYYY-MM-DD date: {value}",
            field=field,
        ) from None


class Catalog:
    def __init__(self, store: Store, events: EventBus) -> None:
        self.store = store
        self.events = events
        self.lake = store.data_dir / "lake"

    # ---------------------------------------------------------------- organisations and themes
    def create_organization(self, principal: Principal, data: dict[str, Any]) -> dict[str, Any]:
        principal.require_sysadmin()
        name = check_name(data.get("name"), "기관 이름", "organization name")
        title = data.get("title") or data.get("title_ko")
        if not title:
            raise BadRequest(
                "기관 제목(title)이 필요합니다.", "Organization title is required.", field="title"
            )
        if self.store.query("SELECT 1 FROM hub.organizations WHERE name = ?", [name]):
            raise Conflict(
                f"이미 있는 기관입니다: {name}", f"Organization already exists: {name}", field="name"
            )
        oid = new_id()
        with self.store.transaction() as tx:
            tx.execute(
                "INSERT INTO hub.organizations (id, name, title_ko, title_en, description, kind, sgg_code, created) "
                "VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
                [
                    oid,
                    name,
                    title,
                    data.get("title_en"),
                    data.get("description", ""),
                    data.get("kind", "city"),
                    data.get("sgg_code"),
                    now(),
                ],
            )
            audit.record(tx, principal.name, "organization.create", "organization", oid, name=name)
        self.events.publish("organization.created", {"id": oid, "name": name})
        return self.organization(name)

    def organization(self, name_or_id: str) -> dict[str, Any]:
        rows = self.store.query_dicts(
            "SELECT o.*, (SELECT count(*) FROM hub.datasets d WHERE d.org_id = o.id AND d.state = 'active') "
            "AS package_count FROM hub.organizations o WHERE o.name = ? OR o.id = ?",
            [name_or_id, name_or_id],
        )
        if not rows:
            raise not_found("기관", "Organization", name_or_id)
        return self._org_dict(rows[0])

    def organizations(self) -> list[dict[str, Any]]:
        rows = self.store.query_dicts(
            "SELECT o.*, (SELECT count(*) FROM hub.datasets d WHERE d.org_id = o.id AND d.state = 'active') "
            "AS package_count FROM hub.organizations o ORDER BY o.name"
        )
        return [self._org_dict(r) for r in rows]

    @staticmethod
    def _org_dict(r: dict[str, Any]) -> dict[str, Any]:
        return {
            "id": r["id"],
            "name": r["name"],
            "title": r["title_ko"],
            "title_en": r["title_en"],
            "display_name": r["title_ko"],
            "description": r["description"] or "",
            "kind": r["kind"],
            "sgg_code": r["sgg_code"],
            "type": "organization",
            "is_organization": True,
            "state": "active",
            "created": iso(r["created"]),
            "package_count": int(r.get("package_count") or 0),
        }

    def ensure_themes(self) -> None:
        """The plan's policy fields as CKAN groups; idempotent."""
        existing = {r[0] for r in self.store.query("SELECT name FROM hub.groups")}
        missing = [(k, v) for k, v in THEMES.items() if k not in existing]
        if not missing:
            return
        with self.store.transaction() as tx:
            tx.executemany(
                "INSERT INTO hub.groups (id, name, title_ko, title_en, description, created) VALUES (?, ?, ?, ?, ?, ?)",
                [
                    (new_id(), k, ko, en, "제6차 지능정보화 기본계획의 정책 분야 (표 II-89~II-119)", now())
                    for k, (ko, en) in missing
                ],
            )

    def groups(self) -> list[dict[str, Any]]:
        rows = self.store.query_dicts("SELECT * FROM hub.groups ORDER BY name")
        counts = self._group_counts()
        return [
            {
                "id": r["id"],
                "name": r["name"],
                "title": r["title_ko"],
                "title_en": r["title_en"],
                "display_name": r["title_ko"],
                "description": r["description"],
                "type": "group",
                "is_organization": False,
                "package_count": counts.get(r["name"], 0),
            }
            for r in rows
        ]

    def group(self, name_or_id: str) -> dict[str, Any]:
        for g in self.groups():
            if name_or_id in (g["name"], g["id"]):
                return g
        raise not_found("주제", "Group", name_or_id)

    def _group_counts(self) -> dict[str, int]:
        counts: dict[str, int] = {}
        for (meta,) in self.store.query("SELECT meta FROM hub.datasets WHERE state = 'active'"):
            for g in json.loads(meta).get("groups", []):
                counts[g] = counts.get(g, 0) + 1
        return counts

    # ---------------------------------------------------------------- datasets
    def _validate_meta(self, data: dict[str, Any], base: dict[str, Any] | None = None) -> dict[str, Any]:
        meta = dict(base or {})
        for key in DATASET_FIELDS:
            if key in data:
                meta[key] = data[key]
        if "tags" in data or "keywords" in data:
            meta["tags"] = _as_names(data.get("tags", data.get("keywords")), "tags")
        if "groups" in data or "themes" in data:
            meta["groups"] = _as_names(data.get("groups", data.get("themes")), "groups")
        meta.setdefault("tags", [])
        meta.setdefault("groups", [])
        if not meta.get("title"):
            raise BadRequest("제목(title)이 필요합니다.", "A title is required.", field="title")
        meta.setdefault("license_id", "kogl-type1")
        if meta["license_id"] not in LICENSES:
            raise BadRequest(
                f"라이선스는 공공누리 유형 중 하나여야 합니다: {sorted(LICENSES)}",
                f"license_id must be one of the KOGL types: {sorted(LICENSES)}",
                field="license_id",
            )
        meta.setdefault("frequency", "irregular")
        if meta["frequency"] not in FREQUENCIES:
            raise BadRequest(
                f"갱신 주기는 {sorted(FREQUENCIES)} 중 하나여야 합니다.",
                f"frequency must be one of {sorted(FREQUENCIES)}.",
                field="frequency",
            )
        known = {r[0] for r in self.store.query("SELECT name FROM hub.groups")}
        unknown = [g for g in meta["groups"] if g not in known]
        if unknown:
            raise BadRequest(
                f"없는 주제입니다: {unknown}", f"Unknown groups (themes): {unknown}", field="groups"
            )
        spatial = _as_names(meta.get("spatial"), "spatial")
        layers = base_layers()
        bad = [c for c in spatial if c != "28000" and not layers.sgg_for_code(c)]
        if bad:
            raise BadRequest(
                f"공간 범위는 군·구 코드(5자리)여야 합니다: {bad}",
                f"spatial must list 5-digit district codes: {bad}",
                field="spatial",
            )
        meta["spatial"] = spatial
        for key in ("temporal_start", "temporal_end"):
            meta[key] = _check_date(meta.get(key), key)
        if meta["temporal_start"] and meta["temporal_end"] and meta["temporal_start"] > meta["temporal_end"]:
            raise BadRequest(
                "시간 범위의 시작이 끝보다 늦습니다.",
                "temporal_start is after temporal_end.",
                field="temporal_start",
            )
        if "extras" in meta and isinstance(meta["extras"], list):
            meta["extras"] = {
                e["key"]: e.get("value") for e in meta["extras"] if isinstance(e, dict) and "key" in e
            }
        return meta

    def _org_id(self, name_or_id: Any) -> str:
        if not name_or_id:
            raise BadRequest(
                "소유 기관(owner_org)이 필요합니다.", "owner_org is required.", field="owner_org"
            )
        return self.organization(str(name_or_id))["id"]

    def create_dataset(self, principal: Principal, data: dict[str, Any]) -> dict[str, Any]:
        name = check_name(data.get("name"), "데이터셋 이름", "dataset name")
        org_id = self._org_id(data.get("owner_org"))
        principal.require_publish(org_id)
        meta = self._validate_meta(data)
        if self.store.query("SELECT 1 FROM hub.datasets WHERE name = ?", [name]):
            raise Conflict(
                f"이미 있는 데이터셋 이름입니다: {name}", f"That URL is already in use: {name}", field="name"
            )
        did, ts = new_id(), now()
        with self.store.transaction() as tx:
            tx.execute(
                "INSERT INTO hub.datasets (id, name, org_id, meta, state, created, modified) "
                "VALUES (?, ?, ?, ?, 'active', ?, ?)",
                [did, name, org_id, dumps(meta), ts, ts],
            )
            audit.record(tx, principal.name, "dataset.create", "dataset", did, name=name)
        self.events.publish("dataset.created", {"id": did, "name": name})
        return self.dataset(did)

    def update_dataset(self, principal: Principal, data: dict[str, Any], patch: bool) -> dict[str, Any]:
        current = self._dataset_row(data.get("id") or data.get("name"))
        principal.require_publish(current["org_id"])
        org_id = current["org_id"]
        if data.get("owner_org"):
            org_id = self._org_id(data["owner_org"])
            principal.require_publish(org_id)
        base = json.loads(current["meta"]) if patch else {}
        meta = self._validate_meta(data, base)
        with self.store.transaction() as tx:
            tx.execute(
                "UPDATE hub.datasets SET meta = ?, org_id = ?, modified = ? WHERE id = ?",
                [dumps(meta), org_id, now(), current["id"]],
            )
            audit.record(
                tx,
                principal.name,
                "dataset.patch" if patch else "dataset.update",
                "dataset",
                current["id"],
                fields=sorted(k for k in data if k != "id"),
            )
        self.events.publish("dataset.updated", {"id": current["id"], "name": current["name"]})
        return self.dataset(current["id"])

    def delete_dataset(self, principal: Principal, name_or_id: str) -> None:
        """Soft delete (CKAN semantics): hidden from lists and search, versions kept for the record."""
        current = self._dataset_row(name_or_id)
        principal.require_publish(current["org_id"])
        with self.store.transaction() as tx:
            tx.execute(
                "UPDATE hub.datasets SET state = 'deleted', modified = ? WHERE id = ?", [now(), current["id"]]
            )
            audit.record(tx, principal.name, "dataset.delete", "dataset", current["id"])
        self.events.publish("dataset.deleted", {"id": current["id"], "name": current["name"]})

    def _dataset_row(self, name_or_id: Any, include_deleted: bool = False) -> dict[str, Any]:
        if not name_or_id:
            raise BadRequest("id 또는 name이 필요합니다.", "id or name is required.", field="id")
        rows = self.store.query_dicts("SELECT * FROM hub.datasets WHERE name = ? OR id = ?", [name_or_id] * 2)
        if not rows or (rows[0]["state"] != "active" and not include_deleted):
            raise not_found("데이터셋", "Dataset", str(name_or_id))
        return rows[0]

    def dataset_names(self) -> list[str]:
        return [
            r[0]
            for r in self.store.query("SELECT name FROM hub.datasets WHERE state = 'active' ORDER BY name")
        ]

    def dataset_ids(self) -> list[str]:
        return [r[0] for r in self.store.query("SELECT id FROM hub.datasets WHERE state = 'active'")]

    def dataset(self, name_or_id: str) -> dict[str, Any]:
        """The CKAN package dict."""
        return self.datasets([self._dataset_row(name_or_id)["id"]])[0]

    def datasets(self, ids: list[str]) -> list[dict[str, Any]]:
        """Package dicts for many ids in few queries (package_search pages)."""
        if not ids:
            return []
        marks = ", ".join("?" for _ in ids)
        rows = {
            r["id"]: r
            for r in self.store.query_dicts(f"SELECT * FROM hub.datasets WHERE id IN ({marks})", ids)
        }
        # Only the organisations and themes these datasets name, without the per-organisation and per-theme
        # dataset counts (counting themes reads every dataset: too much for each search page).
        org_ids = sorted({r["org_id"] for r in rows.values()})
        orgs = {
            o["id"]: self._org_dict(o)
            for o in self.store.query_dicts(
                f"SELECT * FROM hub.organizations WHERE id IN ({', '.join('?' for _ in org_ids)})", org_ids
            )
        }
        groups = {
            g["name"]: {
                "id": g["id"],
                "name": g["name"],
                "title": g["title_ko"],
                "title_en": g["title_en"],
                "display_name": g["title_ko"],
            }
            for g in self.store.query_dicts("SELECT id, name, title_ko, title_en FROM hub.groups")
        }
        res_by_ds: dict[str, list] = {}
        for r in self.store.query_dicts(
            f"SELECT r.*, v.row_count, v.size_bytes, v.schema_json, v.quality_json, v.encoding, v.created AS vcreated "
            f"FROM hub.resources r LEFT JOIN hub.versions v ON v.resource_id = r.id AND v.version = r.current_version "
            f"WHERE r.dataset_id IN ({marks}) AND r.state = 'active' ORDER BY r.position",
            ids,
        ):
            res_by_ds.setdefault(r["dataset_id"], []).append(self._resource_dict(r))
        return [self._package_dict(rows[i], orgs, groups, res_by_ds.get(i, [])) for i in ids if i in rows]

    @staticmethod
    def _package_dict(row: dict, orgs: dict, groups: dict, resources: list) -> dict[str, Any]:
        meta = json.loads(row["meta"])
        org = orgs.get(row["org_id"], {})
        lic = LICENSES.get(meta.get("license_id"), {})
        freq = FREQUENCIES.get(meta.get("frequency", ""), ("", ""))
        extras = meta.get("extras") or {}
        pkg = {
            "id": row["id"],
            "name": row["name"],
            "type": "dataset",
            "state": row["state"],
            "private": False,
            "title": meta.get("title"),
            "title_en": meta.get("title_en"),
            "notes": meta.get("notes", ""),
            "notes_en": meta.get("notes_en", ""),
            "owner_org": row["org_id"],
            "organization": {
                k: org.get(k) for k in ("id", "name", "title", "title_en", "description", "type")
            },
            "groups": [
                {k: groups[g][k] for k in ("id", "name", "title", "title_en", "display_name")}
                for g in meta.get("groups", [])
                if g in groups
            ],
            "tags": [{"name": t, "display_name": t} for t in meta.get("tags", [])],
            "num_tags": len(meta.get("tags", [])),
            "license_id": meta.get("license_id"),
            "license_title": lic.get("title"),
            "license_url": lic.get("url"),
            "frequency": meta.get("frequency"),
            "frequency_ko": freq[0],
            "spatial": meta.get("spatial", []),
            "temporal_start": meta.get("temporal_start"),
            "temporal_end": meta.get("temporal_end"),
            "source": meta.get("source", ""),
            "table_ref": meta.get("table_ref"),
            "unit": meta.get("unit"),
            "url": meta.get("url", ""),
            "version": meta.get("version"),
            "author": meta.get("author"),
            "maintainer": meta.get("maintainer"),
            "language": meta.get("language", "ko"),
            "metadata_created": iso(row["created"]),
            "metadata_modified": iso(row["modified"]),
            "resources": resources,
            "num_resources": len(resources),
            "extras": [{"key": k, "value": v if isinstance(v, str) else dumps(v)} for k, v in extras.items()],
        }
        return pkg

    @staticmethod
    def _resource_dict(r: dict[str, Any]) -> dict[str, Any]:
        meta = json.loads(r["meta"])
        schema = json.loads(r["schema_json"]) if r.get("schema_json") else []
        quality = json.loads(r["quality_json"]) if r.get("quality_json") else None
        return {
            "id": r["id"],
            "package_id": r["dataset_id"],
            "position": int(r["position"]),
            "name": meta.get("name", ""),
            "name_en": meta.get("name_en"),
            "description": meta.get("description", ""),
            "format": meta.get("format", ""),
            "mimetype": meta.get("mimetype"),
            "url": f"/download/{r['id']}.csv" if r.get("current_version") else meta.get("url", ""),
            "url_type": "upload" if r.get("current_version") else None,
            "datastore_active": r.get("current_version") is not None,
            "version": r.get("current_version"),
            "size": r.get("size_bytes"),
            "rows": r.get("row_count"),
            "encoding": r.get("encoding"),
            "fields": [
                {
                    "id": f["id"],
                    "type": CKAN_TYPES.get(f["type"], "text"),
                    "native_type": f["type"],
                    "role": f.get("role"),
                }
                for f in schema
            ],
            "quality_score": quality.get("score") if quality else None,
            "created": iso(r["created"]),
            "last_modified": iso(r.get("vcreated") or r["modified"]),
            "state": r["state"],
        }

    # ---------------------------------------------------------------- resources and versions
    def create_resource(self, principal: Principal, data: dict[str, Any]) -> dict[str, Any]:
        ds = self._dataset_row(data.get("package_id"))
        principal.require_publish(ds["org_id"])
        meta = {k: data[k] for k in RESOURCE_FIELDS if k in data}
        rid, ts = new_id(), now()
        pos = self.store.query("SELECT count(*) FROM hub.resources WHERE dataset_id = ?", [ds["id"]])[0][0]
        with self.store.transaction() as tx:
            tx.execute(
                "INSERT INTO hub.resources (id, dataset_id, position, meta, current_version, created, modified, state) "
                "VALUES (?, ?, ?, ?, NULL, ?, ?, 'active')",
                [rid, ds["id"], pos, dumps(meta), ts, ts],
            )
            audit.record(tx, principal.name, "resource.create", "resource", rid, dataset=ds["name"])
        return self.resource(rid)

    def update_resource_meta(self, principal: Principal, data: dict[str, Any]) -> dict[str, Any]:
        row = self._resource_row(data.get("id"))
        ds = self._dataset_row(row["dataset_id"])
        principal.require_publish(ds["org_id"])
        meta = json.loads(row["meta"])
        meta.update({k: data[k] for k in RESOURCE_FIELDS if k in data})
        with self.store.transaction() as tx:
            tx.execute(
                "UPDATE hub.resources SET meta = ?, modified = ? WHERE id = ?",
                [dumps(meta), now(), row["id"]],
            )
            audit.record(tx, principal.name, "resource.update", "resource", row["id"])
        return self.resource(row["id"])

    def _resource_row(self, rid: Any) -> dict[str, Any]:
        rows = self.store.query_dicts(
            "SELECT * FROM hub.resources WHERE id = ? AND state = 'active'", [rid or ""]
        )
        if not rows:
            raise not_found("리소스", "Resource", str(rid))
        return rows[0]

    def resource(self, rid: str) -> dict[str, Any]:
        rows = self.store.query_dicts(
            "SELECT r.*, v.row_count, v.size_bytes, v.schema_json, v.quality_json, v.encoding, v.created AS vcreated "
            "FROM hub.resources r LEFT JOIN hub.versions v ON v.resource_id = r.id AND v.version = r.current_version "
            "WHERE r.id = ? AND r.state = 'active'",
            [rid or ""],
        )
        if not rows:
            raise not_found("리소스", "Resource", str(rid))
        return self._resource_dict(rows[0])

    def resource_owner(self, rid: str) -> tuple[str, str]:
        """(dataset id, organisation id) of a resource, for permission checks."""
        row = self._resource_row(rid)
        return row["dataset_id"], self._dataset_row(row["dataset_id"])["org_id"]

    def current_schema(self, rid: str) -> list[dict[str, Any]] | None:
        rows = self.store.query(
            "SELECT v.schema_json FROM hub.resources r JOIN hub.versions v ON v.resource_id = r.id "
            "AND v.version = r.current_version WHERE r.id = ?",
            [rid],
        )
        return json.loads(rows[0][0]) if rows else None

    def publish_version(
        self,
        principal: Principal,
        rid: str | None,
        staged: Staged,
        source_name: str,
        new_resource: dict[str, Any] | None = None,
    ) -> dict[str, Any]:
        """Make a staged version current, atomically: table, Parquet file, catalogue rows and view.

        With `new_resource` (resource_create's fields) the resource row is created in the same transaction,
        so a failed upload leaves no empty resource behind."""
        if new_resource is not None:
            ds = self._dataset_row(new_resource.get("package_id"))
            rid = new_id()
            meta = {k: new_resource[k] for k in RESOURCE_FIELDS if k in new_resource}
            row = {"id": rid, "dataset_id": ds["id"], "meta": dumps(meta)}
        else:
            row = self._resource_row(rid)
            ds = self._dataset_row(row["dataset_id"])
        assert rid is not None
        principal.require_publish(ds["org_id"])
        with self.store.transaction() as tx:
            if new_resource is not None:
                pos = tx.one("SELECT count(*) FROM hub.resources WHERE dataset_id = ?", [ds["id"]])[0]
                tx.execute(
                    "INSERT INTO hub.resources (id, dataset_id, position, meta, current_version, created, modified, "
                    "state) VALUES (?, ?, ?, ?, NULL, ?, ?, 'active')",
                    [rid, ds["id"], pos, row["meta"], now(), now()],
                )
                audit.record(tx, principal.name, "resource.create", "resource", rid, dataset=ds["name"])
            version = int(
                tx.one("SELECT coalesce(max(version), 0) + 1 FROM hub.versions WHERE resource_id = ?", [rid])[
                    0
                ]
            )
            table = f"r_{rid.replace('-', '')}_v{version}"
            final = self.lake / ds["name"] / rid / f"v{version}.parquet"
            final.parent.mkdir(parents=True, exist_ok=True)
            tmp = final.with_suffix(".parquet.tmp")
            os.replace(staged.parquet_path, tmp)  # same file system: a rename, not a copy
            try:
                tx.load_parquet(table, tmp, [(f["id"], f["type"]) for f in staged.schema], staged.table)
                tx.execute(
                    "INSERT INTO hub.versions (resource_id, version, table_name, parquet_path, row_count, schema_json, "
                    "quality_json, source_name, source_format, encoding, sha256, size_bytes, created, created_by) "
                    "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                    [
                        rid,
                        version,
                        table,
                        str(final.relative_to(self.store.data_dir)),
                        staged.row_count,
                        dumps(staged.schema),
                        dumps(staged.quality),
                        source_name,
                        staged.source_format,
                        staged.encoding,
                        staged.sha256,
                        staged.size_bytes,
                        now(),
                        principal.name,
                    ],
                )
                meta = json.loads(row["meta"])
                meta.setdefault("format", staged.source_format.upper())
                meta.setdefault("name", source_name)
                tx.execute(
                    "UPDATE hub.resources SET current_version = ?, meta = ?, modified = ? WHERE id = ?",
                    [version, dumps(meta), now(), rid],
                )
                tx.execute("UPDATE hub.datasets SET modified = ? WHERE id = ?", [now(), ds["id"]])
                tx.replace_view(rid, table)
                audit.record(
                    tx,
                    principal.name,
                    "resource.version_published",
                    "resource",
                    rid,
                    version=version,
                    rows=staged.row_count,
                    sha256=staged.sha256,
                    source=source_name,
                )
                os.replace(tmp, final)
            except BaseException:
                tmp.unlink(missing_ok=True)
                final.unlink(missing_ok=True)
                raise
        self.events.publish(
            "resource.version_published",
            {"resource_id": rid, "dataset_id": ds["id"], "version": version, "table": table},
        )
        self.events.publish("dataset.updated", {"id": ds["id"], "name": ds["name"]})
        return self.resource(rid)

    def versions(self, rid: str) -> list[dict[str, Any]]:
        self._resource_row(rid)
        rows = self.store.query_dicts(
            "SELECT version, row_count, source_name, source_format, encoding, sha256, size_bytes, created, "
            "created_by, quality_json FROM hub.versions WHERE resource_id = ? ORDER BY version",
            [rid],
        )
        for r in rows:
            r["created"] = iso(r["created"])
            r["quality_score"] = json.loads(r.pop("quality_json")).get("score")
        return rows

    def version(self, rid: str, version: int | None = None) -> dict[str, Any]:
        """One version's stored facts (table, Parquet path, schema, quality); current when version is None."""
        row = self._resource_row(rid)
        v = version or row["current_version"]
        rows = self.store.query_dicts(
            "SELECT * FROM hub.versions WHERE resource_id = ? AND version = ?", [rid, v]
        )
        if not rows:
            raise not_found("버전", "Version", f"{rid} v{v}")
        r = rows[0]
        return {
            "resource_id": rid,
            "version": int(r["version"]),
            "table": r["table_name"],
            "parquet_path": str(self.store.data_dir / r["parquet_path"]),
            "rows": int(r["row_count"]),
            "schema": json.loads(r["schema_json"]),
            "quality": json.loads(r["quality_json"]),
            "source_name": r["source_name"],
            "encoding": r["encoding"],
            "sha256": r["sha256"],
            "created": iso(r["created"]),
            "current": v == row["current_version"],
        }

    def search_rows(self, dataset_id: str | None = None) -> list[dict[str, Any]]:
        """Everything the search index needs (with each dataset's resource formats), in two queries:
        all active datasets for a rebuild at start-up, or one after it changed."""
        where, params = ("AND d.id = ?", [dataset_id]) if dataset_id else ("", [])
        rows = self.store.query_dicts(
            "SELECT d.id, d.name, d.meta, d.modified, d.created, d.search_terms, o.name AS org_name "
            f"FROM hub.datasets d JOIN hub.organizations o ON o.id = d.org_id WHERE d.state = 'active' {where}",
            params,
        )
        formats: dict[str, set[str]] = {}
        res_where = "AND dataset_id = ?" if dataset_id else ""
        for ds_id, meta in self.store.query(
            f"SELECT dataset_id, meta FROM hub.resources WHERE state = 'active' {res_where}", params
        ):
            fmt = json.loads(meta).get("format", "").upper()
            if fmt:
                formats.setdefault(ds_id, set()).add(fmt)
        for r in rows:
            r["formats"] = sorted(formats.get(r["id"], ()))
        return rows

    def save_search_terms(self, dataset_id: str, terms: dict[str, list[str]]) -> None:
        with self.store.transaction() as tx:
            tx.execute("UPDATE hub.datasets SET search_terms = ? WHERE id = ?", [dumps(terms), dataset_id])


def lake_root(data_dir: Path) -> Path:
    return data_dir / "lake"
