"""Module `sensors`: the OGC SensorThings API 1.1 core at `/sta/v1.1` (issue 5, plan task 2-2-3).

Reads are public; writes need the API key of a system administrator in the `Authorization` header.
Errors answer `{"code": status, "type": "error", "message": "<ko> / <en>"}`.
"""

from __future__ import annotations

import json
import logging
import uuid
from collections.abc import Callable
from typing import Any

import duckdb
import psycopg
from fastapi import APIRouter, Request
from fastapi.responses import Response

from incheon.api.responses import KoJSON
from incheon.errors import BadRequest, HubError, NotAuthorized
from incheon.hub.hub import Hub
from incheon.sensors.sta import query as q
from incheon.sensors.sta.model import ENTITIES, MIGRATIONS
from incheon.sensors.sta.write import Writer

log = logging.getLogger(__name__)
VALUE_ERRORS = (
    psycopg.errors.DataError,
    duckdb.ConversionException,
    duckdb.OutOfRangeException,
    duckdb.InvalidInputException,
)
PREFIX = "/sta/v1.1"
ANALYZE_AFTER = 10_000  # rows in one CreateObservations request
CONFORMANCE = [
    "http://www.opengis.net/spec/iot_sensing/1.1/req/datamodel",
    "http://www.opengis.net/spec/iot_sensing/1.1/req/resource-path/resource-path-to-entities",
    "http://www.opengis.net/spec/iot_sensing/1.1/req/request-data",
    "http://www.opengis.net/spec/iot_sensing/1.1/req/create-update-delete",
    "http://www.opengis.net/spec/iot_sensing/1.1/req/data-array/data-array",
]


class Unauthorized(HubError):
    status = 401


def sta_error(status: int, message: str) -> KoJSON:
    return KoJSON({"code": status, "type": "error", "message": message}, status_code=status)


class SensorsModule:
    name = "sensors"
    prefix = PREFIX
    migrations = MIGRATIONS

    def __init__(self, hub: Hub) -> None:
        self.hub = hub

    # ------------------------------------------------------------------ helpers
    def base(self, request: Request) -> str:
        return str(request.base_url).rstrip("/") + PREFIX

    def answer(self, fn: Callable[[], Response]) -> Response:
        try:
            return fn()
        except HubError as exc:
            return sta_error(exc.status, f"{exc.message_ko} / {exc.message_en}")
        except VALUE_ERRORS:  # a value the database cannot evaluate: division by zero, a failed cast
            return sta_error(
                400,
                "요청의 값을 계산할 수 없습니다 (0으로 나누기, 형 변환 실패 등). / "
                "A value in the request cannot be evaluated (division by zero, a failed conversion).",
            )
        except Exception:  # a database error from a filter that cannot be evaluated, or a bug
            ref = uuid.uuid4().hex[:12]
            log.exception("sta error ref=%s", ref)
            return sta_error(
                500, f"서버 오류가 발생했습니다 (참조 {ref}) / Internal server error (reference {ref})"
            )

    def require_admin(self, request: Request) -> str:
        who = self.hub.auth.principal_for_key(request.headers.get("authorization"))
        if who.anonymous:
            raise Unauthorized("API 키가 필요합니다.", "An API key is required.")
        if not who.sysadmin:
            raise NotAuthorized(
                "관리자만 센서 망을 바꿀 수 있습니다.", "Only an administrator can change the sensor network."
            )
        return who.name

    @staticmethod
    async def body(request: Request) -> Any:
        try:
            return json.loads(await request.body() or b"null")
        except (ValueError, UnicodeDecodeError):
            return BadRequest("요청 본문이 JSON이 아닙니다.", "The request body is not JSON.")

    # ------------------------------------------------------------------ handlers
    def root(self, request: Request) -> Response:
        base = self.base(request)
        return KoJSON(
            {
                "value": [{"name": n, "url": f"{base}/{n}"} for n in ENTITIES],
                "serverSettings": {"conformance": CONFORMANCE},
            }
        )

    def get(self, request: Request, path: str) -> Response:
        reader = q.Reader(self.hub.store, self.base(request))
        target = reader.resolve(path)
        params = dict(request.query_params)
        if target.prop is not None:
            value = q.prop_value(target.entity, reader_row(reader, target), target.prop)
            if target.raw_value:
                text = value if isinstance(value, str) else json.dumps(value, ensure_ascii=False)
                return Response(text, media_type="text/plain; charset=utf-8")
            return KoJSON({target.prop: value})
        opts = q.parse_options(params, target.entity)
        opts.ref = target.ref
        if target.ident is not None and target.ref:
            return KoJSON({"@iot.selfLink": f"{reader.base}/{target.entity.set_name}({target.ident})"})
        if target.ident is not None:
            if opts.result_format:
                raise BadRequest(
                    "dataArray는 컬렉션에만 쓸 수 있습니다.", "dataArray applies to collections."
                )
            return KoJSON(reader.one(target.entity, target.ident, opts))
        url = self.base(request) + "/" + path.strip("/")
        return KoJSON(reader.collection(target.entity, target.conds, opts, url, params))

    def post(self, request: Request, path: str, body: Any) -> Response:
        self.require_admin(request)
        if isinstance(body, HubError):
            raise body
        base = self.base(request)
        if path.strip("/") == "CreateObservations":
            with self.hub.store.transaction() as tx:
                links = Writer(tx).create_observations(body, base)
            count = sum(1 for x in links if x != "error")
            if count >= ANALYZE_AFTER and self.hub.store.backend == "postgres":
                # fresh statistics keep the planner on the (datastream, time) index after a bulk load
                self.hub.store.query("ANALYZE hub.sensors_observations")
            self.hub.events.publish("sensors.observations", {"count": count})
            return KoJSON(links, status_code=201)
        reader = q.Reader(self.hub.store, base)
        target = reader.resolve(path)
        if target.ident is not None or target.prop is not None:
            raise BadRequest("컬렉션에만 POST할 수 있습니다.", "POST to a collection.")
        fixed: dict[str, Any] = {}
        link = None
        if target.parent is not None:
            _, parent_id, rel = target.parent
            if rel.fk:
                fixed[rel.fk] = parent_id
            else:
                link = (rel.link, parent_id)
        with self.hub.store.transaction() as tx:
            w = Writer(tx)
            ident = w.create(target.entity, body, fixed)
            if link is not None:
                w.link(link[0], link[1], ident)  # type: ignore[arg-type]
                if target.entity.set_name == "Locations" and target.parent[0].set_name == "Things":  # type: ignore[index]
                    w.historical_location(link[1])
        self.hub.events.publish(f"sensors.{target.entity.set_name}.created", {"id": ident})
        entity = target.entity
        out = reader.one(entity, ident, q.Options())
        return KoJSON(out, status_code=201, headers={"Location": f"{base}/{entity.set_name}({ident})"})

    def patch(self, request: Request, path: str, body: Any) -> Response:
        self.require_admin(request)
        if isinstance(body, HubError):
            raise body
        reader = q.Reader(self.hub.store, self.base(request))
        target = reader.resolve(path)
        if target.ident is None or target.prop is not None:
            raise BadRequest("단일 개체에만 PATCH할 수 있습니다.", "PATCH a single entity.")
        if request.headers.get("content-type", "").startswith("application/json-patch+json"):
            body = apply_json_patch(reader.one(target.entity, target.ident, q.Options()), body)
        with self.hub.store.transaction() as tx:
            Writer(tx).patch(target.entity, target.ident, body)
        return KoJSON(reader.one(target.entity, target.ident, q.Options()))

    def delete(self, request: Request, path: str) -> Response:
        self.require_admin(request)
        reader = q.Reader(self.hub.store, self.base(request))
        target = reader.resolve(path)
        if target.ident is None or target.prop is not None:
            raise BadRequest("단일 개체만 삭제할 수 있습니다.", "DELETE a single entity.")
        with self.hub.store.transaction() as tx:
            Writer(tx).delete(target.entity, target.ident)
        return Response(status_code=200)

    # ------------------------------------------------------------------ routes
    def router(self) -> APIRouter:
        r = APIRouter()

        @r.get("", include_in_schema=False)
        @r.get("/", summary="SensorThings API 1.1: service root (entity sets, conformance)")
        def root(request: Request) -> Response:
            return self.answer(lambda: self.root(request))

        @r.get(
            "/{path:path}", summary="SensorThings: entities, collections, navigation, properties ($filter, …)"
        )
        def get(request: Request, path: str) -> Response:
            return self.answer(lambda: self.get(request, path))

        @r.post(
            "/{path:path}", summary="SensorThings: create (deep insert) or CreateObservations (administrator)"
        )
        async def post(request: Request, path: str) -> Response:
            body = await self.body(request)
            return await _threaded(self.answer, lambda: self.post(request, path, body))

        @r.put("/{path:path}", summary="SensorThings: update an entity, as PATCH (administrator)")
        @r.patch("/{path:path}", summary="SensorThings: update an entity (administrator)")
        async def patch(request: Request, path: str) -> Response:
            body = await self.body(request)
            return await _threaded(self.answer, lambda: self.patch(request, path, body))

        @r.delete(
            "/{path:path}", summary="SensorThings: delete an entity and what depends on it (administrator)"
        )
        def delete(request: Request, path: str) -> Response:
            return self.answer(lambda: self.delete(request, path))

        return r


async def _threaded(
    answer: Callable[[Callable[[], Response]], Response], fn: Callable[[], Response]
) -> Response:
    from starlette.concurrency import run_in_threadpool

    return await run_in_threadpool(answer, fn)


def reader_row(reader: q.Reader, target: q.Target) -> dict[str, Any]:
    rows = reader.store.query_dicts(f"SELECT * FROM {target.entity.table} WHERE id = ?", [target.ident])
    if not rows:
        raise q.missing(target.entity, target.ident)
    return rows[0]


def apply_json_patch(current: dict[str, Any], ops: Any) -> dict[str, Any]:
    """JSON Patch (RFC 6902: add, replace, remove on properties and their members), turned into a merge body
    of the properties that changed."""
    fail = BadRequest("JSON Patch를 적용할 수 없습니다.", "Cannot apply the JSON Patch.")
    if not isinstance(ops, list):
        raise fail
    doc = json.loads(json.dumps(current))
    for op in ops:
        if not isinstance(op, dict) or op.get("op") not in ("add", "replace", "remove"):
            raise fail
        path = op.get("path")
        if not isinstance(path, str) or not path.startswith("/"):
            raise fail
        keys = [k.replace("~1", "/").replace("~0", "~") for k in path[1:].split("/")]
        node: Any = doc
        for k in keys[:-1]:
            if not isinstance(node, dict):
                raise fail
            node = node.setdefault(k, {})
        if not isinstance(node, dict):
            raise fail
        if op["op"] == "remove":
            node.pop(keys[-1], None)
        elif "value" in op:
            node[keys[-1]] = op["value"]
        else:
            raise fail
    return {k: v for k, v in doc.items() if "@" not in k and current.get(k) != v}
