"""Concrete rules (numbers resolved for one site), alert levels, grades and alert events. Pure data, no I/O."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

#: Comparison of a rule: "ge"/"gt" alert when the metric rises to/above the threshold, "le"/"lt" when it falls.
OPS = ("ge", "gt", "le", "lt")
METRIC_KINDS = ("value", "sum", "rise")
RULE_KINDS = ("threshold", "silence")


@dataclass(frozen=True, slots=True)
class Level:
    """An alert level of a rule; `index` is 1 for the lowest alerting level (0 means no alert)."""

    index: int
    code: str
    ko: str
    en: str


@dataclass(frozen=True, slots=True)
class Metric:
    """What a threshold is compared with: the value itself, a windowed sum or a rise over a window.

    `sum` adds the values with phenomenon time in (t - window, t] (each value is the amount of its interval);
    `rise` is the value at t minus the oldest value with time in [t - window, t].
    """

    name: str
    kind: str
    window_s: float = 0.0


@dataclass(frozen=True)
class Rule:
    """One rule with its numbers resolved (for a site where the table refers to site parameters).

    raise_[j][m] / clear[j][m]: threshold of level j+1 for metric m (None: the metric does not drive that level).
    A level is raised when any of its metrics is at/over its raise threshold (held `sustain_s` if set);
    it is lowered when all of its metrics are back on the safe side of their clear thresholds.
    """

    id: str
    table: str
    version: str
    observed_property: str
    levels: tuple[Level, ...]
    kind: str = "threshold"
    metrics: tuple[Metric, ...] = ()
    raise_: tuple[tuple[float | None, ...], ...] = ()
    clear: tuple[tuple[float | None, ...], ...] = ()
    op: str = "ge"
    unit: str = ""
    sample_s: float = 0.0
    sustain_s: float = 0.0
    late_s: float = 3600.0
    silence_s: float = 0.0
    site: str | None = None

    @property
    def horizon_s(self) -> float:
        """How far back observations must be kept: the late allowance plus the longest window or duration."""
        longest = max([m.window_s for m in self.metrics] + [self.sustain_s + self.sample_s])
        return self.late_s + longest

    def level(self, code: str) -> Level:
        for lv in self.levels:
            if lv.code == code:
                return lv
        raise KeyError(code)


@dataclass(frozen=True, slots=True)
class Band:
    code: str
    ko: str
    en: str
    max: float | None


@dataclass(frozen=True)
class Grading:
    """A classification (e.g. PM10 좋음/보통/나쁨/매우나쁨): a value belongs to the first band whose max it does not exceed."""

    id: str
    table: str
    version: str
    observed_property: str
    unit: str
    bands: tuple[Band, ...]

    def classify(self, value: float) -> Band:
        for band in self.bands:
            if band.max is None or value <= band.max:
                return band
        return self.bands[-1]


@dataclass(frozen=True, slots=True)
class AlertEvent:
    """What the engine emits. `key` identifies the alert: every event of one episode (open … clear) shares it,
    and a repeat of the same condition never makes a new key, so consumers de-duplicate on it."""

    kind: str  # "open" | "raise" | "lower" | "clear"
    key: str
    rule_id: str
    table_version: str
    datastream_id: Any
    level: Level | None  # the level after the event (None after "clear")
    previous: Level | None
    value: float
    metric: str
    time: float  # phenomenon time (POSIX seconds) of the observation or clock tick that decided
    metrics: dict[str, float] = field(default_factory=dict)

    @property
    def level_ko(self) -> str:
        return self.level.ko if self.level else "해제"

    @property
    def level_en(self) -> str:
        return self.level.en if self.level else "Cleared"

    def as_dict(self) -> dict[str, Any]:
        return {
            "kind": self.kind,
            "key": self.key,
            "rule": self.rule_id,
            "table_version": self.table_version,
            "datastream_id": self.datastream_id,
            "level": self.level.code if self.level else None,
            "level_ko": self.level_ko,
            "level_en": self.level_en,
            "previous": self.previous.code if self.previous else None,
            "value": self.value,
            "metric": self.metric,
            "metrics": dict(self.metrics),
            "time": self.time,
        }
