"""The plan as a managed portfolio (module `plan`): its 45 tasks carry indicators — baseline, and target and
actual per year — that officials fill in through the API. The plan itself sets none (Part V), so
the module ships the places, not numbers.
"""

from __future__ import annotations

from functools import cached_property
from typing import Any

from fastapi import APIRouter, Header, Request
from fastapi.responses import HTMLResponse
from pydantic import BaseModel, Field

from incheon.errors import BadRequest, not_found
from incheon.extensions import NavItem
from incheon.hub import audit
from incheon.hub.hub import Hub
from incheon.hub.util import iso, new_id, now

PLAN_ORG = "incheon-city"
YEARS = (2024, 2025, 2026)
#: The plan's tables in the catalogue (seed loader), linked from the plan page when present.
PLAN_DATASETS = ("plan-v-tasks", "plan-v-1-budget", "plan-v-strategies", "plan-vi-1-grant-sources")
#: Tasks a module of this platform is being built for; "in preparation" on the plan page until a loaded module
#: declares `implements = {task code: page}` for them.
PLANNED = ("2-2-3", "3-1-1", "3-1-2", "3-1-3", "3-1-4", "3-1-5", "3-1-6", "3-1-7")


class YearValue(BaseModel):
    year: int = Field(ge=2000, le=2100)
    target: float | None = None
    actual: float | None = None


class IndicatorIn(BaseModel):
    name_ko: str = Field(min_length=1, max_length=200)
    name_en: str | None = Field(None, max_length=200)
    unit: str | None = Field(None, max_length=50)
    baseline: float | None = None
    baseline_year: int | None = Field(None, ge=2000, le=2100)
    values: list[YearValue] = []


class PlanModule:
    name = "plan"
    #: Mounted at the site root: the API keeps its /api/plan/... paths and the page lives at /plan.
    prefix = ""
    migrations = [
        (
            1,
            [
                """CREATE TABLE hub.plan_indicators (id TEXT PRIMARY KEY, task_code TEXT NOT NULL, name_ko TEXT NOT NULL,
           name_en TEXT, unit TEXT, baseline DOUBLE PRECISION, baseline_year BIGINT, created TIMESTAMP NOT NULL,
           created_by TEXT)""",
                """CREATE TABLE hub.plan_indicator_values (indicator_id TEXT NOT NULL, year BIGINT NOT NULL,
           target DOUBLE PRECISION, actual DOUBLE PRECISION, updated TIMESTAMP NOT NULL, updated_by TEXT,
           PRIMARY KEY (indicator_id, year))""",
            ],
        )
    ]

    def __init__(self, hub: Hub) -> None:
        self.hub = hub

    @cached_property
    def tasks(self) -> dict[str, dict[str, Any]]:
        """The 45 tasks, parsed from the plan text shipped with the package."""
        from incheon.seed.plan_tasks import tasks_table

        t = tasks_table()
        return {r["task_code"]: r for r in t.records()}

    def _task(self, code: str) -> dict[str, Any]:
        if code not in self.tasks:
            raise not_found("과제", "Task", code)
        return self.tasks[code]

    def indicators(self, code: str) -> list[dict[str, Any]]:
        self._task(code)
        rows = self.hub.store.query_dicts(
            "SELECT * FROM hub.plan_indicators WHERE task_code = ? ORDER BY created", [code]
        )
        for r in rows:
            r["created"] = iso(r["created"])
            r["values"] = self.hub.store.query_dicts(
                "SELECT year, target, actual FROM hub.plan_indicator_values WHERE indicator_id = ? ORDER BY year",
                [r["id"]],
            )
        return rows

    def add_indicator(self, api_key: str | None, code: str, body: IndicatorIn) -> dict[str, Any]:
        who = self.hub.principal(api_key)
        who.require_publish(self.hub.catalog.organization(PLAN_ORG)["id"])
        self._task(code)
        iid = new_id()
        with self.hub.store.transaction() as tx:
            tx.execute(
                "INSERT INTO hub.plan_indicators VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
                [
                    iid,
                    code,
                    body.name_ko,
                    body.name_en,
                    body.unit,
                    body.baseline,
                    body.baseline_year,
                    now(),
                    who.name,
                ],
            )
            self._write_values(tx, iid, body.values, who.name)
            audit.record(tx, who.name, "plan.indicator.create", "plan_indicator", iid, task=code)
        return next(i for i in self.indicators(code) if i["id"] == iid)

    def set_values(self, api_key: str | None, iid: str, values: list[YearValue]) -> dict[str, Any]:
        who = self.hub.principal(api_key)
        who.require_publish(self.hub.catalog.organization(PLAN_ORG)["id"])
        rows = self.hub.store.query("SELECT task_code FROM hub.plan_indicators WHERE id = ?", [iid])
        if not rows:
            raise not_found("지표", "Indicator", iid)
        with self.hub.store.transaction() as tx:
            self._write_values(tx, iid, values, who.name)
            audit.record(
                tx, who.name, "plan.indicator.values", "plan_indicator", iid, years=[v.year for v in values]
            )
        return next(i for i in self.indicators(rows[0][0]) if i["id"] == iid)

    @staticmethod
    def _write_values(tx: Any, iid: str, values: list[YearValue], actor: str) -> None:
        years = [v.year for v in values]
        if len(set(years)) != len(years):
            raise BadRequest("같은 연도가 두 번 있습니다.", "A year appears twice.", field="values")
        for v in values:
            tx.execute(
                "DELETE FROM hub.plan_indicator_values WHERE indicator_id = ? AND year = ?", [iid, v.year]
            )
            tx.execute(
                "INSERT INTO hub.plan_indicator_values VALUES (?, ?, ?, ?, ?, ?)",
                [iid, v.year, v.target, v.actual, now(), actor],
            )

    def nav(self) -> list[NavItem]:
        from incheon.web.i18n import message

        return [NavItem("/plan", message("ko", "plan.title"), message("en", "plan.title"), order=50)]

    def all_indicators(self) -> dict[str, list[dict[str, Any]]]:
        """Every task's indicators with their yearly values, in two queries (for the plan page)."""
        out: dict[str, list[dict[str, Any]]] = {}
        values: dict[str, list[dict[str, Any]]] = {}
        for v in self.hub.store.query_dicts(
            "SELECT indicator_id, year, target, actual FROM hub.plan_indicator_values ORDER BY year"
        ):
            values.setdefault(v.pop("indicator_id"), []).append(v)
        for r in self.hub.store.query_dicts("SELECT * FROM hub.plan_indicators ORDER BY task_code, created"):
            r["values"] = values.get(r["id"], [])
            out.setdefault(r["task_code"], []).append(r)
        return out

    def router(self) -> APIRouter:
        r = APIRouter()
        r.include_router(self.api_router(), prefix="/api/plan")
        r.include_router(self.page_router())
        return r

    def page_router(self) -> APIRouter:
        """The plan page, rendered in the portal's layout (`incheon.web.render`)."""
        from incheon.web import render
        from incheon.web.errors import PageRoute

        r = APIRouter(route_class=PageRoute, include_in_schema=False)

        @r.get("/plan", response_class=HTMLResponse)
        def plan_page(request: Request) -> HTMLResponse:
            return render(request, "plan.html", **self.page_context(request))

        return r

    def page_context(self, request: Request) -> dict[str, Any]:
        """The 45 tasks by strategy and sub-strategy, budget sums per year, indicators and links."""
        from incheon.seed.plan_tasks import STRATEGIES_EN

        indicators = self.all_indicators()
        implemented: dict[str, str] = {}
        for m in getattr(request.app.state, "modules", []):
            implemented.update(getattr(m, "implements", {}) or {})
        strategies: dict[str, dict[str, Any]] = {}
        for task in self.tasks.values():
            s = strategies.setdefault(
                task["strategy_code"],
                {
                    "code": task["strategy_code"],
                    "name_ko": task["strategy_ko"],
                    "name_en": STRATEGIES_EN.get(task["strategy_code"]),
                    "subs": {},
                    "budget": dict.fromkeys(YEARS, 0),
                    "total": 0,
                    "tasks": 0,
                },
            )
            sub = s["subs"].setdefault(
                task["substrategy_code"],
                {"code": task["substrategy_code"], "name_ko": task["substrategy_ko"], "tasks": []},
            )
            sub["tasks"].append(
                {
                    **task,
                    "roadmap": [task[f"roadmap_{y}"] for y in YEARS],
                    "budget": [task[f"budget_{y}"] for y in YEARS],
                    "indicators": indicators.get(task["task_code"], []),
                    "link": implemented.get(task["task_code"]),
                    "planned": task["task_code"] in PLANNED,
                }
            )
            for y in YEARS:
                s["budget"][y] += task[f"budget_{y}"] or 0
            s["total"] += task["budget_total"] or 0
            s["tasks"] += 1
        ordered = [strategies[k] for k in sorted(strategies)]
        for s in ordered:
            s["subs"] = [s["subs"][k] for k in sorted(s["subs"])]
        totals = {y: sum(s["budget"][y] for s in ordered) for y in YEARS}
        wanted = " OR ".join(f'"{n}"' for n in PLAN_DATASETS)
        found = {d["name"]: d for d in self.hub.package_search(fq=f"name:({wanted})", rows=20)["results"]}
        return {
            "strategies": ordered,
            "years": YEARS,
            "totals": totals,
            "grand_total": sum(s["total"] for s in ordered),
            "budget_max": max((v for s in ordered for v in s["budget"].values()), default=0),
            "task_count": len(self.tasks),
            "indicator_count": sum(len(v) for v in indicators.values()),
            "datasets": [found[n] for n in PLAN_DATASETS if n in found],
        }

    def api_router(self) -> APIRouter:
        r = APIRouter()

        @r.get("/tasks", summary="The 45 execution tasks with roadmap and budget (Table V-1)")
        def tasks() -> list[dict[str, Any]]:
            return list(self.tasks.values())

        @r.get("/tasks/{code}", summary="One task with its indicators")
        def task(code: str) -> dict[str, Any]:
            return {**self._task(code), "indicators": self.indicators(code)}

        @r.get("/tasks/{code}/indicators", summary="Indicators of a task")
        def indicators(code: str) -> list[dict[str, Any]]:
            return self.indicators(code)

        @r.post("/tasks/{code}/indicators", status_code=201, summary="Add an indicator (plan organisation)")
        def add(code: str, body: IndicatorIn, authorization: str | None = Header(None)) -> dict[str, Any]:
            return self.add_indicator(authorization, code, body)

        @r.put("/indicators/{iid}/values", summary="Set target/actual per year")
        def values(
            iid: str, body: list[YearValue], authorization: str | None = Header(None)
        ) -> dict[str, Any]:
            return self.set_values(authorization, iid, body)

        return r

    def seed(self, principal: Any) -> None:
        """Nothing: the plan sets no indicator values; the loader publishes the task tables."""
