"""The rule engine: boundaries, hysteresis, windows, sustained duration, late/out-of-order data, silence, dedup."""

from __future__ import annotations

from dataclasses import replace

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from incheon.sensors.rules import Engine, Rule, RuleSet

H = 3600.0
M = 60.0
T0 = 1_780_000_000.0  # a fixed POSIX time; all tests are relative to it
GAUGE = {"stage_attention_m": 2.0, "stage_caution_m": 3.1, "stage_alert_m": 3.8, "stage_severe_m": 5.2}
RULES = RuleSet.load()


def engine(*rules: Rule, ds: str = "ds") -> Engine:
    e = Engine()
    e.bind(ds, rules, since=T0)
    return e


def level(e: Engine, rule: str, ds: str = "ds") -> str | None:
    lv = e.level(ds, rule)
    return lv.code if lv else None


# -- heavy rain: windowed sums -------------------------------------------------------------------


def rain_3h_total(total: float) -> Engine:
    """Rain falling evenly, in 10-minute amounts, to `total` mm over 3 hours."""
    e = engine(RULES.rule("heavy_rain"))
    for i in range(18):
        e.observe("ds", T0 + (i + 1) * 10 * M, total / 18)
    return e


@pytest.mark.parametrize(
    ("total", "code"), [(59.9, None), (60.0, "advisory"), (89.9, "advisory"), (90.0, "warning")]
)
def test_rain_3h_boundaries(total: float, code: str | None) -> None:
    assert level(rain_3h_total(total), "heavy_rain") == code


def test_rain_12h_boundaries() -> None:
    for total, code in [(109.9, None), (110.0, "advisory"), (179.9, "advisory"), (180.0, "warning")]:
        e = engine(RULES.rule("heavy_rain"))
        for i in range(72):  # 12 h of 10-minute amounts: never 60 mm in any 3 h below 240 mm total
            e.observe("ds", T0 + (i + 1) * 10 * M, total / 72)
        assert level(e, "heavy_rain") == code, total


def test_rain_events_carry_level_names_value_and_key() -> None:
    e = engine(RULES.rule("heavy_rain"))
    events = [ev for i in range(18) for ev in e.observe("ds", T0 + (i + 1) * 10 * M, 5.0)]
    assert [ev.kind for ev in events] == ["open", "raise"]
    op, up = events
    assert (op.level_ko, op.level_en, op.metric, op.value) == (
        "호우주의보",
        "Heavy-rain advisory",
        "sum_3h",
        60.0,
    )
    assert (up.level_ko, up.previous.code, up.value) == ("호우경보", "advisory", 90.0)
    assert op.key == up.key == f"heavy_rain@ds#{int(T0 + 120 * M)}"
    assert op.time == T0 + 120 * M and op.metrics == {"sum_3h": 60.0, "sum_12h": 60.0}
    assert op.as_dict()["level_ko"] == "호우주의보"


def test_rain_window_slides_and_clears() -> None:
    e = engine(RULES.rule("heavy_rain"))
    events = []
    for i in range(12):
        events += e.observe("ds", T0 + (i + 1) * 10 * M, 5.0)  # 60 mm in 2 h
    assert [ev.kind for ev in events] == ["open"]
    # dry readings: the 3-hour sum falls below 60 once the first wet interval leaves (t0+10min+3h)
    for i in range(12, 30):
        events += e.observe("ds", T0 + (i + 1) * 10 * M, 0.0)
    assert [ev.kind for ev in events] == ["open", "clear"]
    assert events[1].time == T0 + 190 * M and events[1].key == events[0].key and events[1].level is None


def test_rain_late_and_out_of_order_within_window_are_applied() -> None:
    e = engine(RULES.rule("heavy_rain"))
    times = [T0 + (i + 1) * 10 * M for i in range(12)]
    e.observe("ds", times[-1], 5.0)  # newest first
    for t in reversed(times[:-2]):
        e.observe("ds", t, 5.0)  # 55 mm so far, arriving backwards
    assert level(e, "heavy_rain") is None
    events = e.observe("ds", times[-2], 5.0)  # the missing one, late: now 60 mm in the window
    assert [ev.kind for ev in events] == ["open"] and events[0].value == 60.0
    c = e.counters("ds")
    assert c.late_applied == 11 and c.too_late == 0


def test_rain_older_than_window_counted_and_ignored() -> None:
    e = engine(RULES.rule("heavy_rain"))
    e.observe("ds", T0 + 13 * H, 1.0)
    assert e.observe("ds", T0 + 13 * H - 12 * H - 1, 100.0) == []
    assert e.counters("ds").too_late == 1 and level(e, "heavy_rain") is None
    e.observe("ds", T0 + 1.5 * H, 70.0)  # within 12 h: applied, but outside the 3-hour window of the newest
    assert level(e, "heavy_rain") is None  # 71 mm in 12 h, 1 mm in the last 3 h


def test_duplicates_ignored_and_conflicts_counted() -> None:
    e = engine(RULES.rule("heavy_rain"))
    e.observe("ds", T0 + M, 30.0)
    assert e.observe("ds", T0 + M, 30.0) == []
    assert e.observe("ds", T0 + M, 31.0) == []
    e.observe("ds", T0 + 2 * M, 30.0)
    assert e.observe("ds", T0 + M, 30.0) == []  # duplicate arriving after a newer one
    c = e.counters("ds")
    assert (c.accepted, c.duplicates, c.conflicts) == (2, 2, 1)
    assert level(e, "heavy_rain") == "advisory"  # 60, not 90 or 120


def test_non_numbers_rejected_and_unknown_streams_ignored() -> None:
    e = engine(RULES.rule("heavy_rain"))
    assert e.observe("ds", T0, float("nan")) == [] and e.observe("ds", T0, float("inf")) == []
    assert e.counters("ds").rejected == 2
    assert e.observe("unbound", T0, 1.0) == []


def test_repeats_at_same_level_emit_nothing() -> None:
    e = engine(RULES.rule("river_stage", "g", GAUGE))
    events = [ev for i in range(50) for ev in e.observe("ds", T0 + i * M, 3.5)]
    assert [(ev.kind, ev.level.code) for ev in events] == [("open", "caution")]


# -- river stage: hysteresis, per-gauge stages ------------------------------------------------------


def test_river_levels_and_hysteresis() -> None:
    e = engine(RULES.rule("river_stage", "g", GAUGE))
    seq = [1.0, 2.0, 3.1, 3.8, 5.2, 5.16, 5.15, 3.76, 3.0, 1.94]
    got = []
    for i, v in enumerate(seq):
        got += [(v, ev.kind, ev.level.ko if ev.level else None) for ev in e.observe("ds", T0 + i * M, v)]
    # raised at the stage itself; lowered only below stage - 0.05 m (5.15 holds 심각, 3.76 holds 경계)
    assert got == [
        (2.0, "open", "관심"),
        (3.1, "raise", "주의"),
        (3.8, "raise", "경계"),
        (5.2, "raise", "심각"),
        (3.76, "lower", "경계"),
        (3.0, "lower", "관심"),
        (1.94, "clear", None),
    ]


def test_no_flapping_around_a_threshold() -> None:
    e = engine(RULES.rule("river_stage", "g", GAUGE))
    events = []
    for i in range(200):
        v = 3.1 + (0.03 if i % 2 else -0.03)  # ±3 cm around the 주의 stage, inside the 5 cm clear margin
        events += e.observe("ds", T0 + i * M, v)
    assert [(ev.kind, ev.level.code) for ev in events] == [("open", "attention"), ("raise", "caution")]


def test_river_steps_and_jumps() -> None:
    e = engine(RULES.rule("river_stage", "g", GAUGE))
    kinds = []
    for i, v in enumerate([1.0, 5.3, 5.16, 5.14, 3.0, 1.9]):
        kinds += [(ev.kind, ev.level.code if ev.level else None) for ev in e.observe("ds", T0 + i * M, v)]
    # a jump opens straight at 심각; 5.16 holds it (clear at < 5.15); 5.14 lowers to 경계; 3.0 to 관심; 1.9 clears
    assert kinds == [("open", "severe"), ("lower", "alert"), ("lower", "attention"), ("clear", None)]


def test_rate_of_rise() -> None:
    e = engine(RULES.rule("river_rise", "g", {"rise_m_per_30min": 0.5}))
    kinds = []
    for i, v in enumerate([1.0, 1.1, 1.3, 1.5, 1.55, 1.6, 1.6, 1.6, 1.6]):  # every 10 minutes
        kinds += [(ev.kind, round(ev.value, 2)) for ev in e.observe("ds", T0 + i * 10 * M, v)]
    # at 30 min: 1.5 - 1.0 = 0.5 → open; at 40 min: 1.55 - 1.1 = 0.45 < 0.48 → clear
    assert kinds == [("open", 0.5), ("clear", 0.45)]


# -- fine dust: sustained two hours, issue and lift ----------------------------------------------


def hourly(e: Engine, values: list[float], ds: str = "ds") -> list[tuple[int, str, str | None]]:
    out = []
    for i, v in enumerate(values):
        for ev in e.observe(ds, T0 + (i + 1) * H, v):
            out.append((i, ev.kind, ev.level.code if ev.level else None))
    return out


def test_pm10_advisory_needs_two_hours() -> None:
    e = engine(RULES.rule("pm10_alert"))
    assert hourly(e, [149, 150, 149, 150, 150]) == [(4, "open", "advisory")]


def test_pm10_advisory_lift_below_100_only() -> None:
    e = engine(RULES.rule("pm10_alert"))
    got = hourly(e, [150, 160, 120, 100, 101, 99.9, 150])
    assert got == [(1, "open", "advisory"), (5, "clear", None)]


def test_pm10_warning_lowers_to_advisory() -> None:
    e = engine(RULES.rule("pm10_alert"))
    got = hourly(e, [300, 310, 200, 150, 149, 120, 99])
    assert got == [(1, "open", "warning"), (4, "lower", "advisory"), (6, "clear", None)]


def test_pm10_warning_after_advisory_needs_its_own_two_hours() -> None:
    e = engine(RULES.rule("pm10_alert"))
    assert hourly(e, [160, 170, 320, 290, 310, 330]) == [(1, "open", "advisory"), (5, "raise", "warning")]


def test_pm25_issue_and_lift() -> None:
    e = engine(RULES.rule("pm25_alert"))
    got = hourly(e, [74, 75, 75, 40, 35, 34.9, 150, 150, 74.9])
    # 150 for two hours opens straight at 경보; 74.9 < 75 turns 경보 into 주의보 (not a clear: 주의보 lifts < 35)
    assert got == [
        (2, "open", "advisory"),
        (5, "clear", None),
        (7, "open", "warning"),
        (8, "lower", "advisory"),
    ]


def test_sustained_run_breaks_on_a_missing_hour() -> None:
    e = engine(RULES.rule("pm10_alert"))
    e.observe("ds", T0 + H, 200)
    assert e.observe("ds", T0 + 3 * H, 200) == []  # hour 2 missing: not two consecutive hourly means
    assert [ev.kind for ev in e.observe("ds", T0 + 4 * H, 200)] == ["open"]


def test_sustained_with_late_hour_filled_in() -> None:
    e = engine(RULES.rule("pm10_alert"))
    e.observe("ds", T0 + H, 200)
    e.observe("ds", T0 + 3 * H, 200)
    events = e.observe("ds", T0 + 2 * H, 200)  # the missing hour arrives late
    assert [(ev.kind, ev.level.code) for ev in events] == [("open", "advisory")]
    assert events[0].time == T0 + 3 * H  # reported at the newest observation


# -- odour: limits are "at most" -----------------------------------------------------------------


@pytest.mark.parametrize(
    ("rule_id", "ok", "over"),
    [
        ("complex_odour_stack_industrial", 1000, 1001),
        ("complex_odour_boundary_other", 15, 15.1),
        ("h2s_boundary_other", 0.02, 0.021),
        ("nh3_boundary_industrial", 2, 2.01),
    ],
)
def test_odour_limit_boundary(rule_id: str, ok: float, over: float) -> None:
    e = engine(RULES.rule(rule_id))
    assert e.observe("ds", T0, ok) == []
    ev = e.observe("ds", T0 + M, over)
    assert [(x.kind, x.level_ko) for x in ev] == [("open", "배출허용기준 초과")]


# -- silence -------------------------------------------------------------------------------------


def test_silence_on_tick_and_clear_on_data() -> None:
    e = Engine()
    e.bind("a", [RULES.rule("silence_10min")], since=T0)
    e.bind("b", [RULES.rule("silence_10min")], since=T0)
    e.observe("a", T0 + 5 * M, 1.0)
    assert e.tick(T0 + 9 * M) == []
    opened = e.tick(T0 + 10 * M)
    assert [(ev.datastream_id, ev.kind, ev.level_ko) for ev in opened] == [("b", "open", "수신 중단")]
    assert e.tick(T0 + 11 * M) == []  # still silent: no repeat
    assert [ev.datastream_id for ev in e.tick(T0 + 15 * M)] == ["a"]
    cleared = e.observe("b", T0 + 14 * M, 2.0)
    assert [(ev.kind, ev.key) for ev in cleared] == [("clear", opened[0].key)]
    assert e.level("b", "silence_10min") is None and e.level("a", "silence_10min").code == "silent"
    assert e.observe("a", T0 + 2 * M, 2.0) == []  # an old reading does not bring a sensor back


def test_silence_with_threshold_rules_on_one_stream() -> None:
    e = Engine()
    e.bind("g", [RULES.rule("river_stage", "g", GAUGE), RULES.rule("silence_10min")], since=T0)
    e.observe("g", T0, 3.5)
    assert [ev.rule_id for ev in e.tick(T0 + 20 * M)] == ["silence_10min"]
    assert e.level("g", "river_stage").code == "caution"


# -- long runs: eviction and compaction keep results exact ---------------------------------------


def test_long_run_matches_fresh_computation() -> None:
    e = engine(RULES.rule("heavy_rain"))
    rain = [((i * 7919) % 13) / 10 for i in range(5000)]  # 0–1.2 mm per minute
    for i, v in enumerate(rain):
        e.observe("ds", T0 + i * M, v)
    sum3 = sum(rain[-180:])
    sum12 = sum(rain[-720:])
    expected = "warning" if sum3 >= 90 or sum12 >= 180 else "advisory" if sum3 >= 60 or sum12 >= 110 else None
    assert level(e, "heavy_rain") == expected
    tr = e._streams["ds"].tracks[0]
    assert tr.sums == pytest.approx([sum3, sum12])
    assert len(e._streams["ds"].times) <= 2 * 24 * 60 + 300  # bounded by the horizon, not the run


# -- properties ----------------------------------------------------------------------------------

obs_values = st.lists(
    st.tuples(st.integers(0, 719), st.floats(0, 40, allow_nan=False)), min_size=1, max_size=60
)


@settings(max_examples=200, deadline=None)
@given(obs=obs_values, seed=st.randoms(use_true_random=False))
def test_level_independent_of_arrival_order(obs: list[tuple[int, float]], seed) -> None:
    """The same set of observations (within the late allowance) gives the same level in any arrival order."""
    uniq = dict(obs)  # one value per time
    items = [(T0 + t * M, v) for t, v in uniq.items()]
    shuffled = list(items)
    seed.shuffle(shuffled)
    for rule in (
        RULES.rule("heavy_rain"),
        replace(RULES.rule("river_stage", "g", {k: v * 8 for k, v in GAUGE.items()}), late_s=720 * M),
    ):
        a, b = engine(rule), engine(rule)
        for t, v in sorted(items):
            a.observe("ds", t, v)
        for t, v in shuffled:
            b.observe("ds", t, v)
        assert level(a, rule.id) == level(b, rule.id)


@settings(max_examples=200, deadline=None)
@given(values=st.lists(st.floats(0, 8, allow_nan=False), min_size=1, max_size=80))
def test_no_alert_without_a_crossing(values: list[float]) -> None:
    """Every open/raise is at or over its level's raise stage; every lower/clear under the level left's clear stage."""
    rule = RULES.rule("river_stage", "g", GAUGE)
    e = engine(rule)
    current = 0
    for i, v in enumerate(values):
        for ev in e.observe("ds", T0 + i * M, v):
            if ev.kind in ("open", "raise"):
                assert v >= rule.raise_[ev.level.index - 1][0]
            else:
                assert v < rule.clear[ev.previous.index - 1][0]
            assert (ev.previous.index if ev.previous else 0) == current
            current = ev.level.index if ev.level else 0
    assert current == (e.level("ds", "river_stage").index if e.level("ds", "river_stage") else 0)
    if all(v < GAUGE["stage_attention_m"] for v in values):
        assert current == 0


@settings(max_examples=100, deadline=None)
@given(values=st.lists(st.integers(0, 400), min_size=1, max_size=40))
def test_dust_level_matches_the_rules_by_hand(values: list[int]) -> None:
    """A direct transcription of 별표 7 (issue on two consecutive hours, lift/lower at once) agrees with the engine."""
    e = engine(RULES.rule("pm10_alert"))
    hourly(e, [float(v) for v in values])
    lv = 0
    for i, v in enumerate(values):
        two = i >= 1
        if two and min(v, values[i - 1]) >= 300:
            lv = 2
        elif two and min(v, values[i - 1]) >= 150 and lv < 1:
            lv = 1
        elif lv == 2 and v < 150:
            lv = 1 if v >= 100 else 0
        elif lv == 1 and v < 100:
            lv = 0
    got = e.level("ds", "pm10_alert")
    assert (got.index if got else 0) == lv


@settings(max_examples=150, deadline=None)
@given(
    hours=st.lists(st.tuples(st.integers(1, 3), st.integers(0, 400)), min_size=1, max_size=30),
    seed=st.randoms(use_true_random=False),
    dup=st.integers(0, 29),
)
def test_sustained_level_independent_of_arrival_order(hours: list[tuple[int, int]], seed, dup: int) -> None:
    """Hourly PM10 means with gaps, delivered shuffled and with a duplicate, end at the in-order level."""
    items, t = [], 0
    for step, v in hours:  # step 2 or 3 leaves an hour missing, which breaks a sustained run
        t += step
        items.append((T0 + t * H, float(v)))
    shuffled = list(items) + [items[dup % len(items)]]
    seed.shuffle(shuffled)
    rule = replace(RULES.rule("pm10_alert"), late_s=100 * H)  # everything within the late allowance
    a, b = engine(rule), engine(rule)
    for x in items:
        a.observe("ds", *x)
    for x in shuffled:
        b.observe("ds", *x)
    assert level(a, "pm10_alert") == level(b, "pm10_alert")
    assert b.counters("ds").duplicates == 1


def reference_level(rule: Rule, items: list[tuple[float, float]]) -> int:
    """A naive evaluation from scratch: window metrics by brute force over the sorted observations."""
    from incheon.sensors.rules.engine import _Track

    tr = _Track(rule, T0)
    state = tr.base
    pts = sorted(items)
    for j, (t, v) in enumerate(pts):
        ms = []
        for m in rule.metrics:
            if m.kind == "value":
                x = v
            elif m.kind == "sum":
                x = round(sum(w for s, w in pts[: j + 1] if s > t - m.window_s), 9)
            else:
                x = round(v - next(w for s, w in pts[: j + 1] if s >= t - m.window_s), 9)
            ms.append(tr.sign * x)
        state = tr.step(state, t, ms)
    return state[0]


@settings(max_examples=150, deadline=None)
@given(
    obs=st.lists(
        st.tuples(st.integers(0, 1500), st.sampled_from([0.0, 0.5, 1.0, 2.5, 5.0, 12.0])), max_size=120
    ),
    seed=st.randoms(use_true_random=False),
    which=st.sampled_from(["heavy_rain", "river_rise"]),
)
def test_windows_match_a_naive_evaluation(obs: list[tuple[int, float]], seed, which: str) -> None:
    """Running sums, pointers, eviction and late replays give the level a from-scratch evaluation gives."""
    rule = RULES.rule(which, "g", {"rise_m_per_30min": 3.0})
    rule = replace(rule, late_s=2000 * M)
    uniq = {T0 + t * M: v for t, v in obs}
    arrivals = list(uniq.items())
    seed.shuffle(arrivals)
    e = engine(rule)
    for t, v in arrivals:
        e.observe("ds", t, v)
    got = e.level("ds", rule.id)
    assert (got.index if got else 0) == reference_level(rule, list(uniq.items()))


def test_levels_snapshot_and_unbind() -> None:
    e = Engine()
    e.bind("g", [RULES.rule("river_stage", "g", GAUGE), RULES.rule("silence_10min")], since=T0)
    e.observe("g", T0, 3.9)
    e.tick(T0 + 11 * M)
    assert {k: v.ko for k, v in e.levels("g").items()} == {
        "river_stage": "경계",
        "silence_10min": "수신 중단",
    }
    e.unbind("g")
    assert e.observe("g", T0 + 12 * M, 1.0) == [] and e.tick(T0 + 30 * M) == []


def test_falling_values_rule_with_hysteresis() -> None:
    """op = "lt": an alert when a value falls (e.g. residual chlorine in the water network, task 3-1-6)."""
    from incheon.sensors.rules import parse_table

    table = parse_table(
        {
            "table": "water",
            "version": "test",
            "effective_from": "2026-12-02",
            "checked": "a test table, not a legal figure",
            "source": {"name": "test", "article": "-", "issuer": "-"},
            "rules": [
                {
                    "id": "chlorine_low",
                    "observed_property": "residual_chlorine",
                    "metrics": [{"name": "value", "kind": "value"}],
                    "op": "lt",
                    "levels": [
                        {
                            "code": "low",
                            "ko": "낮음",
                            "en": "Low",
                            "raise": {"value": 0.1},
                            "clear": {"value": 0.15},
                        },
                        {"code": "very_low", "ko": "매우 낮음", "en": "Very low", "raise": {"value": 0.05}},
                    ],
                }
            ],
        },
        "water.toml",
    )
    e = engine(table.rules[0].bind())
    got = []
    for i, v in enumerate([0.2, 0.1, 0.099, 0.12, 0.04, 0.06, 0.149, 0.15]):
        got += [(v, ev.kind, ev.level.code if ev.level else None) for ev in e.observe("ds", T0 + i * M, v)]
    assert got == [
        (0.099, "open", "low"),
        (0.04, "raise", "very_low"),
        (0.06, "lower", "low"),
        (0.15, "clear", None),
    ]


def test_sustained_tolerates_timestamp_jitter() -> None:
    """Hourly means stamped a few seconds off the hour still make two consecutive hours."""
    e = engine(RULES.rule("pm25_alert"))
    assert e.observe("ds", T0 + H + 4, 80) == []
    assert [ev.kind for ev in e.observe("ds", T0 + 2 * H - 3, 80)] == ["open"]
    e2 = engine(RULES.rule("pm25_alert"))
    e2.observe("ds", T0 + H, 80)
    assert e2.observe("ds", T0 + 2.6 * H, 80) == []  # more than 1.5 hours apart: a missing hour


def test_continuous_sustain() -> None:
    """Without a sample period, a condition must hold over the given span of phenomenon time."""
    rule = replace(RULES.rule("river_stage", "g", GAUGE), sustain_s=10 * M)
    e = engine(rule)
    got = []
    for i, v in enumerate([3.2, 3.2, 1.0, 3.2, 3.3, 3.2]):  # every 5 minutes
        got += [(i, ev.kind, ev.level.code) for ev in e.observe("ds", T0 + i * 5 * M, v)]
    # 관심/주의 from i=3 need 10 minutes: reached at i=5 (15 → 25 min); the drop at i=2 broke the first run
    assert got == [(5, "open", "caution")]
