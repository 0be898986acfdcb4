"""OData `$filter` (and `$orderby` expressions) for SensorThings: a small recursive-descent parser into an
AST, compiled against an entity into SQL with `?` parameters. Values never enter the SQL text; property
names are checked against the entity's fields. Any problem raises `FilterError` (HTTP 400).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from incheon.errors import BadRequest
from incheon.sensors.sta.model import ENTITIES, Entity

MAX_LENGTH = 4000
MAX_DEPTH = 40
MAX_VERTICES = 500


class FilterError(BadRequest):
    def __init__(self, en: str, ko: str | None = None) -> None:
        super().__init__(ko or f"$filter 식이 올바르지 않습니다: {en}", en)


_TOKEN = re.compile(
    r"""\s*(?:
      (?P<geo>geography'(?:[^']|'')*')
    | (?P<str>'(?:[^']|'')*')
    | (?P<time>\d{4}-\d{2}-\d{2}(?:T\d{2}:\d{2}(?::\d{2}(?:\.\d+)?)?(?:Z|[+-]\d{2}:\d{2})?)?)
    | (?P<num>\d+(?:\.\d+)?(?:[eE][+-]?\d+)?)
    | (?P<name>[A-Za-z_@][A-Za-z0-9_.@]*(?:/[A-Za-z_@][A-Za-z0-9_.@]*)*)
    | (?P<punct>[(),-])
    )""",
    re.VERBOSE,
)
COMPARE = {"eq": "=", "ne": "<>", "gt": ">", "ge": ">=", "lt": "<", "le": "<="}
FLIP = {"eq": "eq", "ne": "ne", "gt": "lt", "ge": "le", "lt": "gt", "le": "ge"}
ARITH = {"add": "+", "sub": "-", "mul": "*", "div": "/", "mod": "%"}
FUNCS = {
    "substringof": 2, "contains": 2, "startswith": 2, "endswith": 2, "tolower": 1, "toupper": 1,
    "length": 1, "indexof": 2, "substring": (2, 3), "trim": 1, "concat": 2,
    "year": 1, "month": 1, "day": 1, "hour": 1, "minute": 1, "second": 1, "date": 1, "now": 0,
    "round": 1, "floor": 1, "ceiling": 1,
    "st_within": 2, "st_intersects": 2, "st_disjoint": 2, "st_equals": 2, "geo.intersects": 2,
    "geo.distance": 2,
}  # fmt: skip


def tokenize(text: str) -> list[tuple[str, str]]:
    if len(text) > MAX_LENGTH:
        raise FilterError("expression too long", "$filter 식이 너무 깁니다.")
    out, pos = [], 0
    while pos < len(text):
        if text[pos:].strip() == "":
            break
        m = _TOKEN.match(text, pos)
        if not m or m.end() == pos:
            raise FilterError(f"unexpected character at position {pos}")
        kind = m.lastgroup or ""
        out.append((kind, m.group(kind)))
        pos = m.end()
    return out


# AST nodes: ("lit", type, value) | ("path", [segments]) | ("op", name, a, b) | ("not", a) | ("neg", a)
#            | ("call", name, [args])
class Parser:
    def __init__(self, text: str) -> None:
        self.toks = tokenize(text)
        self.i = 0
        self.depth = 0

    def peek(self) -> tuple[str, str] | None:
        return self.toks[self.i] if self.i < len(self.toks) else None

    def word(self) -> str | None:
        t = self.peek()
        return t[1] if t and t[0] == "name" else None

    def take(self) -> tuple[str, str]:
        t = self.peek()
        if t is None:
            raise FilterError("unexpected end of expression")
        self.i += 1
        return t

    def expect(self, punct: str) -> None:
        t = self.take()
        if t != ("punct", punct):
            raise FilterError(f"expected '{punct}', found '{t[1]}'")

    def parse(self) -> Any:
        node = self.expr()
        if self.peek() is not None:
            raise FilterError(f"unexpected '{self.peek()[1]}'")  # type: ignore[index]
        return node

    def expr(self) -> Any:
        self.depth += 1
        if self.depth > MAX_DEPTH:
            raise FilterError("expression nested too deeply", "$filter 식이 너무 깊게 중첩되었습니다.")
        try:
            node = self.and_()
            while self.word() == "or":
                self.i += 1
                node = ("op", "or", node, self.and_())
            return node
        finally:
            self.depth -= 1

    def and_(self) -> Any:
        node = self.not_()
        while self.word() == "and":
            self.i += 1
            node = ("op", "and", node, self.not_())
        return node

    def not_(self) -> Any:
        if self.word() == "not":
            self.i += 1
            self.depth += 1
            if self.depth > MAX_DEPTH:
                raise FilterError("expression nested too deeply", "$filter 식이 너무 깊게 중첩되었습니다.")
            try:
                return ("not", self.not_())
            finally:
                self.depth -= 1
        return self.compare()

    def compare(self) -> Any:
        node = self.additive()
        if self.word() in COMPARE:
            op = self.take()[1]
            node = ("op", op, node, self.additive())
        return node

    def additive(self) -> Any:
        node = self.multiplicative()
        while self.word() in ("add", "sub"):
            node = ("op", self.take()[1], node, self.multiplicative())
        return node

    def multiplicative(self) -> Any:
        node = self.unary()
        while self.word() in ("mul", "div", "mod"):
            node = ("op", self.take()[1], node, self.unary())
        return node

    def unary(self) -> Any:
        if self.peek() == ("punct", "-"):
            self.i += 1
            t = self.peek()
            if t and t[0] == "num":
                self.i += 1
                return ("lit", "num", -_number(t[1]))
            return ("neg", self.primary())
        return self.primary()

    def primary(self) -> Any:
        kind, val = self.take()
        if kind == "punct" and val == "(":
            node = self.expr()
            self.expect(")")
            return node
        if kind == "str":
            return ("lit", "str", val[1:-1].replace("''", "'"))
        if kind == "num":
            return ("lit", "num", _number(val))
        if kind == "time":
            return ("lit", "time", _time(val))
        if kind == "geo":
            return ("lit", "geo", parse_wkt(val[len("geography'") : -1].replace("''", "'")))
        if kind == "name":
            low = val.lower()
            if low in ("true", "false"):
                return ("lit", "bool", low == "true")
            if low == "null":
                return ("lit", "null", None)
            if self.peek() == ("punct", "("):
                if low not in FUNCS:
                    raise FilterError(f"unknown function '{val}'", f"알 수 없는 함수입니다: {val}")
                self.i += 1
                args = []
                if self.peek() != ("punct", ")"):
                    args.append(self.expr())
                    while self.peek() == ("punct", ","):
                        self.i += 1
                        args.append(self.expr())
                self.expect(")")
                want = FUNCS[low]
                ok = len(args) in want if isinstance(want, tuple) else len(args) == want
                if not ok:
                    raise FilterError(f"wrong number of arguments for {low}")
                return ("call", low, args)
            if low in COMPARE or low in ARITH or low in ("and", "or", "not"):
                raise FilterError(f"unexpected operator '{val}'")
            return ("path", val.split("/"))
        raise FilterError(f"unexpected '{val}'")


def _number(text: str) -> float | int:
    try:
        return int(text)
    except ValueError:
        value = float(text)
        if value != value or value in (float("inf"), float("-inf")):
            raise FilterError(f"number out of range: {text}") from None
        return value


def _time(text: str) -> datetime:
    try:
        value = datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError:
        raise FilterError(f"invalid date/time: {text}") from None
    if value.tzinfo is not None:
        value = value.astimezone(UTC).replace(tzinfo=None)
    return value


def parse_wkt(text: str) -> dict[str, Any]:
    """POINT(x y) and POLYGON((x y, …)) (outer ring) as GeoJSON-like dicts."""
    m = re.fullmatch(r"\s*(?:SRID=\d+;)?\s*(POINT|POLYGON)\s*\((.*)\)\s*", text, re.IGNORECASE | re.DOTALL)
    if not m:
        raise FilterError(
            "only POINT and POLYGON geography literals are supported", "지원하지 않는 도형입니다."
        )
    kind, body = m.group(1).upper(), m.group(2)

    def coords(s: str) -> list[tuple[float, float]]:
        out = []
        for pair in s.split(","):
            parts = pair.split()
            if len(parts) < 2:
                raise FilterError("invalid WKT coordinates", "WKT 좌표가 올바르지 않습니다.")
            try:
                x, y = float(parts[0]), float(parts[1])
            except ValueError:
                raise FilterError("invalid WKT coordinates", "WKT 좌표가 올바르지 않습니다.") from None
            if not (-180 <= x <= 180 and -90 <= y <= 90):
                raise FilterError("coordinates out of range", "좌표가 범위를 벗어났습니다.")
            out.append((x, y))
        return out

    if kind == "POINT":
        pts = coords(body)
        if len(pts) != 1:
            raise FilterError("invalid POINT")
        return {"type": "Point", "coordinates": list(pts[0])}
    ring_m = re.match(r"\s*\(([^()]*)\)", body)
    if not ring_m:
        raise FilterError("invalid POLYGON")
    ring = coords(ring_m.group(1))
    if len(ring) < 4 or len(ring) > MAX_VERTICES:
        raise FilterError("a POLYGON needs 4 to 500 positions", "다각형 좌표 수가 올바르지 않습니다.")
    return {"type": "Polygon", "coordinates": [[list(p) for p in ring]]}


def parse(text: str) -> Any:
    return Parser(text).parse()


# ---------------------------------------------------------------------------------------------- compiling
@dataclass
class Sql:
    sql: str
    params: list[Any]
    type: str  # num | str | bool | time | geo | json | any | null | result


class Compiler:
    """Compiles an AST for rows of `entity` aliased `alias`; `dialect` is the store back end."""

    def __init__(self, entity: Entity, alias: str, dialect: str) -> None:
        self.entity, self.alias, self.dialect = entity, alias, dialect
        self.n = 0

    def where(self, node: Any) -> Sql:
        out = self.compile(node)
        if out.type not in ("bool", "any"):
            raise FilterError("$filter must be a condition", "$filter는 조건식이어야 합니다.")
        return out

    def compile(self, node: Any) -> Sql:
        kind = node[0]
        if kind == "lit":
            if node[1] == "null":
                return Sql("NULL", [], "null")
            if node[1] == "geo":
                return Sql("", [node[2]], "geo")
            if node[1] == "bool":
                return Sql("?", [node[2]], "bool")
            return Sql("?", [node[2]], node[1])
        if kind == "path":
            return self.path(node[1])
        if kind == "not":
            a = self.compile(node[1])
            self._want(a, "bool")
            return Sql(f"(NOT {a.sql})", a.params, "bool")
        if kind == "neg":
            a = self.compile(node[1])
            self._want(a, "num")
            return Sql(f"(- {a.sql})", a.params, "num")
        if kind == "op":
            return self.op(node[1], node[2], node[3])
        if kind == "call":
            return self.call(node[1], node[2])
        raise FilterError("invalid expression")

    def any_related(self, rel: Any, node: Any) -> Sql:
        """A condition on a many-valued navigation (`Datastreams/ObservedProperty/name eq 'x'` on Things): true
        when any related row satisfies it."""
        target = ENTITIES[rel.target]
        self.n += 1
        sub = f"m{self.n}"
        inner = Compiler(target, sub, self.dialect)
        inner.n = self.n * 100
        cond = inner.compile(node)
        if rel.fk:
            join = f"{sub}.{rel.fk} = {self.alias}.id"
        else:
            table, src, tgt = rel.link
            join = f"{sub}.id IN (SELECT {tgt} FROM {table} WHERE {src} = {self.alias}.id)"
        return Sql(
            f"EXISTS (SELECT 1 FROM {target.table} {sub} WHERE {join} AND {cond.sql})", cond.params, "bool"
        )

    @staticmethod
    def _want(a: Sql, *types: str) -> None:
        if a.type not in (*types, "any"):
            raise FilterError(f"expected {' or '.join(types)}, found {a.type}")

    def op(self, name: str, left: Any, right: Any) -> Sql:
        if name in COMPARE and right[0] == "path" and left[0] == "lit":
            left, right, name = right, left, FLIP[name]
        if name in COMPARE and left[0] == "path" and right[0] == "lit":
            rel = self.entity.rel.get(left[1][0])
            if rel is not None and rel.many and len(left[1]) > 1:
                return self.any_related(rel, ("op", name, ("path", left[1][1:]), right))
        a, b = self.compile(left), self.compile(right)
        if name in ("and", "or"):
            self._want(a, "bool")
            self._want(b, "bool")
            return Sql(f"({a.sql} {name.upper()} {b.sql})", a.params + b.params, "bool")
        if name in ARITH:
            a, b = self._numeric(a), self._numeric(b)
            if name == "div":
                return Sql(f"(CAST({a.sql} AS DOUBLE PRECISION) / {b.sql})", a.params + b.params, "num")
            if name == "mod":
                return Sql(f"MOD({a.sql}, {b.sql})", a.params + b.params, "num")
            return Sql(f"({a.sql} {ARITH[name]} {b.sql})", a.params + b.params, "num")
        # comparison
        if a.type == "null" or b.type == "null":
            other = b if a.type == "null" else a
            if name not in ("eq", "ne"):
                raise FilterError("null can only be compared with eq or ne")
            if other.type == "null":
                return Sql("(1 = 1)" if name == "eq" else "(1 = 0)", [], "bool")
            return Sql(f"({other.sql} IS {'' if name == 'eq' else 'NOT '}NULL)", other.params, "bool")
        a, b = self._coerce(a, b), self._coerce(b, a)
        if "geo" in (a.type, b.type):
            raise FilterError("geometries are compared with the geo functions")
        if a.type not in ("any", b.type) and b.type != "any":
            raise FilterError(f"cannot compare {a.type} with {b.type}")
        return Sql(f"({a.sql} {COMPARE[name]} {b.sql})", a.params + b.params, "bool")

    def _numeric(self, a: Sql) -> Sql:
        if a.type == "result":
            return Sql(a.sql.replace("result_json", "result_number"), a.params, "num")
        if a.type == "json":
            return Sql(f"CAST({a.sql} AS DOUBLE PRECISION)", a.params, "num")
        self._want(a, "num")
        return a

    def _coerce(self, a: Sql, other: Sql) -> Sql:
        """`result` compares as a number or a string, JSON members as their text, time with ISO text."""
        if a.type == "result":
            if other.type == "str":
                return Sql(a.sql.replace("result_json", "result_string"), a.params, "str")
            if other.type == "bool":
                return Sql(f"({a.sql} = 'true')", a.params, "bool")
            return Sql(a.sql.replace("result_json", "result_number"), a.params, "num")
        if a.type == "json":
            if other.type == "num":
                return Sql(f"CAST({a.sql} AS DOUBLE PRECISION)", a.params, "num")
            if other.type == "bool":
                return Sql(f"({a.sql} = 'true')", a.params, "bool")
            return Sql(a.sql, a.params, "str")
        if a.type == "str" and other.type == "time" and a.sql == "?":
            return Sql("?", [_time(a.params[0])], "time")
        return a

    def _string(self, a: Sql) -> Sql:
        if a.type in ("json", "result"):
            return Sql(a.sql.replace("result_json", "result_string"), a.params, "str")
        self._want(a, "str")
        return a

    def _when(self, a: Sql) -> Sql:
        if a.type == "str" and a.sql == "?":
            return Sql("?", [_time(a.params[0])], "time")
        self._want(a, "time")
        return a

    def call(self, name: str, args: list[Any]) -> Sql:
        if name in (
            "st_within",
            "st_intersects",
            "st_disjoint",
            "st_equals",
            "geo.intersects",
            "geo.distance",
        ):
            return self.geo(name, args)
        cs = [self.compile(a) for a in args]
        params = [p for c in cs for p in c.params]
        if name in ("substringof", "contains", "startswith", "endswith", "indexof", "concat"):
            s1, s2 = self._string(cs[0]), self._string(cs[1])
            if name == "substringof":  # substringof(needle, haystack)
                return Sql(f"(strpos({s2.sql}, {s1.sql}) > 0)", s2.params + s1.params, "bool")
            if name == "contains":
                return Sql(f"(strpos({s1.sql}, {s2.sql}) > 0)", params, "bool")
            if name == "startswith":
                return Sql(f"(strpos({s1.sql}, {s2.sql}) = 1)", params, "bool")
            if name == "endswith":
                return Sql(
                    f"(right({s1.sql}, length({s2.sql})) = {s2.sql})", s1.params + s2.params * 2, "bool"
                )
            if name == "indexof":
                return Sql(f"(strpos({s1.sql}, {s2.sql}) - 1)", params, "num")
            return Sql(f"({s1.sql} || {s2.sql})", params, "str")
        if name in ("tolower", "toupper", "trim", "length"):
            s = self._string(cs[0])
            fn = {"tolower": "lower", "toupper": "upper", "trim": "trim", "length": "length"}[name]
            return Sql(f"{fn}({s.sql})", s.params, "num" if name == "length" else "str")
        if name == "substring":
            s = self._string(cs[0])
            start = self._numeric(cs[1])
            if len(cs) == 3:
                n = self._numeric(cs[2])
                return Sql(
                    f"substr({s.sql}, CAST({start.sql} AS BIGINT) + 1, CAST({n.sql} AS BIGINT))",
                    params,
                    "str",
                )
            return Sql(f"substr({s.sql}, CAST({start.sql} AS BIGINT) + 1)", params, "str")
        if name in ("year", "month", "day", "hour", "minute", "second"):
            t = self._when(cs[0])
            return Sql(f"CAST(EXTRACT({name.upper()} FROM {t.sql}) AS BIGINT)", t.params, "num")
        if name == "date":
            t = self._when(cs[0])
            return Sql(f"CAST(CAST({t.sql} AS DATE) AS TIMESTAMP)", t.params, "time")
        if name == "now":
            return Sql("?", [datetime.now(UTC).replace(tzinfo=None)], "time")
        x = self._numeric(cs[0])
        fn = {"round": "round", "floor": "floor", "ceiling": "ceil"}[name]
        return Sql(f"{fn}(CAST({x.sql} AS DOUBLE PRECISION))", x.params, "num")

    # -------------------------------------------------------------------------------------- geo
    def geo(self, name: str, args: list[Any]) -> Sql:
        """Points (Locations, FeaturesOfInterest) against a literal point or polygon, in plain SQL arithmetic
        (ray casting with parameters), so both back ends answer the same without a spatial extension."""
        a, b = args
        if a[0] == "lit" and b[0] == "path":
            a, b = b, a
        if a[0] != "path" or b[0] != "lit" or b[1] != "geo":
            raise FilterError(f"{name} takes a location property and a geography'…' literal")
        shape = b[2]
        segments = a[1]
        rel = self.entity.rel.get(segments[0]) if len(segments) == 2 else None
        if rel is not None and rel.many and name != "geo.distance":
            # any related row (a Thing's Locations): EXISTS over the relation
            return self.any_related(rel, ("call", name, [("path", [segments[1]]), b]))
        lon, lat = self.point_columns(segments)
        if name == "geo.distance":
            x, y = shape["coordinates"] if shape["type"] == "Point" else _centroid(shape)
            return Sql(f"sqrt(power({lon} - ?, 2) + power({lat} - ?, 2))", [x, y], "num")
        if shape["type"] == "Point":
            x, y = shape["coordinates"]
            inside = Sql(f"({lon} = ? AND {lat} = ?)", [x, y], "bool")
        else:
            inside = _point_in_polygon(lon, lat, shape["coordinates"][0])
        if name == "st_disjoint":
            return Sql(f"(NOT COALESCE({inside.sql}, false))", inside.params, "bool")
        return inside

    def point_columns(self, segments: list[str]) -> tuple[str, str]:
        entity, alias = self.entity, self.alias
        *hops, last = segments
        for hop in hops:
            rel = entity.rel.get(hop)
            if rel is None or rel.many:
                raise FilterError(f"unknown or many-valued navigation '{hop}'")
            target = ENTITIES[rel.target]
            self.n += 1
            # a point of a related row through a foreign key: a scalar subquery per column
            sub = f"g{self.n}"
            lon = f"(SELECT {sub}.{{c}} FROM {target.table} {sub} WHERE {sub}.id = {alias}.{rel.fk})"
            if target.geo and last == target.geo[0] and hop == hops[-1]:
                return lon.format(c=target.geo[1]), lon.format(c=target.geo[2])
            entity = target
            alias = sub
            raise FilterError("geo functions follow one navigation step at most")
        if entity.geo is None or last != entity.geo[0]:
            raise FilterError(f"'{last}' is not a location property", f"위치 속성이 아닙니다: {last}")
        return f"{alias}.{entity.geo[1]}", f"{alias}.{entity.geo[2]}"

    # -------------------------------------------------------------------------------------- paths
    def path(self, segments: list[str]) -> Sql:
        entity, alias = self.entity, self.alias
        wrap: list[tuple[str, str]] = []  # (subquery prefix, suffix) from outer to inner
        i = 0
        while i < len(segments) - 1 and segments[i] in entity.rel:
            rel = entity.rel[segments[i]]
            if rel.many:
                raise FilterError(
                    f"navigation '{segments[i]}' is many-valued", f"다중 관계입니다: {segments[i]}"
                )
            target = ENTITIES[rel.target]
            if segments[i + 1] == "id" and i + 2 == len(segments):
                return self._wrapped(wrap, f"{alias}.{rel.fk}", "num")
            self.n += 1
            sub = f"p{self.n}"
            wrap.append(("(SELECT ", f" FROM {target.table} {sub} WHERE {sub}.id = {alias}.{rel.fk})"))
            entity, alias = target, sub
            i += 1
        name = segments[i]
        prop = entity.prop.get(name)
        if prop is None:
            raise FilterError(
                f"unknown property '{name}' of {entity.singular}", f"알 수 없는 속성입니다: {name}"
            )
        rest = segments[i + 1 :]
        column = f"{alias}.{prop.column}"
        if rest:
            if prop.kind not in ("json", "result"):
                raise FilterError(f"property '{name}' has no members")
            if not all(re.fullmatch(r"[A-Za-z0-9_@.\-]+", r) for r in rest):
                raise FilterError("invalid member name")
            return self._wrapped(wrap, self._json_member(column, rest), "json")
        kind = {"id": "num", "interval": "time", "geo": "geo"}.get(prop.kind, prop.kind)
        if kind == "geo":
            raise FilterError("geometries are compared with the geo functions")
        return self._wrapped(wrap, column, kind)

    def _json_member(self, column: str, members: list[str]) -> str:
        # member names are checked above to be plain identifiers; they are still passed as literals safely
        if self.dialect == "postgres":
            path = ",".join('"' + m + '"' for m in members)
            return f"(CAST({column} AS JSONB) #>> '{{{path}}}')"
        path = "$." + ".".join('"' + m + '"' for m in members)
        return f"json_extract_string({column}, '{path}')"

    @staticmethod
    def _wrapped(wrap: list[tuple[str, str]], inner: str, kind: str) -> Sql:
        for pre, post in reversed(wrap):
            inner = pre + inner + post
        return Sql(inner, [], kind)


def _point_in_polygon(lon: str, lat: str, ring: list[list[float]]) -> Sql:
    xs, ys = [p[0] for p in ring], [p[1] for p in ring]
    params: list[Any] = [min(xs), max(xs), min(ys), max(ys)]
    terms = []
    for (x1, y1), (x2, y2) in zip(ring, ring[1:], strict=False):
        if y1 == y2:
            continue
        # edge crosses the horizontal through the point, and the crossing is east of it
        terms.append(
            f"CASE WHEN ((? > {lat}) <> (? > {lat})) AND ({lon} < ? * ({lat} - ?) + ?) THEN 1 ELSE 0 END"
        )
        params += [y1, y2, (x2 - x1) / (y2 - y1), y1, x1]
    crossings = " + ".join(terms) or "0"
    sql = f"({lon} BETWEEN ? AND ? AND {lat} BETWEEN ? AND ? AND MOD({crossings}, 2) = 1)"
    return Sql(sql, params, "bool")


def _centroid(shape: dict[str, Any]) -> tuple[float, float]:
    ring = shape["coordinates"][0][:-1]
    return sum(p[0] for p in ring) / len(ring), sum(p[1] for p in ring) / len(ring)
