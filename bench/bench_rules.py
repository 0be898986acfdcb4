"""Micro-benchmark of the alert rule engine alone (no I/O): observations/s vs a loop that only appends.

    .venv/bin/python bench/bench_rules.py [--n 400000] [--streams 1000]

A synthetic city: `streams` datastreams split between river gauges (stage, 4 levels + silence), rain
gauges (3 h / 12 h sums) and PM10 stations (sustained 2 h); one observation per stream per minute, in time
order, with 1 % arriving late (a few minutes out of order) and 0.5 % duplicated. Prints observations/s for
the engine and for the baseline, and their ratio. The issue's target is 20,000 observations/s end to end.
"""

from __future__ import annotations

import argparse
import random
import time

from incheon.sensors.rules import Engine, RuleSet

T0 = 1_780_000_000.0
GAUGE = {"stage_attention_m": 2.0, "stage_caution_m": 3.1, "stage_alert_m": 3.8, "stage_severe_m": 5.2}


def workload(n: int, streams: int, seed: int = 7) -> list[tuple[str, float, float]]:
    """Random walks: stages drifting through 관심/주의, rain in showers, PM10 wandering around 80–200."""
    rnd = random.Random(seed)
    state = [2.8 if s % 3 == 0 else 0.0 if s % 3 == 1 else 90.0 for s in range(streams)]
    out: list[tuple[str, float, float]] = []
    minute = 0
    while len(out) < n:
        t = T0 + minute * 60
        for s in range(streams):
            kind = s % 3
            if kind == 0:
                state[s] = min(6.0, max(0.5, state[s] + rnd.gauss(0, 0.01)))
            elif kind == 1:
                showering = state[s] > 0 if rnd.random() < 0.98 else state[s] == 0
                state[s] = rnd.choice((0.2, 0.5, 1.0)) if showering else 0.0
            else:
                state[s] = min(400.0, max(5.0, state[s] + rnd.gauss(0, 3)))
            v = round(state[s], 3)
            tt = t - 60 * rnd.randint(1, 5) if rnd.random() < 0.01 else t
            out.append((f"ds{s}", tt, v))
            if rnd.random() < 0.005:
                out.append((f"ds{s}", tt, v))
        minute += 1
    return out[:n]


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--n", type=int, default=400_000)
    ap.add_argument("--streams", type=int, default=1000)
    args = ap.parse_args()
    rs = RuleSet.load()
    eng = Engine()
    silence = rs.rule("silence_10min")
    for s in range(args.streams):
        kind = s % 3
        if kind == 0:
            rules = [
                rs.rule("river_stage", f"g{s}", GAUGE),
                rs.rule("river_rise", f"g{s}", {"rise_m_per_30min": 0.5}),
                silence,
            ]
        elif kind == 1:
            rules = [rs.rule("heavy_rain"), silence]
        else:
            rules = [rs.rule("pm10_alert"), silence]
        eng.bind(f"ds{s}", rules, since=T0)
    obs = workload(args.n, args.streams)

    sink: list[tuple[str, float, float]] = []
    append = sink.append
    t = time.perf_counter()
    for ds, ts, v in obs:
        append((ds, ts, v))
    base = len(obs) / (time.perf_counter() - t)

    events = 0
    observe = eng.observe
    t = time.perf_counter()
    for ds, ts, v in obs:
        ev = observe(ds, ts, v)
        if ev:
            events += len(ev)
    rate = len(obs) / (time.perf_counter() - t)
    t = time.perf_counter()
    events += len(eng.tick(obs[-1][1] + 3600))
    tick_ms = (time.perf_counter() - t) * 1000

    print(f"observations: {len(obs):,} over {args.streams} datastreams; alert events: {events:,}")
    print(f"baseline (append to a list): {base:,.0f} obs/s")
    print(f"engine (all rules evaluated): {rate:,.0f} obs/s")
    print(
        f"ratio engine/baseline: {rate / base:.3f}; target 20,000 obs/s: {'met' if rate >= 20_000 else 'NOT met'}"
    )

    print(f"one silence tick over {args.streams} datastreams: {tick_ms:.1f} ms")


if __name__ == "__main__":
    main()
