"""Alert rules for city sensors (issue 5, section 3): threshold tables as versioned data with their legal
source (`data/*.toml`), the rule engine and the alert lifecycle. Pure Python, no I/O except reading tables.

    rules = RuleSet.load()                                   # the shipped tables
    gauge = rules.rule("river_stage", "gauge-01", {"stage_attention_m": 2.0, ...})
    engine = Engine(); engine.bind("ds-7", [gauge, rules.rule("silence_10min")])
    events = engine.observe("ds-7", t, 3.4) + engine.tick(now)
"""

from .engine import Counters, Engine
from .lifecycle import Alert, AlertBook, InvalidTransition, Transition
from .model import AlertEvent, Band, Grading, Level, Metric, Rule
from .tables import RuleSet, RuleSpec, RuleTableError, Table, load_sites, load_table, parse_table

__all__ = [
    "Alert",
    "AlertBook",
    "AlertEvent",
    "Band",
    "Counters",
    "Engine",
    "Grading",
    "InvalidTransition",
    "Level",
    "Metric",
    "Rule",
    "RuleSet",
    "RuleSpec",
    "RuleTableError",
    "Table",
    "Transition",
    "load_sites",
    "load_table",
    "parse_table",
]
