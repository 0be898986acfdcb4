"""Row access to published resources: CKAN datastore_search and datastore_search_sql, plus aggregation by
district. Queries run on the current version's table; since versions never change, a count computed
once is exact forever and is cached (no COUNT(*) per request, which is what makes big tables slow).
"""

from __future__ import annotations

import re
import threading
from collections import OrderedDict
from decimal import Decimal
from typing import Any

from incheon.errors import BadRequest
from incheon.hub.catalog import Catalog
from incheon.hub.ingest.types import CKAN_TYPES
from incheon.hub.sqlguard import vet
from incheon.hub.storage.base import Store, quote_ident
from incheon.settings import Settings

_SORT_RE = re.compile(r"^\s*(?P<col>\"[^\"]+\"|[^\s,]+)\s*(?P<dir>asc|desc)?\s*$", re.IGNORECASE)
AGGREGATES = {"sum": "sum", "avg": "avg", "count": "count", "min": "min", "max": "max"}


class CountCache:
    """LRU of exact counts keyed by (table, where, params): tables are immutable, so entries never go stale."""

    def __init__(self, size: int) -> None:
        self.size = size
        self._data: OrderedDict[tuple, int] = OrderedDict()
        self._lock = threading.Lock()

    def get(self, key: tuple) -> int | None:
        with self._lock:
            if key in self._data:
                self._data.move_to_end(key)
                return self._data[key]
        return None

    def put(self, key: tuple, value: int) -> None:
        with self._lock:
            self._data[key] = value
            self._data.move_to_end(key)
            while len(self._data) > self.size:
                self._data.popitem(last=False)


class Datastore:
    def __init__(self, store: Store, catalog: Catalog, settings: Settings) -> None:
        self.store = store
        self.catalog = catalog
        self.settings = settings
        self.counts = CountCache(settings.count_cache_size)

    def _target(self, resource_id: str, version: int | None = None) -> tuple[str, list[dict[str, Any]], int]:
        v = self.catalog.version(resource_id, version)
        return v["table"], v["schema"], v["version"]

    def search(self, params: dict[str, Any]) -> dict[str, Any]:
        rid = params.get("resource_id") or params.get("id")
        if not rid:
            raise BadRequest("resource_id가 필요합니다.", "resource_id is required.", field="resource_id")
        table, schema, version = self._target(str(rid), _int(params.get("version"), "version", None))
        types = {f["id"]: f["type"] for f in schema}
        limit = _int(params.get("limit"), "limit", 100)
        offset = _int(params.get("offset"), "offset", 0)
        if not 0 <= limit <= self.settings.search_max_rows or offset < 0:
            raise BadRequest(
                f"limit은 0~{self.settings.search_max_rows}, offset은 0 이상이어야 합니다.",
                f"limit must be 0-{self.settings.search_max_rows} and offset >= 0.",
                field="limit",
            )
        fields = _list(params.get("fields")) or list(types)
        _known(fields, types)
        where, args = [], []
        filters = params.get("filters") or {}
        if isinstance(filters, str):
            import json

            try:
                filters = json.loads(filters)
            except ValueError:
                raise BadRequest(
                    "filters는 JSON 객체여야 합니다.", "filters must be a JSON object.", field="filters"
                ) from None
        if not isinstance(filters, dict):
            raise BadRequest("filters는 객체여야 합니다.", "filters must be an object.", field="filters")
        _known(list(filters), types)
        for col, value in sorted(filters.items()):
            values = value if isinstance(value, list) else [value]
            if not values:
                continue
            where.append(f"{self._col(col)} IN ({', '.join('?' for _ in values)})")
            args += [_convert(v, types[col], col) for v in values]
        q = params.get("q")
        if q:
            if isinstance(q, dict):
                _known(list(q), types)
                for col, text in sorted(q.items()):
                    where.append(f"CAST({self._col(col)} AS VARCHAR) ILIKE ?")
                    args.append(f"%{text}%")
            else:
                text_cols = [c for c, t in types.items() if t == "VARCHAR"]
                if text_cols:
                    where.append("(" + " OR ".join(f"{quote_ident(c)} ILIKE ?" for c in text_cols) + ")")
                    args += [f"%{q}%"] * len(text_cols)
                else:
                    where.append("FALSE")
        order = self._order(params.get("sort"), types)
        where_sql = (" WHERE " + " AND ".join(where)) if where else ""
        tq = f"data.{quote_ident(table)}"
        cols = ", ".join(f"{self._col(f)} AS {quote_ident(f)}" for f in fields)
        records = self.store.query_dicts(
            f"SELECT {cols} FROM {tq}{where_sql}{order} LIMIT {limit} OFFSET {offset}", args
        )
        key = (table, where_sql, tuple(map(str, args)))
        total = self.counts.get(key)
        if total is None:
            total = int(self.store.query(f"SELECT count(*) FROM {tq}{where_sql}", args)[0][0])
            self.counts.put(key, total)
        records = [{k: jsonable(v) for k, v in r.items()} for r in records]
        return {
            "resource_id": rid,
            "version": version,
            "fields": [{"id": f, "type": CKAN_TYPES.get(types[f], "text")} for f in fields],
            "records": records,
            "total": total,
            "total_was_estimated": False,
            "limit": limit,
            "offset": offset,
            "_links": {
                "start": f"/api/3/action/datastore_search?resource_id={rid}",
                "next": f"/api/3/action/datastore_search?resource_id={rid}&offset={offset + limit}",
            },
        }

    def export_query(
        self, resource_id: str, version: int | None = None
    ) -> tuple[dict[str, Any], list[str], str]:
        """(version facts, column names, SQL) reading a whole version in row order, for streamed downloads."""
        v = self.catalog.version(resource_id, version)
        cols = [f["id"] for f in v["schema"]]
        select = ", ".join(f"{self._col(c)} AS {quote_ident(c)}" for c in cols)
        return (
            v,
            cols,
            f"SELECT {select} FROM data.{quote_ident(v['table'])} ORDER BY {self.store.row_order_sql}",
        )

    def _col(self, name: str) -> str:
        """A column as SQL on a data table; `_id` is computed where the store does not keep it."""
        return self.store.row_id_sql if name == "_id" else quote_ident(name)

    def _order(self, sort: Any, types: dict[str, str]) -> str:
        if not sort:
            return f" ORDER BY {self.store.row_order_sql}"
        parts = []
        for item in str(sort).split(","):
            m = _SORT_RE.match(item)
            if not m:
                raise BadRequest(f"정렬 형식이 잘못되었습니다: {item}", f"Invalid sort: {item}", field="sort")
            col = m["col"].strip('"')
            _known([col], types)
            key = self.store.row_order_sql if col == "_id" else quote_ident(col)
            parts.append(f"{key} {(m['dir'] or 'asc').upper()}")
        return " ORDER BY " + ", ".join(parts) + f", {self.store.row_order_sql}"

    def search_sql(self, sql: str) -> dict[str, Any]:
        allowed = {
            r[0]
            for r in self.store.query(
                "SELECT r.id FROM hub.resources r JOIN hub.datasets d ON d.id = r.dataset_id "
                "WHERE r.current_version IS NOT NULL AND r.state = 'active' AND d.state = 'active'"
            )
        }
        vet(sql, allowed)
        try:
            names, rows = self.store.sandboxed_select(
                sql, self.settings.sql_timeout_seconds, self.settings.sql_max_rows
            )
        except Exception as exc:  # the engine's error text may leak internals: answer with a generic message
            text = str(exc).split("\n")[0][:200]
            if "interrupt" in text.lower() or "timeout" in text.lower() or "cancel" in text.lower():
                raise BadRequest(
                    "쿼리 시간 제한을 넘었습니다.", "The query exceeded the time limit.", field="sql"
                ) from None
            raise BadRequest(
                "SQL을 실행할 수 없습니다: " + text, "The SQL could not be run: " + text, field="sql"
            ) from None
        records = [{n: jsonable(v) for n, v in zip(names, row, strict=True)} for row in rows]
        return {
            "sql": sql,
            "records": records,
            "fields": [{"id": n} for n in names],
            "records_truncated": len(rows) >= self.settings.sql_max_rows,
        }

    def aggregate_by_district(
        self, resource_id: str, value: str | None, func: str = "sum"
    ) -> list[dict[str, Any]]:
        """Rows grouped by the derived district code; works for any resource located by code, name or point."""
        table, schema, _ = self._target(resource_id)
        types = {f["id"]: f["type"] for f in schema}
        if "_sgg_code" not in types:
            raise BadRequest(
                "이 리소스에는 군·구를 알 수 있는 열(코드, 이름, 좌표)이 없습니다.",
                "This resource has no column locating rows in a district (code, name or coordinates).",
            )
        if func not in AGGREGATES:
            raise BadRequest(
                f"집계 함수는 {sorted(AGGREGATES)} 중 하나입니다.",
                f"func must be one of {sorted(AGGREGATES)}.",
                field="func",
            )
        if value:
            _known([value], types)
            if func != "count" and types[value] not in ("BIGINT", "DOUBLE"):
                raise BadRequest(
                    f"'{value}' 열은 숫자가 아닙니다.", f"Column '{value}' is not numeric.", field="value"
                )
        expr = f"{AGGREGATES[func]}({quote_ident(value)})" if value else "count(*)"
        rows = self.store.query(
            f"SELECT _sgg_code, {expr}, count(*) FROM {self.store.relation(table)} AS t WHERE _sgg_code IS NOT NULL "
            "GROUP BY _sgg_code ORDER BY _sgg_code"
        )
        from incheon.hub.geo import DISTRICT_NAMES_EN, base_layers

        names = base_layers().districts
        return [
            {
                "sgg_code": c,
                "name": names.get(c),
                "name_en": DISTRICT_NAMES_EN.get(c),
                "value": float(v) if v is not None else None,
                "rows": int(n),
            }
            for c, v, n in rows
        ]


def jsonable(value: Any) -> Any:
    """Dates as ISO text; PostgreSQL's Decimal sums as int or float, like DuckDB gives them."""
    if hasattr(value, "isoformat"):
        return value.isoformat()
    if isinstance(value, Decimal):
        return int(value) if value == value.to_integral_value() else float(value)
    return value


def _convert(value: Any, typ: str, col: str) -> Any:
    """Filter values arrive as JSON or text; compare them as the column's type, or say why not."""
    import datetime as dt

    try:
        if typ == "BIGINT":
            return int(str(value).replace(",", ""))
        if typ == "DOUBLE":
            return float(str(value).replace(",", ""))
        if typ == "DATE":
            return dt.date.fromisoformat(str(value))
        if typ == "TIMESTAMP":
            return dt.datetime.fromisoformat(str(value))
        if typ == "BOOLEAN":
            return {"true": True, "false": False}[str(value).lower()]
    except (ValueError, KeyError):
        raise BadRequest(
            f"'{col}' 열({typ})에 맞지 않는 필터 값입니다: {value!r}",
            f"Filter value {value!r} does not fit column '{col}' ({typ}).",
            field="filters",
        ) from None
    return str(value)


def _int(value: Any, field: str, default: int | None) -> Any:
    if value in (None, ""):
        return default
    try:
        return int(value)
    except (TypeError, ValueError):
        raise BadRequest(
            f"{field}은(는) 정수여야 합니다.", f"{field} must be an integer.", field=field
        ) from None


def _list(value: Any) -> list[str]:
    if not value:
        return []
    if isinstance(value, str):
        return [v.strip() for v in value.split(",") if v.strip()]
    return [str(v) for v in value]


def _known(cols: list[str], types: dict[str, str]) -> None:
    unknown = [c for c in cols if c not in types]
    if unknown:
        raise BadRequest(f"없는 열입니다: {unknown}", f"Unknown fields: {unknown}", field="fields")
