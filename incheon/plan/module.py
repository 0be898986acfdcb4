"""The plan as a managed portfolio (module `plan`): its 45 tasks carry indicators — baseline, and target and
actual per year — that officials fill in through the API. The plan itself sets none (Part V), so
the module ships the places, not numbers.
"""

from __future__ import annotations

from functools import cached_property
from typing import Any

from fastapi import APIRouter, Header
from pydantic import BaseModel, Field

from incheon.errors import BadRequest, not_found
from incheon.hub import audit
from incheon.hub.hub import Hub
from incheon.hub.util import iso, new_id, now

PLAN_ORG = "incheon-city"
YEARS = (2024, 2025, 2026)


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

    def router(self) -> APIRouter:
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
