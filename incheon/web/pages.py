"""The reading side of the portal: home, search with facets, dataset pages (metadata, versions, quality,
preview, chart, map, API snippet, downloads) and the district map page. Server-rendered; every page
works without JavaScript."""

from __future__ import annotations

import math
from functools import cached_property
from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, Response

from incheon.errors import HubError
from incheon.hub.geo import DISTRICT_NAMES_EN, base_layers
from incheon.hub.hub import Hub
from incheon.hub.vocab import FREQUENCIES, LICENSES
from incheon.web import charts, maps
from incheon.web.templating import fmt_num, redirect, render, translator, url_with, web_state

PAGE_ROWS = 10
PREVIEW_SIZES = (10, 20, 50, 100)
PREVIEW_DEFAULT = 20
PREVIEW_MAX = 100
CHART_ROWS = 500
CITY_CODE = "28000"
#: Search page facets: URL parameter → index field.
FACETS = {
    "theme": "groups",
    "org": "organization",
    "district": "spatial",
    "format": "res_format",
    "license": "license_id",
}
SORTS = ("", "metadata_modified desc", "title_string asc", "name asc")


def _int(value: Any, default: int, lo: int = 1, hi: int = 10**6) -> int:
    try:
        return min(max(int(value), lo), hi)
    except (TypeError, ValueError):
        return default


def _hub(request: Request) -> Hub:
    return request.app.state.hub


def _quote(value: str) -> str:
    return '"' + value.replace("\\", "\\\\").replace('"', '\\"') + '"'


def build_fq(selected: dict[str, list[str]], skip: str | None = None) -> str:
    """AND across facets, OR within one (checking two themes widens the result)."""
    clauses = []
    for param, values in selected.items():
        if param == skip or not values:
            continue
        field = FACETS[param]
        if len(values) == 1:
            clauses.append(f"{field}:{_quote(values[0])}")
        else:
            clauses.append(f"{field}:(" + " OR ".join(_quote(v) for v in values) + ")")
    return " ".join(clauses)


class Labels:
    """Display names for facet values and metadata codes, in the page's language."""

    def __init__(
        self,
        hub: Hub,
        lang: str,
        groups: list[dict[str, Any]] | None = None,
        orgs: list[dict[str, Any]] | None = None,
    ) -> None:
        self.hub = hub
        self.lang = lang
        self.en = lang == "en"
        if groups is not None:
            self.__dict__["groups"] = {g["name"]: g for g in groups}
        if orgs is not None:
            self.__dict__["orgs"] = {o["name"]: o for o in orgs}

    @cached_property
    def groups(self) -> dict[str, dict[str, Any]]:
        return {g["name"]: g for g in self.hub.catalog.groups()}

    @cached_property
    def orgs(self) -> dict[str, dict[str, Any]]:
        return {o["name"]: o for o in self.hub.catalog.organizations()}

    def _pick(self, rec: dict[str, Any] | None, fallback: str) -> str:
        if not rec:
            return fallback
        return (rec.get("title_en") if self.en else None) or rec.get("title") or fallback

    def theme(self, name: str) -> str:
        return self._pick(self.groups.get(name), name)

    def org(self, name: str) -> str:
        return self._pick(self.orgs.get(name), name)

    def district(self, code: str, city: str) -> str:
        if code == CITY_CODE:
            return city
        if self.en:
            return DISTRICT_NAMES_EN.get(code, code)
        return base_layers().districts.get(code, code)

    def license(self, lid: str) -> str:
        lic = LICENSES.get(lid)
        if not lic:
            return lid
        return lic["title_en"] if self.en else lic["title"]

    def frequency(self, code: str) -> str:
        pair = FREQUENCIES.get(code or "")
        return (pair[1] if self.en else pair[0]) if pair else (code or "")

    def facet(self, param: str, value: str, city: str) -> str:
        if param == "theme":
            return self.theme(value)
        if param == "org":
            return self.org(value)
        if param == "district":
            return self.district(value, city)
        if param == "license":
            return self.license(value)
        return value


def router() -> APIRouter:
    from incheon.web.errors import PageRoute

    r = APIRouter(route_class=PageRoute, include_in_schema=False)

    # ------------------------------------------------------------------------------------ home
    @r.get("/", response_class=HTMLResponse)
    def home(request: Request) -> HTMLResponse:
        hub = _hub(request)
        t = translator(request)
        popular_ids = [i for i, _ in hub.usage.popular(limit=6)]
        popular = [d for d in hub.catalog.datasets(popular_ids) if d["state"] == "active"]
        recent = hub.package_search(rows=6, sort="metadata_modified desc")
        all_groups, all_orgs = hub.catalog.groups(), hub.catalog.organizations()
        themes = sorted(all_groups, key=lambda g: (-g["package_count"], g["name"]))
        orgs = sorted(
            (o for o in all_orgs if o["package_count"]), key=lambda o: (-o["package_count"], o["name"])
        )
        return render(
            request,
            "home.html",
            popular=popular,
            recent=recent["results"],
            total=recent["count"],
            themes=themes,
            orgs=orgs,
            labels=Labels(hub, t.lang, all_groups, all_orgs),
        )

    # ------------------------------------------------------------------------------------ search
    @r.get("/dataset", response_class=HTMLResponse)
    def search(request: Request) -> HTMLResponse:
        hub = _hub(request)
        t = translator(request)
        qp = request.query_params
        q = (qp.get("q") or "").strip()[:200]
        selected = {p: [v for v in qp.getlist(p) if v][:20] for p in FACETS}
        sort = qp.get("sort") or ""
        if sort not in SORTS:
            sort = ""
        page = _int(qp.get("page"), 1)
        fq = build_fq(selected)
        error = None
        fields = list(FACETS.values())
        try:
            result = hub.package_search(
                q=q, fq=fq, rows=PAGE_ROWS, start=(page - 1) * PAGE_ROWS, sort=sort, facet_fields=fields
            )
            facets = dict(result["facets"])
            for param, values in selected.items():
                if values:  # counts for a facet in use ignore its own filter (multi-select facets)
                    other = hub.package_search(
                        q=q, fq=build_fq(selected, skip=param), rows=0, facet_fields=[FACETS[param]]
                    )
                    facets[FACETS[param]] = other["facets"][FACETS[param]]
        except ValueError:
            error = t("search.bad_query")
            result, facets = {"count": 0, "results": []}, {}
        labels = Labels(hub, t.lang)
        city = t("district.city")
        facet_groups = []
        for param, field in FACETS.items():
            counts = facets.get(field, {})
            items = [
                {
                    "value": v,
                    "label": labels.facet(param, v, city),
                    "count": n,
                    "checked": v in selected[param],
                }
                for v, n in counts.items()
                if v
            ]
            for v in selected[param]:
                if v not in counts:
                    items.append(
                        {"value": v, "label": labels.facet(param, v, city), "count": 0, "checked": True}
                    )
            if items:
                facet_groups.append({"param": param, "title": t(f"facet.{param}"), "items": items})
        active = [
            {
                "param": p,
                "label": labels.facet(p, v, city),
                "remove": url_with(request, page=None, **{p: [x for x in vs if x != v]}),
            }
            for p, vs in selected.items()
            for v in vs
        ]
        pages = max(1, math.ceil(result["count"] / PAGE_ROWS))
        return render(
            request,
            "search.html",
            q=q,
            sort=sort,
            sorts=SORTS,
            result=result,
            facet_groups=facet_groups,
            active=active,
            page=min(page, pages),
            pages=pages,
            pager=_pager(request, page, pages),
            first=(page - 1) * PAGE_ROWS + 1,
            last=min(page * PAGE_ROWS, result["count"]),
            error=error,
            labels=labels,
        )

    # ------------------------------------------------------------------------------------ dataset
    @r.get("/dataset/{name}", response_class=HTMLResponse)
    def dataset(request: Request, name: str) -> Response:
        pkg = _hub(request).catalog.dataset(name)
        if pkg["name"] != name:  # looked up by id: send to the canonical address
            return redirect(request, url_with(request, path=f"/dataset/{pkg['name']}"), 301)
        return render(request, "dataset.html", **_dataset_context(request, pkg))

    @r.get("/dataset/{name}/map", response_class=HTMLResponse)
    def dataset_map(request: Request, name: str) -> Response:
        pkg = _hub(request).catalog.dataset(name)
        if pkg["name"] != name:
            return redirect(request, url_with(request, path=f"/dataset/{pkg['name']}/map"), 301)
        return render(request, "map.html", **_dataset_context(request, pkg, full=False))

    return r


def _pager(request: Request, page: int, pages: int) -> list[dict[str, Any]]:
    """Page links: first, a window around the current page, last (None = a gap)."""
    wanted = sorted({1, pages, *range(max(1, page - 2), min(pages, page + 2) + 1)})
    out: list[dict[str, Any]] = []
    prev = 0
    for p in wanted:
        if p - prev > 1:
            out.append({"gap": True})
        out.append({"page": p, "url": url_with(request, page=p), "current": p == page})
        prev = p
    return out


def _dataset_context(request: Request, pkg: dict[str, Any], full: bool = True) -> dict[str, Any]:
    hub = _hub(request)
    t = translator(request)
    qp = request.query_params
    hub.usage.record(pkg["id"], "view")
    labels = Labels(hub, t.lang)
    ctx: dict[str, Any] = {"pkg": pkg, "labels": labels, "usage": hub.usage.summary(pkg["id"])}
    lic = LICENSES.get(pkg.get("license_id") or "")
    ctx["license_key"] = pkg.get("license_id") if lic else None
    resources = pkg["resources"]
    ctx["resources"] = resources
    active = [res for res in resources if res["datastore_active"]]
    res = next((x for x in resources if x["id"] == qp.get("resource")), active[0] if active else None)
    ctx["res"] = res
    ctx["published"] = _int(qp.get("published"), 0, lo=0)
    if res is None or not res["datastore_active"]:
        return ctx
    rid = res["id"]
    versions = hub.catalog.versions(rid)
    wanted = _int(qp.get("version"), 0, lo=0)
    known = {int(v["version"]) for v in versions}
    version = wanted if wanted in known else None
    v = hub.catalog.version(rid, version)
    ctx.update(versions=versions, v=v, version_param=version)
    fields = [f for f in v["schema"]]
    ctx["fields"] = fields
    ctx["downloads"] = _downloads(rid, version, fields)
    ctx["quality"] = v["quality"]
    if full:
        ctx["preview"] = _preview(request, hub, rid, version, fields, v["rows"])
        ctx["chart"] = _chart(request, hub, rid, version, fields, t)
        ctx["api"] = _api_snippets(web_state(request).hub.settings.site_url.rstrip("/"), pkg["name"], rid)
    ctx["map"] = _map(request, hub, rid, fields, t) if any(f["id"] == "_sgg_code" for f in fields) else None
    return ctx


def _downloads(rid: str, version: int | None, fields: list[dict[str, Any]]) -> list[dict[str, str]]:
    suffix = f"?version={version}" if version else ""
    amp = "&" if suffix else "?"
    ids = {f["id"] for f in fields}
    located = bool(ids & {"_lon", "_lat", "_sgg_code"}) or any(f.get("role") == "geometry" for f in fields)
    out = [
        {"key": "csv", "url": f"/download/{rid}.csv{suffix}"},
        {"key": "csv_cp949", "url": f"/download/{rid}.csv{suffix}{amp}encoding=cp949"},
        {"key": "json", "url": f"/download/{rid}.json{suffix}"},
    ]
    if located:
        out.append({"key": "geojson", "url": f"/download/{rid}.geojson{suffix}"})
    out.append({"key": "parquet", "url": f"/download/{rid}.parquet{suffix}"})
    return out


def _preview(
    request: Request, hub: Hub, rid: str, version: int | None, fields: list[dict[str, Any]], total: int
) -> dict[str, Any]:
    qp = request.query_params
    size = _int(qp.get("limit"), PREVIEW_DEFAULT, hi=PREVIEW_MAX)
    pages = max(1, math.ceil(total / size))
    page = _int(qp.get("page"), 1, hi=pages)
    ids = [f["id"] for f in fields]
    sort_col, sort_dir = None, "asc"
    raw = (qp.get("sort") or "").strip()
    if raw:
        col, _, direction = raw.rpartition(" ")
        if not col:
            col, direction = direction, "asc"
        if col in ids and direction.lower() in ("asc", "desc"):
            sort_col, sort_dir = col, direction.lower()
    params: dict[str, Any] = {"resource_id": rid, "limit": size, "offset": (page - 1) * size}
    if version:
        params["version"] = version
    if sort_col:
        params["sort"] = f'"{sort_col}" {sort_dir}'
    data = hub.datastore.search(params)
    columns = []
    for f in fields:
        current = f["id"] == sort_col
        next_dir = "desc" if current and sort_dir == "asc" else "asc"
        columns.append(
            {
                "id": f["id"],
                "type": f["type"],
                "numeric": f["type"] in charts.NUMERIC,
                "sorted": sort_dir if current else None,
                "url": url_with(request, sort=f"{f['id']} {next_dir}", page=None) + "#preview-region",
            }
        )
    rows = [[_cell(rec.get(c["id"])) for c in columns] for rec in data["records"]]
    offset = (page - 1) * size
    return {
        "columns": columns,
        "rows": rows,
        "total": data["total"],
        "page": page,
        "pages": pages,
        "size": size,
        "sizes": sorted({*PREVIEW_SIZES, size}),
        "first": offset + 1 if rows else 0,
        "last": offset + len(rows),
        "pager": [
            {**p, "url": p["url"] + "#preview-region"} if "url" in p else p
            for p in _pager(request, page, pages)
        ],
        "sort": f"{sort_col} {sort_dir}" if sort_col else "",
    }


def _cell(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int | float):
        return fmt_num(value)
    text = str(value)
    return text if len(text) <= 120 else text[:119] + "…"


def _chart(
    request: Request, hub: Hub, rid: str, version: int | None, fields: list[dict[str, Any]], t: Any
) -> dict[str, Any]:
    qp = request.query_params
    choice = charts.choose(fields, qp.get("chart_x"), qp.get("chart_y"))
    out: dict[str, Any] = {"choice": choice, "model": None}
    if choice.kind is None or choice.y is None or choice.x is None:
        return out
    x_name = t("chart.by_district") if choice.x == "_sgg_code" else choice.x
    if choice.kind == "district":
        try:
            agg = hub.datastore.aggregate_by_district(rid, choice.y, "sum")
        except HubError:
            return out
        pairs = [(a["name_en"] if t.lang == "en" else a["name"], a["value"]) for a in agg]
        out["model"] = charts.bar_chart(pairs, x_name, f"{choice.y} ({t('map.func.sum')})")
        return out
    params: dict[str, Any] = {"resource_id": rid, "limit": CHART_ROWS}
    if version:
        params["version"] = version
    if any(f["id"] == "is_total" and f["type"] == "BOOLEAN" for f in fields):
        params["filters"] = {"is_total": "false"}
    data = hub.datastore.search(params)
    rows = charts.without_totals(data["records"], choice.x if choice.kind == "bar" else None)
    out["partial"] = data["total"] > CHART_ROWS
    if choice.kind == "line":
        labels = [c for c in charts.label_columns(fields) if c != choice.x]
        by = charts.series_column(rows, choice.x, labels)
        out["model"] = charts.line_chart(rows, choice.x, choice.y, by, x_name, choice.y)
        out["series_by"] = by
    else:
        pairs = [(str(r.get(choice.x) if r.get(choice.x) is not None else ""), r.get(choice.y)) for r in rows]
        out["model"] = charts.bar_chart(pairs, x_name, choice.y)
    return out


def _map(request: Request, hub: Hub, rid: str, fields: list[dict[str, Any]], t: Any) -> dict[str, Any]:
    qp = request.query_params
    numeric = [f["id"] for f in fields if f["type"] in charts.NUMERIC and not f["id"].startswith("_")]
    preferred = charts.numeric_columns(fields)
    value = qp.get("map_value")
    if value is None:
        value = preferred[0] if preferred else ""
    if value and value not in numeric:
        value = ""
    func = qp.get("map_func") or ("sum" if value else "count")
    if func not in maps.FUNCS:
        func = "sum"
    if not value:
        func = "count"
    error = None
    try:
        aggregates = hub.datastore.aggregate_by_district(rid, value or None, func)
    except HubError as exc:
        aggregates = []
        error = exc.message_en if t.lang == "en" else exc.message_ko
    geometry = web_state(request).geometry
    districts, legend = maps.choropleth(geometry, aggregates, fmt_num)
    width, height = geometry.size
    return {
        "value": value,
        "func": func,
        "funcs": maps.FUNCS,
        "options": numeric,
        "districts": districts,
        "legend": legend,
        "width": width,
        "height": height,
        "inset": geometry.inset,
        "error": error,
        "located_rows": sum(a["rows"] for a in aggregates),
        "no_data_colour": maps.NO_DATA,
    }


def _api_snippets(site: str, name: str, rid: str) -> dict[str, str]:
    ckan = (
        "import ckanapi\n\n"
        f'hub = ckanapi.RemoteCKAN("{site}")\n'
        f'dataset = hub.action.package_show(id="{name}")\n'
        f'rows = hub.action.datastore_search(resource_id="{rid}", limit=100)\n'
        'print(rows["total"], rows["records"][:3])'
    )
    curl = (
        f"curl '{site}/api/3/action/package_show?id={name}'\n"
        f"curl '{site}/api/3/action/datastore_search?resource_id={rid}&limit=5'\n"
        f"curl -o {name}.csv '{site}/download/{rid}.csv'"
    )
    return {"ckan": ckan, "curl": curl}
