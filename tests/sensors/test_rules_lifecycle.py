"""Alert lifecycle: open → acknowledged → in progress → resolved → closed, with who and when; dedup by key."""

from __future__ import annotations

import pytest

from incheon.errors import BadRequest, Conflict, NotFound
from incheon.sensors.rules import AlertBook, Engine, InvalidTransition, RuleSet

T0 = 1_780_000_000.0
GAUGE = {"stage_attention_m": 2.0, "stage_caution_m": 3.1, "stage_alert_m": 3.8, "stage_severe_m": 5.2}


def river_events(values: list[float]):
    e = Engine()
    e.bind("g1", [RuleSet.load().rule("river_stage", "g1", GAUGE)], since=T0)
    return [ev for i, v in enumerate(values) for ev in e.observe("g1", T0 + i * 60, v)]


def test_full_lifecycle_with_who_and_when() -> None:
    book = AlertBook()
    events = river_events([1.0, 2.5, 3.5, 3.9])
    alerts = {a.key for a in map(book.apply, events) if a}
    assert len(alerts) == 1  # open, raise, raise: one alert
    (a,) = book.alerts.values()
    assert (a.level.ko, a.max_level.code, a.state) == ("경계", "alert", "open")
    book.transition(a.key, "acknowledged", "operator-kim", T0 + 600)
    book.transition(a.key, "in_progress", "operator-kim", T0 + 700, "현장 출동")
    book.transition(a.key, "resolved", "operator-lee", T0 + 900)
    book.transition(a.key, "closed", "supervisor-park", T0 + 1000)
    assert [(t.state, t.by, t.at) for t in a.history] == [
        ("open", "system", T0 + 60),
        ("acknowledged", "operator-kim", T0 + 600),
        ("in_progress", "operator-kim", T0 + 700),
        ("resolved", "operator-lee", T0 + 900),
        ("closed", "supervisor-park", T0 + 1000),
    ]
    assert a.history[2].note == "현장 출동" and book.active() == []


@pytest.mark.parametrize(
    ("path", "target"),
    [
        ([], "in_progress"),  # skipping acknowledge
        ([], "resolved"),
        ([], "closed"),
        (["acknowledged"], "acknowledged"),  # repeat
        (["acknowledged", "in_progress", "resolved", "closed"], "open"),  # closed is final
        (["acknowledged", "in_progress"], "open"),  # no going back
        ([], "deleted"),  # unknown state
    ],
)
def test_invalid_transitions_rejected_in_korean_and_english(path: list[str], target: str) -> None:
    book = AlertBook()
    (ev,) = river_events([2.5])
    book.apply(ev)
    for s in path:
        book.transition(ev.key, s, "op", T0)
    before = len(book.alerts[ev.key].history)
    with pytest.raises(InvalidTransition) as ei:
        book.transition(ev.key, target, "op", T0 + 1)
    err = ei.value
    assert isinstance(err, Conflict) and err.status == 409
    assert "바꿀 수 없습니다" in err.message_ko and "cannot go from" in err.message_en
    assert err.public()["target"] == target
    assert len(book.alerts[ev.key].history) == before  # nothing recorded


def test_transition_needs_a_person() -> None:
    book = AlertBook()
    (ev,) = river_events([2.5])
    book.apply(ev)
    with pytest.raises(BadRequest) as ei:
        book.transition(ev.key, "acknowledged", "", T0)
    assert "누가" in ei.value.message_ko and book.alerts[ev.key].state == "open"


def test_unknown_alert() -> None:
    with pytest.raises(NotFound):
        AlertBook().transition("nope", "acknowledged", "op", T0)


def test_repeats_do_not_create_alerts() -> None:
    book = AlertBook()
    events = river_events([2.5, 1.0, 2.6])  # open, clear, open again: two episodes, two alerts
    for ev in events + events:  # every event delivered twice (e.g. a retried webhook)
        book.apply(ev)
    assert len(book.alerts) == 2 and book.repeats == 3
    first, second = book.alerts.values()
    assert first.cleared_at == T0 + 60 and first.level is None and first.max_level.ko == "관심"
    assert second.cleared_at is None and second.level.ko == "관심"


def test_clear_does_not_resolve() -> None:
    book = AlertBook()
    for ev in river_events([2.5, 1.0]):
        book.apply(ev)
    (a,) = book.alerts.values()
    assert a.cleared_at is not None and a.state == "open"  # an operator still has to look at it
