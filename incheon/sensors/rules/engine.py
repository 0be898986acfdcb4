"""The alert rule engine: observations in, alert events out. Pure Python, no I/O, no clock of its own.

Input is a stream of `(datastream_id, phenomenon_time, value)` with time in POSIX seconds, arriving in any
order. Behaviour, per datastream:

- **Time order, not arrival order.** Observations are kept sorted by phenomenon time for the longest
  window/duration of the bound rules plus their late allowance. An in-order observation is evaluated in
  O(1) amortised (running window sums, moving pointers).
- **Duplicates** (a time already seen) are ignored and counted; a different value at a seen time is a
  `conflict`, also ignored (first value wins) and counted.
- **Late** observations (earlier than the newest) within the late allowance (`late_minutes` of the rules,
  the largest one bound to the datastream) are inserted in place and the rule states after them are
  recomputed; if the current level changes, one event says so. Older ones are counted as `too_late` and
  ignored. So for any set of observations within the allowance, the resulting level does not depend on
  the order in which they arrived (tested with hypothesis).
- **Events** are emitted when the level changes: open (0 → n), raise, lower, clear (n → 0). A repeated
  observation at the same level emits nothing. All events of one episode share `key`
  (`rule@datastream#open-time`).
- **Silence** is evaluated on `tick(now)` (the caller's clock): no observation with phenomenon time within
  `silence_minutes` of `now` opens a silence alert; the first observation that brings the newest time back
  within that span clears it.
"""

from __future__ import annotations

from bisect import bisect_left, bisect_right
from collections.abc import Iterable
from dataclasses import dataclass, field
from math import isfinite
from typing import Any

from .model import AlertEvent, Level, Rule

# A rule's state after an observation: (level index, runs per level for sustained rules, its time).
State = tuple[int, tuple[float | None, ...], float]
_NO_RUNS: tuple[float | None, ...] = ()


@dataclass
class Counters:
    accepted: int = 0
    duplicates: int = 0
    conflicts: int = 0
    too_late: int = 0
    late_applied: int = 0
    rejected: int = 0  # not a finite number


class _Track:
    """One threshold rule on one datastream: its state after each buffered observation."""

    __slots__ = (
        "rule",
        "states",
        "base",
        "key",
        "sums",
        "lefts",
        "sign",
        "strict",
        "raise_s",
        "clear_s",
        "nlev",
        "kinds",
    )

    def __init__(self, rule: Rule, since: float) -> None:
        self.rule = rule
        self.sign = 1.0 if rule.op in ("ge", "gt") else -1.0
        self.strict = rule.op in ("gt", "lt")
        s = self.sign
        # thresholds pre-multiplied by the sign, as (metric index, threshold) pairs per level
        self.raise_s = [tuple((i, s * t) for i, t in enumerate(row) if t is not None) for row in rule.raise_]
        self.clear_s = [tuple((i, s * t) for i, t in enumerate(row) if t is not None) for row in rule.clear]
        self.nlev = len(rule.levels)
        self.kinds = tuple(m.kind for m in rule.metrics)
        runs: tuple[float | None, ...] = (None,) * self.nlev if rule.sustain_s else _NO_RUNS
        self.base: State = (0, runs, since)
        self.states: list[State] = []
        self.key: str | None = None
        self.sums = [0.0] * len(rule.metrics)
        self.lefts = [0] * len(rule.metrics)

    def level(self) -> int:
        return self.states[-1][0] if self.states else self.base[0]  # states[-1] is never evicted

    def step(self, prev: State, t: float, ms: list[float]) -> State:
        """The state after an observation at t with signed metric values ms (pure)."""
        k = prev[0]
        strict = self.strict
        rule = self.rule
        elig = 0
        runs = _NO_RUNS
        if rule.sustain_s:
            # Sampled data (e.g. hourly means): a run is a count of consecutive samples, a gap of more than
            # 1.5 samples breaks it, and it lasts count × sample (timestamps may jitter by seconds).
            # Continuous data: a run is the time since the condition became true.
            prev_runs = prev[1]
            sample = rule.sample_s
            contiguous = sample <= 0 or t - prev[2] <= sample * 1.5
            new_runs: list[float | None] = []
            for j in range(self.nlev):
                cond = False
                for i, thr in self.raise_s[j]:
                    x = ms[i]
                    if x > thr or (not strict and x == thr):
                        cond = True
                        break
                if cond:
                    run = prev_runs[j] if contiguous else None
                    if sample > 0:
                        run = (run or 0.0) + 1.0
                        held = run * sample
                    else:
                        run = t if run is None else run
                        held = t - run
                    new_runs.append(run)
                    if held >= rule.sustain_s:
                        elig = j + 1
                else:
                    new_runs.append(None)
            runs = tuple(new_runs)
        else:
            for j in range(self.nlev - 1, -1, -1):
                for i, thr in self.raise_s[j]:
                    x = ms[i]
                    if x > thr or (not strict and x == thr):
                        elig = j + 1
                        break
                if elig:
                    break
        if elig <= k:
            while k > 0:
                held = False
                for i, thr in self.clear_s[k - 1]:
                    x = ms[i]
                    if x > thr or (not strict and x == thr):
                        held = True
                        break
                if held:
                    break
                k -= 1
        if elig > k:
            k = elig
        return (k, runs, t)


@dataclass
class _Silence:
    rule: Rule
    silent: bool = False
    key: str | None = None


@dataclass
class _Stream:
    id: Any
    tracks: list[_Track]
    silences: list[_Silence]
    late_s: float
    horizon_s: float
    last_seen: float
    times: list[float] = field(default_factory=list)
    values: list[float] = field(default_factory=list)
    head: int = 0
    counters: Counters = field(default_factory=Counters)


class Engine:
    """Evaluate bound rules over observation streams.

    >>> eng = Engine(); eng.bind("ds1", [rule])      # doctest: +SKIP
    >>> events = eng.observe("ds1", t, 61.0)           # doctest: +SKIP
    """

    def __init__(self) -> None:
        self._streams: dict[Any, _Stream] = {}
        self.clock: float | None = None

    # -- configuration -----------------------------------------------------------------------------

    def bind(self, datastream_id: Any, rules: Iterable[Rule], since: float = 0.0) -> None:
        """Attach rules to a datastream (replacing earlier ones). `since`: when silence starts counting."""
        rules = list(rules)
        tracks = [_Track(r, since) for r in rules if r.kind == "threshold"]
        silences = [_Silence(r) for r in rules if r.kind == "silence"]
        late = max([r.late_s for r in rules if r.kind == "threshold"] or [0.0])
        horizon = max([r.horizon_s for r in rules if r.kind == "threshold"] or [0.0])
        self._streams[datastream_id] = _Stream(datastream_id, tracks, silences, late, horizon, since)

    def unbind(self, datastream_id: Any) -> None:
        self._streams.pop(datastream_id, None)

    def levels(self, datastream_id: Any) -> dict[str, Level | None]:
        """Current level of every rule bound to a datastream (for colouring a sensor on the map)."""
        st = self._streams[datastream_id]
        out: dict[str, Level | None] = {}
        for tr in st.tracks:
            k = tr.level()
            out[tr.rule.id] = tr.rule.levels[k - 1] if k else None
        for si in st.silences:
            out[si.rule.id] = si.rule.levels[0] if si.silent else None
        return out

    def counters(self, datastream_id: Any) -> Counters:
        return self._streams[datastream_id].counters

    def level(self, datastream_id: Any, rule_id: str) -> Level | None:
        """The current level of a rule on a datastream (None: no alert)."""
        st = self._streams[datastream_id]
        for tr in st.tracks:
            if tr.rule.id == rule_id:
                k = tr.level()
                return tr.rule.levels[k - 1] if k else None
        for si in st.silences:
            if si.rule.id == rule_id:
                return si.rule.levels[0] if si.silent else None
        raise KeyError(rule_id)

    # -- input -------------------------------------------------------------------------------------

    def observe_many(self, observations: Iterable[tuple[Any, float, float]]) -> list[AlertEvent]:
        out: list[AlertEvent] = []
        obs = self.observe
        for ds, t, v in observations:
            ev = obs(ds, t, v)
            if ev:
                out.extend(ev)
        return out

    def observe(self, datastream_id: Any, time: float, value: float) -> list[AlertEvent]:
        """Apply one observation; returns the alert events it causes (usually none)."""
        st = self._streams.get(datastream_id)
        if st is None:
            return []
        c = st.counters
        if not isfinite(value):
            c.rejected += 1
            return []
        times = st.times
        n = len(times)
        events: list[AlertEvent] = []
        if n == st.head or time > times[-1]:
            times.append(time)
            st.values.append(value)
            c.accepted += 1
            for tr in st.tracks:
                self._append(st, tr, time, value, events)
            self._evict(st, time)
        else:
            if time < times[-1] - st.late_s:
                c.too_late += 1
                return []
            i = bisect_left(times, time, st.head)
            if i < n and times[i] == time:
                if st.values[i] == value:
                    c.duplicates += 1
                else:
                    c.conflicts += 1
                return []
            if i == st.head and st.head > 0 and time <= times[st.head - 1]:
                c.too_late += 1  # before the kept history: cannot be placed
                return []
            times.insert(i, time)
            st.values.insert(i, value)
            c.accepted += 1
            c.late_applied += 1
            for tr in st.tracks:
                self._replay(st, tr, i, events)
        if time > st.last_seen:
            st.last_seen = time
        if st.silences and self.clock is not None:
            for si in st.silences:
                if si.silent and self.clock - st.last_seen < si.rule.silence_s:
                    events.append(self._silence_event(st, si, "clear", time))
        return events

    def tick(self, now: float) -> list[AlertEvent]:
        """Advance the clock: open silence alerts for datastreams with nothing newer than `silence_minutes`."""
        self.clock = now
        events: list[AlertEvent] = []
        for st in self._streams.values():
            for si in st.silences:
                quiet = now - st.last_seen >= si.rule.silence_s
                if quiet and not si.silent:
                    events.append(self._silence_event(st, si, "open", now))
                elif not quiet and si.silent:
                    events.append(self._silence_event(st, si, "clear", now))
        return events

    # -- internals ---------------------------------------------------------------------------------

    def _silence_event(self, st: _Stream, si: _Silence, kind: str, at: float) -> AlertEvent:
        lv = si.rule.levels[0]
        gap = (self.clock if self.clock is not None else at) - st.last_seen
        if kind == "open":
            si.silent = True
            si.key = f"{si.rule.id}@{st.id}#{int(at)}"
            ev = AlertEvent(
                "open", si.key, si.rule.id, si.rule.version, st.id, lv, None, gap, "silence_s", at
            )
        else:
            si.silent = False
            ev = AlertEvent(
                "clear", si.key or "", si.rule.id, si.rule.version, st.id, None, lv, gap, "silence_s", at
            )
            si.key = None
        return ev

    def _append(self, st: _Stream, tr: _Track, t: float, v: float, events: list[AlertEvent]) -> None:
        """In-order observation (already appended to the buffer): O(1) amortised."""
        times, values = st.times, st.values
        sign = tr.sign
        ms: list[float] = []
        metrics = tr.rule.metrics
        for mi, kind in enumerate(tr.kinds):
            if kind == "value":
                ms.append(sign * v)
            elif kind == "sum":
                s = tr.sums[mi] + v
                left = tr.lefts[mi]  # never behind head: evicted times are outside every window
                lo = t - metrics[mi].window_s
                while times[left] <= lo:
                    s -= values[left]
                    left += 1
                tr.sums[mi] = s
                tr.lefts[mi] = left
                ms.append(sign * round(s, 9))
            else:  # rise
                left = tr.lefts[mi]
                lo = t - metrics[mi].window_s
                if left < st.head:
                    left = st.head
                while times[left] < lo:
                    left += 1
                tr.lefts[mi] = left
                ms.append(sign * round(v - values[left], 9))
        prev = tr.states[-1] if tr.states else tr.base
        new = tr.step(prev, t, ms)
        tr.states.append(new)
        if new[0] != prev[0]:
            events.append(self._level_event(st, tr, prev[0], new[0], t, ms))

    def _replay(self, st: _Stream, tr: _Track, i: int, events: list[AlertEvent]) -> None:
        """A late observation was inserted at buffer index i: recompute the states from there."""
        old_level = tr.level()
        prev = tr.states[i - 1] if i > st.head else tr.base
        states = tr.states
        states.insert(i, prev)  # placeholder, overwritten below
        times, values = st.times, st.values
        n = len(times)
        # sliding sums over the replayed range: start from a scan, then move pointers (O(window + k))
        metrics = tr.rule.metrics
        sums = [0.0] * len(metrics)
        lefts = [0] * len(metrics)
        for mi, m in enumerate(metrics):
            if m.kind == "sum":
                lefts[mi] = bisect_right(times, times[i] - m.window_s, st.head, i + 1)
                sums[mi] = sum(values[lefts[mi] : i])
            elif m.kind == "rise":
                lefts[mi] = bisect_left(times, times[i] - m.window_s, st.head, i + 1)
        ms: list[float] = []
        for j in range(i, n):
            t, v = times[j], values[j]
            ms = []
            for mi, m in enumerate(metrics):
                if m.kind == "value":
                    ms.append(tr.sign * v)
                elif m.kind == "sum":
                    s = sums[mi] + v
                    left = lefts[mi]
                    while times[left] <= t - m.window_s:
                        s -= values[left]
                        left += 1
                    sums[mi], lefts[mi] = s, left
                    ms.append(tr.sign * round(s, 9))
                else:
                    left = lefts[mi]
                    while times[left] < t - m.window_s:
                        left += 1
                    lefts[mi] = left
                    ms.append(tr.sign * round(v - values[left], 9))
            prev = tr.step(prev, t, ms)
            states[j] = prev
        # re-sum exactly once to stop drift, and hand the pointers to the fast path
        for mi, m in enumerate(metrics):
            if m.kind == "sum":
                sums[mi] = sum(values[lefts[mi] : n])
        tr.sums, tr.lefts = sums, lefts
        new_level = prev[0]
        if new_level != old_level:
            events.append(self._level_event(st, tr, old_level, new_level, times[-1], ms))

    def _level_event(
        self, st: _Stream, tr: _Track, old: int, new: int, t: float, ms: list[float]
    ) -> AlertEvent:
        rule = tr.rule
        levels = rule.levels
        if old == 0:
            kind = "open"
            tr.key = f"{rule.id}@{st.id}#{int(t)}"
        elif new == 0:
            kind = "clear"
        else:
            kind = "raise" if new > old else "lower"
        key = tr.key or ""
        if new == 0:
            tr.key = None
        values = {m.name: tr.sign * x for m, x in zip(rule.metrics, ms, strict=True)}
        # the metric that decided: for a raise, the first one over the new level's threshold
        name = rule.metrics[0].name
        if new > old:
            for i, thr in tr.raise_s[new - 1]:
                if ms[i] >= thr:
                    name = rule.metrics[i].name
                    break
        return AlertEvent(
            kind,
            key,
            rule.id,
            rule.version,
            st.id,
            levels[new - 1] if new else None,
            levels[old - 1] if old else None,
            values[name],
            name,
            t,
            values,
        )

    def _evict(self, st: _Stream, newest: float) -> None:
        times = st.times
        cutoff = newest - st.horizon_s
        h = st.head
        if times[h] >= cutoff:
            return
        n = len(times)
        while h < n - 1 and times[h] < cutoff:
            h += 1
        for tr in st.tracks:
            tr.base = tr.states[h - 1]
        st.head = h
        # compact the shared buffer when half of it is dead (amortised O(1) per observation)
        if h > 256 and h * 2 > n:
            del times[:h]
            values = st.values
            del values[:h]
            for tr in st.tracks:
                del tr.states[:h]
                tr.lefts = [max(0, x - h) for x in tr.lefts]
                # re-add the window sums exactly now and then, so running-sum rounding cannot build up
                tr.sums = [
                    sum(values[x:]) if m.kind == "sum" else 0.0
                    for x, m in zip(tr.lefts, tr.rule.metrics, strict=True)
                ]
            st.head = 0
