"""The alert lifecycle: open → acknowledged → in progress → resolved → closed, each step with who and when.

`AlertBook` turns engine events into alerts: an `open` event with a key already known is a repeat and makes
no new alert; raise/lower/clear update the alert with that key. Clearing the condition does not resolve the
alert — an operator does. Pure Python, no I/O.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from incheon.errors import BadRequest, Conflict, NotFound

from .model import AlertEvent, Level

STATES = ("open", "acknowledged", "in_progress", "resolved", "closed")
STATE_KO = {
    "open": "발생",
    "acknowledged": "확인",
    "in_progress": "조치 중",
    "resolved": "해결",
    "closed": "종료",
}
STATE_EN = {
    "open": "open",
    "acknowledged": "acknowledged",
    "in_progress": "in progress",
    "resolved": "resolved",
    "closed": "closed",
}
NEXT = {
    "open": "acknowledged",
    "acknowledged": "in_progress",
    "in_progress": "resolved",
    "resolved": "closed",
}


class InvalidTransition(Conflict):
    """A lifecycle step that is not allowed from the alert's current state (HTTP 409)."""

    def __init__(self, key: str, current: str, target: str) -> None:
        allowed = NEXT.get(current)
        super().__init__(
            f"경보 {key}: '{STATE_KO.get(current, current)}'에서 '{STATE_KO.get(target, target)}'(으)로 바꿀 수 없습니다"
            + (f" (다음 단계: '{STATE_KO[allowed]}')" if allowed else " (종료된 경보)"),
            f"alert {key}: cannot go from '{STATE_EN.get(current, current)}' to '{STATE_EN.get(target, target)}'"
            + (f" (next step: '{STATE_EN[allowed]}')" if allowed else " (alert is closed)"),
            key=key,
            state=current,
            target=target,
        )


@dataclass(frozen=True, slots=True)
class Transition:
    state: str
    by: str
    at: float
    note: str = ""


@dataclass
class Alert:
    key: str
    rule_id: str
    datastream_id: Any
    level: Level | None
    max_level: Level | None
    opened_at: float
    value: float
    state: str = "open"
    cleared_at: float | None = None
    history: list[Transition] = field(default_factory=list)
    events: list[AlertEvent] = field(default_factory=list)

    def transition(self, target: str, by: str, at: float, note: str = "") -> Transition:
        if not by:
            raise BadRequest(
                f"경보 {self.key}: 누가 처리했는지 적어야 합니다",
                f"alert {self.key}: say who made the change",
            )
        if NEXT.get(self.state) != target:
            raise InvalidTransition(self.key, self.state, target)
        tr = Transition(target, by, at, note)
        self.state = target
        self.history.append(tr)
        return tr


class AlertBook:
    """Alerts by key, built from engine events (idempotent: the same event applied twice changes nothing)."""

    def __init__(self) -> None:
        self.alerts: dict[str, Alert] = {}
        self.repeats = 0

    def apply(self, ev: AlertEvent) -> Alert | None:
        """Returns the alert created or changed, or None for a repeat."""
        a = self.alerts.get(ev.key)
        if a is None:
            if ev.kind != "open":
                return None  # an episode we never saw open (e.g. before a restart): ignore
            a = Alert(ev.key, ev.rule_id, ev.datastream_id, ev.level, ev.level, ev.time, ev.value)
            a.history.append(Transition("open", "system", ev.time, f"{ev.level_ko} / {ev.level_en}"))
            a.events.append(ev)
            self.alerts[ev.key] = a
            return a
        if ev in a.events:
            self.repeats += 1
            return None
        if ev.kind == "open":
            self.repeats += 1
            return None
        a.events.append(ev)
        a.level = ev.level
        a.value = ev.value
        if ev.level and (a.max_level is None or ev.level.index > a.max_level.index):
            a.max_level = ev.level
        if ev.kind == "clear":
            a.cleared_at = ev.time
        return a

    def transition(self, key: str, target: str, by: str, at: float, note: str = "") -> Transition:
        a = self.alerts.get(key)
        if a is None:
            raise NotFound(f"경보를 찾을 수 없습니다: {key}", f"alert not found: {key}")
        return a.transition(target, by, at, note)

    def active(self) -> list[Alert]:
        return [a for a in self.alerts.values() if a.state != "closed"]
