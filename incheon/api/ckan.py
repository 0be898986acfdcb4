"""CKAN Action API v3 under /api/3/action/ (and /api/action/, which ckanapi uses): the real `ckanapi`
client works against it unchanged. Each action is a small function (hub, principal, params) → result.
"""

from __future__ import annotations

import json
import shutil
import tempfile
from collections.abc import Callable
from pathlib import Path
from typing import Any

from fastapi import APIRouter, Request
from starlette.datastructures import UploadFile

from incheon.api.responses import ckan_error, ckan_ok
from incheon.errors import BadRequest, NotFound, TooLarge
from incheon.hub.auth import Principal
from incheon.hub.hub import FACET_FIELDS, Hub
from incheon.hub.vocab import LICENSES

Action = Callable[[Hub, Principal, dict[str, Any]], Any]
ACTIONS: dict[str, tuple[Action, str]] = {}
STRUCTURED = (
    "filters",
    "fields",
    "tags",
    "groups",
    "extras",
    "spatial",
    "schema",
    "facet.field",
    "q",
    "expectations",
)


def action(name: str, doc: str) -> Callable[[Action], Action]:
    def register(fn: Action) -> Action:
        ACTIONS[name] = (fn, doc)
        return fn

    return register


def _int(params: dict, key: str, default: int, lo: int = 0, hi: int = 1000) -> int:
    try:
        value = int(params.get(key, default))
    except (TypeError, ValueError):
        raise BadRequest(f"{key}은(는) 정수여야 합니다.", f"{key} must be an integer.", field=key) from None
    if not lo <= value <= hi:
        raise BadRequest(
            f"{key}은(는) {lo}~{hi} 사이여야 합니다.", f"{key} must be between {lo} and {hi}.", field=key
        )
    return value


def _bool(params: dict, key: str) -> bool:
    return str(params.get(key, "")).lower() in ("1", "true", "yes", "on")


def _need(params: dict, *keys: str) -> Any:
    for k in keys:
        if params.get(k) not in (None, ""):
            return params[k]
    raise BadRequest(f"{keys[0]}이(가) 필요합니다.", f"Missing parameter: {keys[0]}", field=keys[0])


@action("site_read", "Is the site readable? Always true.")
def site_read(hub: Hub, who: Principal, p: dict) -> bool:
    return True


@action("status_show", "Site and API version (CKAN 2.10 compatible).")
def status_show(hub: Hub, who: Principal, p: dict) -> dict:
    return {
        "site_title": "인천 데이터허브 (Incheon Data Hub)",
        "site_url": hub.settings.site_url,
        "ckan_version": "2.10.0",
        "extensions": ["datastore", "platform-incheon"],
        "storage_backend": hub.store.backend,
    }


@action("package_list", "Names of all public datasets. Params: limit, offset.")
def package_list(hub: Hub, who: Principal, p: dict) -> list[str]:
    names = hub.catalog.dataset_names()
    offset = _int(p, "offset", 0, hi=10**9)
    limit = _int(p, "limit", len(names) or 1, hi=10**9)
    return names[offset : offset + limit]


@action(
    "package_search",
    "Search datasets. Params: q, fq, rows, start, sort, facet.field (JSON list), "
    "facet.limit. Korean text is tokenised with Kiwi.",
)
def package_search(hub: Hub, who: Principal, p: dict) -> dict:
    facet_fields = p.get("facet.field") or []
    if isinstance(facet_fields, str):
        facet_fields = [facet_fields]
    bad = [f for f in facet_fields if f not in FACET_FIELDS]
    if bad:
        raise BadRequest(
            f"지원하지 않는 facet 필드입니다: {bad}", f"Unsupported facet fields: {bad}", field="facet.field"
        )
    try:
        return hub.package_search(
            q=str(p.get("q") or ""),
            fq=str(p.get("fq") or ""),
            rows=_int(p, "rows", 10),
            start=_int(p, "start", 0, hi=10**9),
            sort=str(p.get("sort") or ""),
            facet_fields=facet_fields,
            facet_limit=_int(p, "facet.limit", 50, lo=-1, hi=1000) % 1001,
        )
    except ValueError as exc:
        err = BadRequest(f"검색 조건을 해석할 수 없습니다: {exc}", f"Cannot parse the search: {exc}")
        err.ckan_type = "Search Query Error"
        raise err from None


@action(
    "package_show",
    "One dataset with its resources. Params: id (name or id), include_tracking "
    "(adds tracking_summary {total, recent} views and usage per kind: view/download/api).",
)
def package_show(hub: Hub, who: Principal, p: dict) -> dict:
    pkg = hub.catalog.dataset(str(_need(p, "id", "name")))
    hub.usage.record(pkg["id"], "api")
    if _bool(p, "include_tracking"):
        usage = hub.usage.summary(pkg["id"])
        pkg["tracking_summary"] = {"total": usage["view"]["total"], "recent": usage["view"]["recent"]}
        pkg["usage"] = usage
    return pkg


@action(
    "package_create",
    "Create a dataset (publisher of owner_org). DCAT-style fields: name, title, title_en, "
    "notes, notes_en, owner_org, groups (themes), tags, license_id (kogl-type1..4), frequency, spatial "
    "(district codes), temporal_start, temporal_end, source.",
)
def package_create(hub: Hub, who: Principal, p: dict) -> dict:
    return hub.catalog.create_dataset(who, p)


@action("package_update", "Replace a dataset's metadata. Params: id plus all fields.")
def package_update(hub: Hub, who: Principal, p: dict) -> dict:
    return hub.catalog.update_dataset(who, p, patch=False)


@action("package_patch", "Change some of a dataset's metadata. Params: id plus the fields to change.")
def package_patch(hub: Hub, who: Principal, p: dict) -> dict:
    return hub.catalog.update_dataset(who, p, patch=True)


@action("package_delete", "Delete (hide) a dataset. Params: id.")
def package_delete(hub: Hub, who: Principal, p: dict) -> None:
    hub.catalog.delete_dataset(who, str(_need(p, "id")))


@action("organization_list", "Organisations. Params: all_fields.")
def organization_list(hub: Hub, who: Principal, p: dict) -> list:
    orgs = hub.catalog.organizations()
    return orgs if _bool(p, "all_fields") else [o["name"] for o in orgs]


@action("organization_show", "One organisation. Params: id, include_datasets.")
def organization_show(hub: Hub, who: Principal, p: dict) -> dict:
    org = hub.catalog.organization(str(_need(p, "id")))
    if _bool(p, "include_datasets"):
        org["packages"] = hub.package_search(fq=f'organization:"{org["name"]}"', rows=1000)["results"]
    return org


@action(
    "organization_create", "Create an organisation (administrators). Params: name, title, title_en, kind."
)
def organization_create(hub: Hub, who: Principal, p: dict) -> dict:
    return hub.catalog.create_organization(who, p)


@action("group_list", "Themes (the plan's policy fields). Params: all_fields.")
def group_list(hub: Hub, who: Principal, p: dict) -> list:
    groups = hub.catalog.groups()
    return groups if _bool(p, "all_fields") else [g["name"] for g in groups]


@action("group_show", "One theme. Params: id.")
def group_show(hub: Hub, who: Principal, p: dict) -> dict:
    return hub.catalog.group(str(_need(p, "id")))


@action("tag_list", "All keywords in use.")
def tag_list(hub: Hub, who: Principal, p: dict) -> list[str]:
    return sorted(hub.index.search(rows=0, facet_fields=["tags"], facet_limit=100000).facets.get("tags", {}))


@action("license_list", "The 공공누리 (KOGL) licence types.")
def license_list(hub: Hub, who: Principal, p: dict) -> list[dict]:
    return [{"id": k, **v} for k, v in LICENSES.items()]


@action("resource_show", "One resource with its current version, schema and quality score. Params: id.")
def resource_show(hub: Hub, who: Principal, p: dict) -> dict:
    return hub.catalog.resource(str(_need(p, "id")))


def _upload_options(p: dict) -> dict[str, Any]:
    schema = p.get("schema")
    reinfer = schema == "infer"
    types = None
    if isinstance(schema, dict):
        types = {str(k): str(v) for k, v in schema.items()}
    elif isinstance(schema, list):
        types = {str(f["id"]): str(f["type"]) for f in schema if isinstance(f, dict) and "id" in f}
    elif schema not in (None, "", "infer"):
        raise BadRequest(
            "schema는 {열: 형식} 객체나 'infer'여야 합니다.",
            "schema must be an object {column: type} or 'infer'.",
            field="schema",
        )
    return {
        "fmt": p.get("format") or None,
        "encoding": p.get("encoding") or None,
        "sheet": p.get("sheet") or None,
        "types": types,
        "reinfer": reinfer,
    }


def _preview(staged: Any) -> dict:
    return {
        "dry_run": True,
        "rows": staged.row_count,
        "schema": staged.schema,
        "quality": staged.quality,
        "encoding": staged.encoding,
        "format": staged.source_format,
        "notes": staged.notes,
    }


@action(
    "resource_create",
    "Add a resource to a dataset and upload its first version (multipart `upload`). "
    "Params: package_id, name, format, encoding (utf-8/cp949/euc-kr), sheet, schema ({column: type} or "
    "'infer'), dry_run (validate only: returns the inferred schema and quality report).",
)
def resource_create(hub: Hub, who: Principal, p: dict) -> dict:
    upload: Path | None = p.get("__upload_path")
    ds = hub.catalog.dataset(str(_need(p, "package_id")))
    who.require_publish(ds["owner_org"])
    if upload is None:
        return hub.catalog.create_resource(who, p)
    filename = p.get("__upload_name") or "upload"
    opts = _upload_options(p)
    staged = hub.stage_upload(None, upload, filename, **opts)
    try:
        if _bool(p, "dry_run"):
            return _preview(staged)
        return hub.catalog.publish_version(who, None, staged, filename, new_resource=p)
    finally:
        staged.cleanup()


@action(
    "resource_update",
    "New version of a resource (multipart `upload`), or metadata only without one. "
    "Params: id, plus the resource_create options; the file must fit the current schema unless schema is "
    "given or 'infer'.",
)
def resource_update(hub: Hub, who: Principal, p: dict) -> dict:
    rid = str(_need(p, "id"))
    upload: Path | None = p.get("__upload_path")
    if upload is None:
        return hub.catalog.update_resource_meta(who, p)
    _, org = hub.catalog.resource_owner(rid)
    who.require_publish(org)
    filename = p.get("__upload_name") or "upload"
    staged = hub.stage_upload(rid, upload, filename, **_upload_options(p))
    try:
        if _bool(p, "dry_run"):
            return _preview(staged)
        if any(k in p for k in ("name", "description")):
            hub.catalog.update_resource_meta(who, p)
        return hub.catalog.publish_version(who, rid, staged, filename)
    finally:
        staged.cleanup()


@action("resource_patch", "Same as resource_update.")
def resource_patch(hub: Hub, who: Principal, p: dict) -> dict:
    return resource_update(hub, who, p)


@action(
    "datastore_search",
    "Rows of a resource. Params: resource_id, filters (JSON object), q (text or "
    "{column: text}), limit, offset, sort ('col desc, col2'), fields, version.",
)
def datastore_search(hub: Hub, who: Principal, p: dict) -> dict:
    return hub.datastore.search(p)


@action(
    "datastore_search_sql",
    "Read-only SQL over published resources (tables named by resource id), with "
    "a time limit and a row cap. Params: sql.",
)
def datastore_search_sql(hub: Hub, who: Principal, p: dict) -> dict:
    return hub.datastore.search_sql(str(_need(p, "sql")))


@action("datastore_info", "Schema and row count of a resource. Params: id.")
def datastore_info(hub: Hub, who: Principal, p: dict) -> dict:
    v = hub.catalog.version(str(_need(p, "id", "resource_id")))
    return {
        "meta": {"count": v["rows"], "version": v["version"]},
        "fields": [{"id": f["id"], "type": f["type"]} for f in v["schema"]],
    }


@action(
    "organization_member_create",
    "Make a user a member of an organisation (administrators). "
    "Params: id (organisation), username, role (member/editor/admin).",
)
def organization_member_create(hub: Hub, who: Principal, p: dict) -> dict:
    who.require_sysadmin()
    org = hub.catalog.organization(str(_need(p, "id")))
    role = str(p.get("role") or "editor")
    hub.auth.set_membership(str(_need(p, "username")), org["id"], role, actor=who.name)
    return {"organization": org["name"], "username": p["username"], "capacity": role}


@action(
    "audit_list", "Platform Incheon: the audit log, newest first (administrators). Params: limit, object_id."
)
def audit_list(hub: Hub, who: Principal, p: dict) -> list:
    from incheon.hub import audit

    who.require_sysadmin()
    return audit.recent(hub.store, _int(p, "limit", 100), p.get("object_id") or None)


@action(
    "usage_show",
    "Platform Incheon: usage of a dataset (views, downloads, API reads; total and last 14 days). Params: id.",
)
def usage_show(hub: Hub, who: Principal, p: dict) -> dict:
    pkg = hub.catalog.dataset(str(_need(p, "id")))
    return {"id": pkg["id"], "name": pkg["name"], **hub.usage.summary(pkg["id"])}


@action("resource_version_list", "Platform Incheon: the versions of a resource. Params: id.")
def resource_version_list(hub: Hub, who: Principal, p: dict) -> list:
    return hub.catalog.versions(str(_need(p, "id")))


@action("resource_quality_show", "Platform Incheon: quality report of a version. Params: id, version.")
def resource_quality_show(hub: Hub, who: Principal, p: dict) -> dict:
    version = p.get("version")
    v = hub.catalog.version(str(_need(p, "id")), int(version) if version else None)
    return {"resource_id": v["resource_id"], "version": v["version"], **v["quality"]}


@action(
    "district_aggregate",
    "Platform Incheon: a resource aggregated by district (code, name or "
    "coordinates). Params: id, value (numeric column), func (sum/avg/count/min/max).",
)
def district_aggregate(hub: Hub, who: Principal, p: dict) -> list:
    return hub.datastore.aggregate_by_district(
        str(_need(p, "id")), p.get("value"), str(p.get("func") or "sum")
    )


def _parse_structured(params: dict[str, Any]) -> dict[str, Any]:
    for key in STRUCTURED:
        value = params.get(key)
        if isinstance(value, str) and value[:1] in "[{":
            try:
                params[key] = json.loads(value)
            except ValueError:
                if key != "q":
                    raise BadRequest(
                        f"{key}의 JSON을 해석할 수 없습니다.", f"{key} is not valid JSON.", field=key
                    ) from None
    return params


async def _read_params(request: Request, hub: Hub, tmpdir: Path) -> dict[str, Any]:
    params: dict[str, Any] = {}
    for key in request.query_params:
        values = request.query_params.getlist(key)
        params[key] = values if key == "facet.field" and len(values) > 1 else values[-1]
    if request.method != "POST":
        return _parse_structured(params)
    length = int(request.headers.get("content-length") or 0)
    if length > hub.settings.max_upload_bytes:
        raise TooLarge(
            f"업로드 한도({hub.settings.max_upload_bytes:,} 바이트)를 넘습니다.",
            f"The upload exceeds the limit of {hub.settings.max_upload_bytes:,} bytes.",
        )
    ctype = request.headers.get("content-type", "")
    if ctype.startswith("multipart/form-data") or ctype.startswith("application/x-www-form-urlencoded"):
        form = await request.form(max_part_size=16 << 20)
        for key, value in form.multi_items():
            if isinstance(value, UploadFile):
                if key != "upload":
                    continue
                dest = tmpdir / "upload.bin"
                written = 0
                with dest.open("wb") as fh:
                    while chunk := await value.read(1 << 20):
                        written += len(chunk)
                        if written > hub.settings.max_upload_bytes:
                            raise TooLarge("업로드 한도를 넘습니다.", "The upload exceeds the size limit.")
                        fh.write(chunk)
                params["__upload_path"] = dest
                params["__upload_name"] = value.filename or "upload"
            else:
                params[key] = value
    else:
        body = await request.body()
        if body:
            try:
                data = json.loads(body)
            except ValueError:
                raise BadRequest(
                    "요청 본문이 올바른 JSON이 아닙니다.", "The request body is not valid JSON."
                ) from None
            if not isinstance(data, dict):
                raise BadRequest(
                    "요청 본문은 JSON 객체여야 합니다.", "The request body must be a JSON object."
                )
            params.update(data)
    return _parse_structured(params)


def router(hub: Hub) -> APIRouter:
    api = APIRouter()

    async def call(request: Request, name: str) -> Any:
        tmpdir = Path(tempfile.mkdtemp(prefix="req-", dir=hub.settings.data_dir / "tmp"))
        try:
            if name not in ACTIONS:
                raise NotFound(f"없는 액션입니다: {name}", f"Action not found: {name}")
            who = hub.principal(request.headers.get("Authorization") or request.headers.get("X-CKAN-API-Key"))
            params = await _read_params(request, hub, tmpdir)
            fn = ACTIONS[name][0]
            from starlette.concurrency import run_in_threadpool

            result = await run_in_threadpool(fn, hub, who, params)
            return ckan_ok(request, result, name)
        except Exception as exc:  # noqa: BLE001 - one place turns errors into responses
            return ckan_error(request, exc)
        finally:
            shutil.rmtree(tmpdir, ignore_errors=True)

    for name, (_, doc) in ACTIONS.items():
        for prefix in ("/api/3/action", "/api/action"):

            async def endpoint(request: Request, _name: str = name) -> Any:
                return await call(request, _name)

            for method in ("GET", "POST"):
                api.add_api_route(
                    f"{prefix}/{name}",
                    endpoint,
                    methods=[method],
                    operation_id=f"{name}_{method.lower()}" if prefix == "/api/3/action" else None,
                    summary=name,
                    description=doc,
                    tags=["CKAN Action API v3"],
                    include_in_schema=prefix == "/api/3/action",
                    name=f"{prefix}/{name}",
                )

    @api.api_route("/api/3/action/{name}", methods=["GET", "POST"], include_in_schema=False)
    async def unknown(request: Request, name: str) -> Any:
        return await call(request, name)

    @api.get("/api/3", include_in_schema=False)
    async def api_version() -> dict:
        return {"version": 3}

    @api.get("/api/3/help", name="ckan_help", tags=["CKAN Action API v3"])
    async def ckan_help(name: str = "") -> dict:
        """Documentation of one action, or the list of actions."""
        if name in ACTIONS:
            return {"success": True, "result": ACTIONS[name][1]}
        return {"success": True, "result": sorted(ACTIONS)}

    return api
