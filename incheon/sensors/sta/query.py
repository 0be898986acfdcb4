"""Reading: resource paths, query options ($filter, $expand, $select, $orderby, $top, $skip, $count,
$resultFormat) and rendering rows as SensorThings JSON."""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any
from urllib.parse import urlencode

from incheon.errors import BadRequest, NotFound
from incheon.sensors.sta import filter as odata
from incheon.sensors.sta.model import ENTITIES, Entity, Rel

DEFAULT_TOP = 100
MAX_TOP = 10_000
OPTIONS = {"$filter", "$expand", "$select", "$orderby", "$top", "$skip", "$count", "$resultFormat"}
DATA_ARRAY_COMPONENTS = [
    "id",
    "phenomenonTime",
    "resultTime",
    "result",
    "resultQuality",
    "validTime",
    "parameters",
]


def bad(en: str, ko: str) -> BadRequest:
    return BadRequest(ko, en)


def missing(entity: Entity, ident: Any) -> NotFound:
    return NotFound(
        f"{entity.singular}을(를) 찾을 수 없습니다: {ident}", f"{entity.singular} not found: {ident}"
    )


@dataclass
class Options:
    filter: Any = None
    select: list[str] | None = None
    expand: dict[str, Options] = field(default_factory=dict)
    orderby: list[tuple[Any, bool]] = field(default_factory=list)
    top: int | None = None
    skip: int = 0
    count: bool = False
    result_format: str | None = None
    raw: dict[str, str] = field(default_factory=dict)
    ref: bool = False  # association links only (`…/$ref`)


def split_top(text: str, sep: str) -> list[str]:
    """Split on `sep` outside parentheses and quotes."""
    out, depth, quote, cur = [], 0, False, []
    for ch in text:
        if ch == "'":
            quote = not quote
        elif not quote and ch == "(":
            depth += 1
        elif not quote and ch == ")":
            depth -= 1
        if ch == sep and depth == 0 and not quote:
            out.append("".join(cur))
            cur = []
        else:
            cur.append(ch)
    out.append("".join(cur))
    return [p.strip() for p in out if p.strip()]


def _int(name: str, value: str) -> int:
    if not re.fullmatch(r"\d{1,9}", value.strip()):
        raise bad(f"{name} must be a non-negative integer", f"{name}은(는) 0 이상의 정수여야 합니다.")
    return int(value)


def parse_options(params: dict[str, str], entity: Entity) -> Options:
    opts = Options(raw=dict(params))
    for key in params:
        if key.startswith("$") and key not in OPTIONS:
            raise bad(f"unknown query option {key}", f"알 수 없는 질의 옵션입니다: {key}")
    if params.get("$filter"):
        opts.filter = odata.parse(params["$filter"])
        odata.Compiler(entity, "a", "duckdb").where(opts.filter)  # checks names and types now
    if "$select" in params:
        names = [s.strip() for s in params["$select"].split(",") if s.strip()]
        for n in names:
            if n not in entity.prop and n not in entity.rel:
                raise bad(f"unknown property in $select: {n}", f"$select의 속성을 알 수 없습니다: {n}")
        opts.select = names
    if params.get("$orderby"):
        for term in split_top(params["$orderby"], ","):
            m = re.fullmatch(r"(.+?)(?:\s+(asc|desc))?", term.strip(), re.IGNORECASE)
            if m is None:
                raise bad("invalid $orderby", "$orderby가 올바르지 않습니다.")
            node = odata.parse(m.group(1))
            odata.Compiler(entity, "a", "duckdb").compile(node)
            opts.orderby.append((node, (m.group(2) or "asc").lower() == "desc"))
    if "$top" in params:
        opts.top = min(_int("$top", params["$top"]), MAX_TOP)
    if "$skip" in params:
        opts.skip = _int("$skip", params["$skip"])
    if "$count" in params:
        value = params["$count"].strip().lower()
        if value not in ("true", "false"):
            raise bad("$count must be true or false", "$count는 true 또는 false여야 합니다.")
        opts.count = value == "true"
    if "$resultFormat" in params:
        if params["$resultFormat"] != "dataArray" or entity.set_name != "Observations":
            raise bad(
                "$resultFormat=dataArray applies to Observations", "dataArray는 관측값에만 쓸 수 있습니다."
            )
        opts.result_format = "dataArray"
    if params.get("$expand"):
        for item in split_top(params["$expand"], ","):
            _add_expand(opts, entity, item)
    return opts


def _add_expand(opts: Options, entity: Entity, item: str) -> None:
    m = re.fullmatch(r"([A-Za-z]+)(?:\((.*)\))?(?:/(.+))?", item, re.DOTALL)
    if m is None:
        raise bad(f"invalid $expand: {item}", f"$expand가 올바르지 않습니다: {item}")
    name, inner, rest = m.groups()
    if inner is not None and rest:
        raise bad(f"invalid $expand: {item}", f"$expand가 올바르지 않습니다: {item}")
    if "/" in name or name not in entity.rel:
        raise bad(
            f"unknown navigation property in $expand: {name}", f"$expand의 관계를 알 수 없습니다: {name}"
        )
    target = ENTITIES[entity.rel[name].target]
    sub: dict[str, str] = {}
    for part in split_top(inner or "", ";"):
        k, sep, v = part.partition("=")
        if not sep:
            raise bad(f"invalid $expand option: {part}", f"$expand 옵션이 올바르지 않습니다: {part}")
        sub[k.strip()] = v.strip()
    if "$resultFormat" in sub:
        raise bad("$resultFormat cannot be nested", "$resultFormat은 중첩할 수 없습니다.")
    child = opts.expand.get(name) or parse_options(sub, target)
    if inner is not None and name in opts.expand:
        child = parse_options(sub, target)
        child.expand.update(opts.expand[name].expand)
    if rest:
        _add_expand(child, target, rest)
    opts.expand[name] = child


# ---------------------------------------------------------------------------------------------- values
def iso(value: datetime | None) -> str | None:
    if value is None:
        return None
    text = value.isoformat()
    return text + "Z" if value.tzinfo is None else text


def interval(start: datetime | None, end: datetime | None, instant_ok: bool) -> str | None:
    if start is None:
        return None
    if end is None or (instant_ok and end == start):
        return iso(start)
    return f"{iso(start)}/{iso(end)}"


def prop_value(entity: Entity, row: dict[str, Any], name: str) -> Any:
    p = entity.prop[name]
    v = row.get(p.column)
    if p.kind in ("json", "geo", "result"):
        return None if v is None else json.loads(v)
    if p.kind == "time":
        return iso(v)
    if p.kind == "interval":
        return interval(v, row.get(p.end_column or ""), entity.set_name != "Datastreams")
    return v


# ---------------------------------------------------------------------------------------------- reading
@dataclass
class Target:
    """What a resource path names: one entity (`ident`) or a collection (`conds`), maybe a property."""

    entity: Entity
    ident: int | None = None
    conds: list[tuple[str, list[Any]]] = field(default_factory=list)
    prop: str | None = None
    raw_value: bool = False
    ref: bool = False
    parent: tuple[Entity, int, Rel] | None = None


_SEGMENT = re.compile(r"([A-Za-z$]+)(?:\((\d{1,18})\))?")


def rel_condition(rel: Rel, parent: Entity, parent_id: int) -> tuple[str, list[Any]]:
    """SQL over rows `a` of rel's target that are related to parent row `parent_id`."""
    if not rel.many:
        return f"a.id = (SELECT {rel.fk} FROM {parent.table} WHERE id = ?)", [parent_id]
    if rel.fk:
        return f"a.{rel.fk} = ?", [parent_id]
    table, src, tgt = rel.link  # type: ignore[misc]
    return f"a.id IN (SELECT {tgt} FROM {table} WHERE {src} = ?)", [parent_id]


class Reader:
    def __init__(self, store: Any, base: str) -> None:
        self.store, self.base = store, base.rstrip("/")
        self.dialect = store.backend

    def exists(self, entity: Entity, ident: int, conds: list[tuple[str, list[Any]]] | None = None) -> bool:
        conds = conds or []
        where = " AND ".join(["a.id = ?"] + [c for c, _ in conds])
        params = [ident] + [p for _, ps in conds for p in ps]
        return bool(self.store.query(f"SELECT 1 FROM {entity.table} a WHERE {where}", params))

    def resolve(self, path: str) -> Target:
        segments = [s for s in path.strip("/").split("/") if s]
        if not segments:
            raise bad("empty path", "경로가 비어 있습니다.")
        m = _SEGMENT.fullmatch(segments[0])
        if not m or m.group(1) not in ENTITIES:
            raise NotFound(f"알 수 없는 경로입니다: {segments[0]}", f"Unknown resource: {segments[0]}")
        entity = ENTITIES[m.group(1)]
        target = Target(entity, int(m.group(2)) if m.group(2) else None)
        if target.ident is not None and not self.exists(entity, target.ident):
            raise missing(entity, target.ident)
        for i, seg in enumerate(segments[1:], start=1):
            if target.prop is not None:
                if seg == "$value" and i == len(segments) - 1:
                    target.raw_value = True
                    continue
                raise NotFound(f"알 수 없는 경로입니다: {seg}", f"Unknown resource: {seg}")
            if seg == "$ref" and i == len(segments) - 1:
                target.ref = True
                continue
            if target.ident is None:
                raise bad(
                    "navigate from a single entity, e.g. Things(1)/Datastreams",
                    "단일 개체에서만 탐색할 수 있습니다.",
                )
            m = _SEGMENT.fullmatch(seg)
            if m and m.group(1) in target.entity.rel:
                rel = target.entity.rel[m.group(1)]
                child = ENTITIES[rel.target]
                cond = rel_condition(rel, target.entity, target.ident)
                if not rel.many:
                    row = self.store.query(f"SELECT a.id FROM {child.table} a WHERE {cond[0]}", cond[1])
                    if not row:
                        raise missing(child, f"{target.entity.singular}({target.ident})/{rel.name}")
                    target = Target(child, row[0][0])
                elif m.group(2):
                    ident = int(m.group(2))
                    if not self.exists(child, ident, [cond]):
                        raise missing(child, ident)
                    target = Target(child, ident)
                else:
                    target = Target(child, None, [cond], parent=(target.entity, target.ident, rel))
            elif seg in target.entity.prop and not (m and m.group(2)):
                target.prop = seg
            else:
                raise NotFound(f"알 수 없는 경로입니다: {seg}", f"Unknown resource: {seg}")
        return target

    # ------------------------------------------------------------------ collections
    def _sql(
        self, entity: Entity, conds: list[tuple[str, list[Any]]], opts: Options
    ) -> tuple[str, list[Any], str, list[Any]]:
        """WHERE (with its parameters) and ORDER BY (with its parameters) for rows `a` of `entity`."""
        where, params = [c for c, _ in conds], [p for _, ps in conds for p in ps]
        if opts.filter is not None:
            f = odata.Compiler(entity, "a", self.dialect).where(opts.filter)
            where.append(f.sql)
            params += f.params
        order, order_params = [], []
        last_desc = False
        for node, desc in opts.orderby:
            c = odata.Compiler(entity, "a", self.dialect).compile(node)
            if c.type == "result":
                c = odata.Sql(c.sql.replace("result_json", "result_number"), c.params, "num")
            order.append(f"{c.sql} {'DESC' if desc else 'ASC'}")
            order_params += c.params
            last_desc = desc
        order.append("a.id DESC" if last_desc else "a.id ASC")
        sql_where = (" WHERE " + " AND ".join(where)) if where else ""
        return sql_where, params, " ORDER BY " + ", ".join(order), order_params

    def rows(
        self, entity: Entity, conds: list[tuple[str, list[Any]]], opts: Options, top: int
    ) -> tuple[list[dict[str, Any]], bool, int | None]:
        where, params, order, order_params = self._sql(entity, conds, opts)
        sql = f"SELECT a.* FROM {entity.table} a{where}{order} LIMIT {int(top) + 1} OFFSET {int(opts.skip)}"
        rows = self.store.query_dicts(sql, params + order_params)
        count = None
        if opts.count:
            count = self.store.query(f"SELECT COUNT(*) FROM {entity.table} a{where}", params)[0][0]
        return rows[:top], len(rows) > top, count

    def collection(
        self,
        entity: Entity,
        conds: list[tuple[str, list[Any]]],
        opts: Options,
        url: str,
        query: dict[str, str],
    ) -> dict[str, Any]:
        top = DEFAULT_TOP if opts.top is None else opts.top
        rows, more, count = self.rows(entity, conds, opts, top)
        out: dict[str, Any] = {}
        if count is not None:
            out["@iot.count"] = count
        if more and top > 0:
            nxt = dict(query)
            nxt["$top"] = str(top)
            nxt["$skip"] = str(opts.skip + top)
            out["@iot.nextLink"] = url + "?" + urlencode(nxt)
        if opts.ref:
            out["value"] = [{"@iot.selfLink": f"{self.base}/{entity.set_name}({r['id']})"} for r in rows]
        elif opts.result_format == "dataArray":
            out["value"] = self.data_array(rows, opts)
        else:
            out["value"] = [self.render(entity, r, opts) for r in rows]
        return out

    def data_array(self, rows: list[dict[str, Any]], opts: Options) -> list[dict[str, Any]]:
        entity = ENTITIES["Observations"]
        comps = [c for c in (opts.select or DATA_ARRAY_COMPONENTS[:4]) if c in entity.prop]
        groups: dict[int, list[list[Any]]] = {}
        for r in rows:
            groups.setdefault(r["datastream_id"], []).append([prop_value(entity, r, c) for c in comps])
        return [
            {
                "Datastream@iot.navigationLink": f"{self.base}/Datastreams({ds})",
                "components": comps,
                "dataArray@iot.count": len(values),
                "dataArray": values,
            }
            for ds, values in groups.items()
        ]

    def one(self, entity: Entity, ident: int, opts: Options) -> dict[str, Any]:
        rows = self.store.query_dicts(f"SELECT a.* FROM {entity.table} a WHERE a.id = ?", [ident])
        if not rows:
            raise missing(entity, ident)
        return self.render(entity, rows[0], opts)

    def render(self, entity: Entity, row: dict[str, Any], opts: Options) -> dict[str, Any]:
        ident = row["id"]
        link = f"{self.base}/{entity.set_name}({ident})"
        sel = opts.select
        out: dict[str, Any] = {}
        if sel is None or "id" in sel:
            out["@iot.id"] = ident
        if sel is None:
            out["@iot.selfLink"] = link
        for p in entity.props:
            if p.name != "id" and (sel is None or p.name in sel):
                out[p.name] = prop_value(entity, row, p.name)
        for rel in entity.rels:
            if sel is None or rel.name in sel:
                out[f"{rel.name}@iot.navigationLink"] = f"{link}/{rel.name}"
        for name, sub in opts.expand.items():
            rel = entity.rel[name]
            target = ENTITIES[rel.target]
            cond = rel_condition(rel, entity, ident)
            if not rel.many:
                fk = row.get(rel.fk or "")
                found = (
                    None
                    if fk is None
                    else self.store.query_dicts(f"SELECT a.* FROM {target.table} a WHERE a.id = ?", [fk])
                )
                out[name] = self.render(target, found[0], sub) if found else None
                continue
            top = DEFAULT_TOP if sub.top is None else sub.top
            rows, more, count = self.rows(target, [cond], sub, top)
            if count is not None:
                out[f"{name}@iot.count"] = count
            out[name] = [self.render(target, r, sub) for r in rows]
            if more and top > 0:
                q = urlencode({**sub.raw, "$top": top, "$skip": sub.skip + top})
                out[f"{name}@iot.nextLink"] = f"{link}/{name}?{q}"
        return out
