"""The publisher's side of the portal: log in with an API key, create a dataset, upload a file, check it
(a dry run showing the inferred schema, validation errors with row and column, and the quality report),
correct column types and publish.

Sessions are signed cookies holding the user id and a prefix of the key's hash, never the key. Every POST
form carries a CSRF token that must match the session's. The uploaded file is kept server-side between
the check and the publish step (in `data_dir/tmp/web-uploads/<token>`, bound to the user and dataset,
removed after publishing or two hours), so the publisher does not send it twice.
"""

from __future__ import annotations

import json
import re
import secrets
import shutil
import time
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, Response
from starlette.concurrency import run_in_threadpool
from starlette.datastructures import FormData, UploadFile

from incheon.errors import HubError, NotAuthorized, TooLarge
from incheon.hub.auth import Principal
from incheon.hub.geo import base_layers
from incheon.hub.hub import Hub
from incheon.hub.ingest.pipeline import RESERVED
from incheon.hub.ingest.types import TYPES
from incheon.hub.vocab import FREQUENCIES, LICENSES
from incheon.web.i18n import hub_error
from incheon.web.session import Session, key_hash, principal_for_session
from incheon.web.templating import redirect, render, session_of, translator

ENCODINGS = ("", "utf-8", "cp949", "euc-kr", "utf-16")
FORMATS = ("", "csv", "tsv", "xlsx", "json", "geojson")
UPLOAD_TTL = 2 * 3600
_TOKEN_RE = re.compile(r"^[A-Za-z0-9_-]{16,64}$")
DATASET_FORM_FIELDS = (
    "name",
    "title",
    "title_en",
    "notes",
    "notes_en",
    "owner_org",
    "tags",
    "license_id",
    "frequency",
    "temporal_start",
    "temporal_end",
    "source",
)


class CsrfError(HubError):
    status = 403
    ckan_type = "Authorization Error"


def _hub(request: Request) -> Hub:
    return request.app.state.hub


async def read_form(request: Request, limit: int) -> FormData:
    """The form, with the request body counted as it arrives: beyond `limit` bytes it stops with 413."""
    length = int(request.headers.get("content-length") or 0)
    if length > limit:
        raise hub_error(TooLarge, "error.too_large", limit=limit)
    received = 0
    upstream = request.receive

    async def receive() -> Any:
        nonlocal received
        message = await upstream()
        if message.get("type") == "http.request":
            received += len(message.get("body", b""))
            if received > limit:
                raise hub_error(TooLarge, "error.too_large", limit=limit)
        return message

    limited = Request(request.scope, receive)
    return await limited.form(max_files=2, max_fields=500, max_part_size=1 << 20)


def check_post(request: Request, form: FormData) -> None:
    """CSRF: the form's token must be the session's, and a browser's Origin must be this site."""
    origin = request.headers.get("origin")
    if origin and origin != "null" and urlsplit(origin).netloc != request.headers.get("host"):
        raise hub_error(CsrfError, "error.cross_site")
    if not session_of(request).check_csrf(form.get("csrf")):
        raise hub_error(CsrfError, "error.csrf")


def _safe_next(value: Any) -> str:
    text = str(value or "")
    if text.startswith("/") and not text.startswith("//") and "\\" not in text:
        return text
    return "/publish"


def _login_redirect(request: Request) -> Response:
    target = request.url.path + (f"?{request.url.query}" if request.url.query else "")
    from urllib.parse import quote

    return redirect(request, f"/login?next={quote(target, safe='/')}")


def current_principal(request: Request) -> Principal | None:
    """The logged-in publisher, re-checked against the key table; a stale session is dropped."""
    session = session_of(request)
    if not session.logged_in:
        return None
    principal = principal_for_session(_hub(request), session)
    if principal is None:
        fresh = Session(changed=True)
        fresh.ensure_csrf()
        request.state.web_session = fresh
    return principal


def _message(request: Request, exc: HubError) -> str:
    return exc.message_en if translator(request).lang == "en" else exc.message_ko


def _publishable_orgs(hub: Hub, principal: Principal) -> list[dict[str, Any]]:
    return [o for o in hub.catalog.organizations() if principal.can_publish(o["id"])]


# ------------------------------------------------------------------------------------------ uploads kept
def _upload_root(hub: Hub) -> Path:
    root = hub.settings.data_dir / "tmp" / "web-uploads"
    root.mkdir(parents=True, exist_ok=True)
    return root


def _sweep(root: Path) -> None:
    cutoff = time.time() - UPLOAD_TTL
    for d in root.iterdir():
        try:
            if d.stat().st_mtime < cutoff:
                shutil.rmtree(d, ignore_errors=True)
        except OSError:
            continue


async def _save_upload(hub: Hub, upload: UploadFile, user_id: str, dataset_id: str) -> str:
    root = _upload_root(hub)
    _sweep(root)
    token = secrets.token_urlsafe(18)
    d = root / token
    d.mkdir(mode=0o700)
    limit = hub.settings.max_upload_bytes
    written = 0
    try:
        with (d / "file").open("wb") as fh:
            while chunk := await upload.read(1 << 20):
                written += len(chunk)
                if written > limit:
                    raise hub_error(TooLarge, "error.too_large", limit=limit)
                fh.write(chunk)
    except BaseException:
        shutil.rmtree(d, ignore_errors=True)
        raise
    name = Path(upload.filename or "upload").name or "upload"
    meta = {"user": user_id, "dataset": dataset_id, "filename": name, "size": written}
    (d / "meta.json").write_text(json.dumps(meta, ensure_ascii=False), encoding="utf-8")
    return token


def _kept_upload(hub: Hub, token: Any, user_id: str, dataset_id: str) -> tuple[Path, dict[str, Any]] | None:
    if not isinstance(token, str) or not _TOKEN_RE.match(token):
        return None
    d = _upload_root(hub) / token
    try:
        meta = json.loads((d / "meta.json").read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    if meta.get("user") != user_id or meta.get("dataset") != dataset_id:
        return None
    return d / "file", meta


def _drop_upload(hub: Hub, token: str) -> None:
    if _TOKEN_RE.match(token):
        shutil.rmtree(_upload_root(hub) / token, ignore_errors=True)


# ------------------------------------------------------------------------------------------ routes
def router() -> APIRouter:
    from incheon.web.errors import PageRoute

    r = APIRouter(route_class=PageRoute, include_in_schema=False)

    @r.get("/login", response_class=HTMLResponse)
    def login_form(request: Request) -> Response:
        return render(request, "login.html", next=_safe_next(request.query_params.get("next")), error=None)

    @r.post("/login", response_class=HTMLResponse)
    async def login(request: Request) -> Response:
        form = await read_form(request, 64 << 10)
        check_post(request, form)
        hub = _hub(request)
        target = _safe_next(form.get("next"))
        key = str(form.get("api_key") or "").strip()
        t = translator(request)
        if not key:
            return render(request, "login.html", status_code=400, next=target, error=t("login.empty"))
        try:
            principal = await run_in_threadpool(hub.auth.principal_for_key, key)
        except NotAuthorized:
            return render(request, "login.html", status_code=401, next=target, error=t("login.wrong"))
        if principal.anonymous:
            return render(request, "login.html", status_code=401, next=target, error=t("login.wrong"))
        token = key[7:].strip() if key.lower().startswith("bearer ") else key
        session = Session(
            user_id=principal.user_id, user_name=principal.name, key_hash=key_hash(token), changed=True
        )
        session.ensure_csrf()  # a new token after login (no fixation)
        request.state.web_session = session
        return redirect(request, target)

    @r.get("/logout", response_class=HTMLResponse)
    def logout_form(request: Request) -> Response:
        return render(request, "logout.html")

    @r.post("/logout", response_class=HTMLResponse)
    async def logout(request: Request) -> Response:
        form = await read_form(request, 64 << 10)
        check_post(request, form)
        fresh = Session(changed=True)
        fresh.ensure_csrf()
        request.state.web_session = fresh
        return redirect(request, "/")

    # -------------------------------------------------------------------------------- datasets
    def _publish_page(
        request: Request, principal: Principal, values: dict[str, Any], error: str | None, status: int = 200
    ) -> Response:
        hub = _hub(request)
        orgs = _publishable_orgs(hub, principal)
        mine: list[dict[str, Any]] = []
        if orgs:
            names = " OR ".join('"' + o["name"].replace('"', "") + '"' for o in orgs)
            mine = hub.package_search(fq=f"organization:({names})", rows=200, sort="metadata_modified desc")[
                "results"
            ]
        return render(
            request,
            "publish.html",
            status_code=status,
            principal=principal,
            orgs=orgs,
            mine=mine,
            values=values,
            error=error,
            themes=hub.catalog.groups(),
            licenses=LICENSES,
            frequencies=FREQUENCIES,
            districts=base_layers().districts,
        )

    @r.get("/publish", response_class=HTMLResponse)
    def publish_form(request: Request) -> Response:
        principal = current_principal(request)
        if principal is None:
            return _login_redirect(request)
        values = {"license_id": "kogl-type1", "frequency": "irregular", "groups": [], "spatial": []}
        return _publish_page(request, principal, values, None)

    @r.post("/publish", response_class=HTMLResponse)
    async def publish_create(request: Request) -> Response:
        form = await read_form(request, 1 << 20)
        check_post(request, form)
        principal = current_principal(request)
        if principal is None:
            return _login_redirect(request)
        values: dict[str, Any] = {k: str(form.get(k) or "").strip() for k in DATASET_FORM_FIELDS}
        values["groups"] = [str(v) for v in form.getlist("groups") if v]
        values["spatial"] = [str(v) for v in form.getlist("spatial") if v]
        data = {k: v for k, v in values.items() if v not in ("", [])}
        data.setdefault("groups", [])
        try:
            ds = await run_in_threadpool(_hub(request).catalog.create_dataset, principal, data)
        except HubError as exc:
            return _publish_page(request, principal, values, _message(request, exc), status=exc.status)
        return redirect(request, f"/publish/{ds['name']}/upload")

    # -------------------------------------------------------------------------------- uploads
    def _upload_page(request: Request, ds: dict[str, Any], status: int = 200, **ctx: Any) -> Response:
        base = {
            "ds": ds,
            "encodings": ENCODINGS,
            "formats": FORMATS,
            "types": TYPES,
            "chosen": {
                "resource": "new",
                "encoding": "",
                "format": "",
                "resource_name": "",
                "reinfer": False,
            },
            "token": None,
            "filename": None,
            "staged": None,
            "columns": [],
            "error": None,
            "errors": [],
        }
        base.update(ctx)
        return render(request, "upload.html", status_code=status, **base)

    def _dataset_for(request: Request, name: str, principal: Principal) -> dict[str, Any]:
        ds = _hub(request).catalog.dataset(name)
        principal.require_publish(ds["owner_org"])
        return ds

    @r.get("/publish/{name}/upload", response_class=HTMLResponse)
    def upload_form(request: Request, name: str) -> Response:
        principal = current_principal(request)
        if principal is None:
            return _login_redirect(request)
        ds = _dataset_for(request, name, principal)
        return _upload_page(request, ds)

    @r.post("/publish/{name}/upload", response_class=HTMLResponse)
    async def upload(request: Request, name: str) -> Response:
        hub = _hub(request)
        form = await read_form(request, hub.settings.max_upload_bytes + (256 << 10))
        check_post(request, form)
        principal = current_principal(request)
        if principal is None:
            return _login_redirect(request)
        ds = await run_in_threadpool(_dataset_for, request, name, principal)
        t = translator(request)
        assert principal.user_id is not None
        resource = str(form.get("resource") or "new")
        if resource != "new" and resource not in {res["id"] for res in ds["resources"]}:
            resource = "new"
        chosen = {
            "resource": resource,
            "encoding": str(form.get("encoding") or "") if form.get("encoding") in ENCODINGS else "",
            "format": str(form.get("format") or "") if form.get("format") in FORMATS else "",
            "resource_name": str(form.get("resource_name") or "").strip()[:200],
            "reinfer": bool(form.get("reinfer")),
        }
        columns = [str(c) for c in form.getlist("columns")][:500]
        types = {c: str(form.get(f"type.{c}")) for c in columns if form.get(f"type.{c}") in TYPES}
        roles = {c: str(form.get(f"role.{c}")) for c in columns if form.get(f"role.{c}")}
        file = form.get("upload")
        token = str(form.get("token") or "")
        if isinstance(file, UploadFile) and file.filename:
            if token:
                _drop_upload(hub, token)
            token = await _save_upload(hub, file, principal.user_id, ds["id"])
            types, roles, columns = {}, {}, []  # a new file: its own schema, inferred again
        kept = _kept_upload(hub, token, principal.user_id, ds["id"])
        page = {
            "chosen": chosen,
            "columns": [{"id": c, "type": types.get(c), "role": roles.get(c)} for c in columns],
        }
        if kept is None:
            return _upload_page(request, ds, status=400, error=t("upload.no_file"), **page)
        path, meta = kept
        page.update(token=token, filename=meta["filename"])
        rid = None if resource == "new" else resource
        options = {
            "fmt": chosen["format"] or None,
            "encoding": chosen["encoding"] or None,
            "types": types or None,
            "reinfer": chosen["reinfer"],
        }
        try:
            staged = await run_in_threadpool(hub.stage_upload, rid, path, meta["filename"], **options)
        except HubError as exc:
            return _upload_page(
                request,
                ds,
                status=exc.status,
                error=_message(request, exc),
                errors=_error_rows(exc, t),
                **page,
            )
        try:
            if form.get("action") == "publish":
                new_resource = None
                if rid is None:
                    new_resource = {
                        "package_id": ds["id"],
                        "name": chosen["resource_name"] or meta["filename"],
                        "format": staged.source_format.upper(),
                    }
                try:
                    published = await run_in_threadpool(
                        hub.catalog.publish_version, principal, rid, staged, meta["filename"], new_resource
                    )
                except HubError as exc:
                    return _upload_page(
                        request,
                        ds,
                        status=exc.status,
                        error=_message(request, exc),
                        errors=_error_rows(exc, t),
                        **page,
                    )
                _drop_upload(hub, token)
                return redirect(
                    request,
                    f"/dataset/{ds['name']}?resource={published['id']}&published={published['version']}#resource",
                )
            schema = [
                {"id": f["id"], "type": f["type"], "role": f.get("role")}
                for f in staged.schema
                if f["id"] not in RESERVED
            ]
            page["columns"] = schema
            summary = {
                "rows": staged.row_count,
                "encoding": staged.encoding,
                "format": staged.source_format,
                "notes": staged.notes,
                "quality": staged.quality,
                "derived": [f["id"] for f in staged.schema if f["id"] in RESERVED and f["id"] != "_id"],
            }
            return _upload_page(request, ds, staged=summary, **page)
        finally:
            staged.cleanup()

    return r


def _error_rows(exc: HubError, t: Any) -> list[dict[str, Any]]:
    """Row/line/column/value of each refused cell or line an ingest error names."""
    out = []
    for e in exc.details.get("errors") or []:
        if isinstance(e, dict):
            if e.get("type"):
                problem = t("upload.not_type", type=e["type"])
            elif e.get("error"):
                key = "upload.reject." + str(e["error"]).lower().replace(" ", "_")
                problem = t(key) if t.has(key) else str(e["error"])
            else:
                problem = None
            out.append(
                {
                    "row": e.get("row"),
                    "line": e.get("line"),
                    "column": e.get("column"),
                    "value": e.get("value", e.get("text")),
                    "problem": problem,
                }
            )
    if not out and exc.details.get("column"):
        out.append(
            {"row": None, "line": None, "column": exc.details["column"], "value": None, "problem": None}
        )
    return out
