"""The threshold tables: every shipped figure, its source fields, and validation errors that name file and field."""

from __future__ import annotations

from pathlib import Path

import pytest

from incheon.sensors.rules import RuleSet, RuleTableError, load_sites, load_table, parse_table
from incheon.sensors.rules.tables import DATA_DIR

GAUGE = {"stage_attention_m": 2.0, "stage_caution_m": 3.1, "stage_alert_m": 3.8, "stage_severe_m": 5.2}


@pytest.fixture(scope="module")
def rules() -> RuleSet:
    return RuleSet.load()


@pytest.mark.parametrize("path", sorted(DATA_DIR.glob("*.toml")), ids=lambda p: p.name)
def test_every_table_has_version_source_and_check(path: Path) -> None:
    t = load_table(path)
    assert t.version and t.effective_from
    assert t.source["name"] and t.source["article"] and t.source["issuer"]
    assert len(t.checked) > 40, "say what was verified and how"


def test_heavy_rain_figures(rules: RuleSet) -> None:
    r = rules.rule("heavy_rain")
    assert [m.window_s for m in r.metrics] == [3 * 3600, 12 * 3600]
    assert r.raise_ == ((60, 110), (90, 180))
    assert [lv.ko for lv in r.levels] == ["호우주의보", "호우경보"]


def test_fine_dust_figures(rules: RuleSet) -> None:
    pm10, pm25 = rules.rule("pm10_alert"), rules.rule("pm25_alert")
    assert pm10.raise_ == ((150,), (300,)) and pm10.clear == ((100,), (150,))
    assert pm25.raise_ == ((75,), (150,)) and pm25.clear == ((35,), (75,))
    assert pm10.sustain_s == pm25.sustain_s == 2 * 3600 and pm10.sample_s == 3600


@pytest.mark.parametrize(
    ("grading", "value", "code"),
    [
        ("pm10_grade", 0, "good"),
        ("pm10_grade", 30, "good"),
        ("pm10_grade", 31, "moderate"),
        ("pm10_grade", 80, "moderate"),
        ("pm10_grade", 81, "bad"),
        ("pm10_grade", 150, "bad"),
        ("pm10_grade", 151, "very_bad"),
        ("pm25_grade", 15, "good"),
        ("pm25_grade", 16, "moderate"),
        ("pm25_grade", 35, "moderate"),
        ("pm25_grade", 36, "bad"),
        ("pm25_grade", 75, "bad"),
        ("pm25_grade", 76, "very_bad"),
        ("pm10_grade", 30.5, "moderate"),
    ],
)
def test_dust_grade_boundaries(rules: RuleSet, grading: str, value: float, code: str) -> None:
    assert rules.grading(grading).classify(value).code == code


def test_grade_names_korean_english(rules: RuleSet) -> None:
    assert [(b.ko, b.en) for b in rules.grading("pm25_grade").bands] == [
        ("좋음", "Good"),
        ("보통", "Moderate"),
        ("나쁨", "Bad"),
        ("매우나쁨", "Very bad"),
    ]


@pytest.mark.parametrize(
    ("rule_id", "limit"),
    [
        ("complex_odour_stack_industrial", 1000),
        ("complex_odour_stack_other", 500),
        ("complex_odour_boundary_industrial", 20),
        ("complex_odour_boundary_other", 15),
        ("h2s_boundary_industrial", 0.06),
        ("h2s_boundary_other", 0.02),
        ("nh3_boundary_industrial", 2),
        ("nh3_boundary_other", 1),
    ],
)
def test_odour_limits(rules: RuleSet, rule_id: str, limit: float) -> None:
    r = rules.rule(rule_id)
    assert r.raise_ == ((limit,),) and r.op == "gt"  # "이하" → exceeded only above the limit


def test_river_stage_per_gauge(rules: RuleSet) -> None:
    r = rules.rule("river_stage", "gauge-01", GAUGE)
    assert [row[0] for row in r.raise_] == [2.0, 3.1, 3.8, 5.2]
    assert [row[0] for row in r.clear] == pytest.approx([1.95, 3.05, 3.75, 5.15])  # default clear margin
    assert [lv.ko for lv in r.levels] == ["관심", "주의", "경계", "심각"]
    r2 = rules.rule("river_stage", "gauge-02", {**GAUGE, "clear_margin_m": 0.2})
    assert r2.clear[1][0] == pytest.approx(2.9)


def test_missing_gauge_stage_names_file_field_and_site(rules: RuleSet) -> None:
    params = {k: v for k, v in GAUGE.items() if k != "stage_alert_m"}
    with pytest.raises(RuleTableError) as ei:
        rules.rule("river_stage", "gauge-09", params)
    e = ei.value
    assert e.file == "river_stage.toml" and e.field == "rules[0].levels[2].raise.value"
    assert "stage_alert_m" in e.message_en and "gauge-09" in e.message_en and "지점" in e.message_ko


def test_gauge_stages_out_of_order(rules: RuleSet) -> None:
    with pytest.raises(RuleTableError) as ei:
        rules.rule("river_stage", "g", {**GAUGE, "stage_alert_m": 3.0})
    assert ei.value.field == "rules[0].levels[2].raise.value" and "out of order" in ei.value.message_en


def test_load_sites(tmp_path: Path) -> None:
    p = tmp_path / "gauges.toml"
    p.write_text("[sites.gauge-01]\nstage_attention_m = 2.0\nstage_caution_m = 3\n", encoding="utf-8")
    assert load_sites(p) == {"gauge-01": {"stage_attention_m": 2.0, "stage_caution_m": 3.0}}
    p.write_text('[sites.gauge-01]\nstage_attention_m = "high"\n', encoding="utf-8")
    with pytest.raises(RuleTableError) as ei:
        load_sites(p)
    assert ei.value.file == "gauges.toml" and ei.value.field == "sites.gauge-01.stage_attention_m"


BASE = {
    "table": "t",
    "version": "1",
    "effective_from": "2024-01-01",
    "checked": "checked by hand",
    "source": {"name": "n", "article": "a", "issuer": "i"},
    "rules": [
        {
            "id": "r",
            "observed_property": "x",
            "metrics": [{"name": "value", "kind": "value"}],
            "levels": [{"code": "a", "ko": "가", "en": "A", "raise": {"value": 1}}],
        }
    ],
}


def _with(path: list[str | int], value: object) -> dict:
    import copy

    d = copy.deepcopy(BASE)
    node = d
    for k in path[:-1]:
        node = node[k]
    if value is None:
        del node[path[-1]]
    else:
        node[path[-1]] = value
    return d


@pytest.mark.parametrize(
    ("path", "value", "field"),
    [
        (["version"], None, "version"),
        (["checked"], None, "checked"),
        (["checked"], "  ", "checked"),
        (["source"], None, "source"),
        (["effective_from"], "soon", "effective_from"),
        (["rules", 0, "op"], "eq", "rules[0].op"),
        (["rules", 0, "metrics", 0, "kind"], "mean", "rules[0].metrics[0].kind"),
        (["rules", 0, "metrics"], [{"name": "s", "kind": "sum"}], "rules[0].metrics[0].window_minutes"),
        (["rules", 0, "levels", 0, "raise"], {"value": "60"}, "rules[0].levels[0].raise.value"),
        (["rules", 0, "levels", 0, "raise"], {"other": 1}, "rules[0].levels[0].raise.other"),
        (["rules", 0, "levels", 0, "ko"], None, "rules[0].levels[0].ko"),
    ],
)
def test_validation_names_the_field(path: list, value: object, field: str) -> None:
    with pytest.raises(RuleTableError) as ei:
        parse_table(_with(path, value), "custom.toml")
    assert ei.value.file == "custom.toml" and ei.value.field == field
    assert ei.value.message_ko.startswith("custom.toml: ") and ei.value.public()["field"] == field


def test_clear_beyond_raise_rejected() -> None:
    d = _with(["rules", 0, "levels", 0, "clear"], {"value": 2})
    with pytest.raises(RuleTableError) as ei:
        parse_table(d, "c.toml").rules[0].bind()
    assert ei.value.field == "rules[0].levels[0].clear.value"


def test_toml_syntax_error_names_file(tmp_path: Path) -> None:
    p = tmp_path / "broken.toml"
    p.write_text("table = \n", encoding="utf-8")
    with pytest.raises(RuleTableError) as ei:
        load_table(p)
    assert ei.value.file == "broken.toml"


def test_administrator_edits_take_effect(tmp_path: Path) -> None:
    """Editing a table (a new version) changes the rule without touching code."""
    text = (DATA_DIR / "heavy_rain.toml").read_text(encoding="utf-8")
    (tmp_path / "heavy_rain.toml").write_text(
        text.replace('version = "2018.06-1"', 'version = "2027.01-1"').replace(
            "sum_3h = 60,", "sum_3h = 55,"
        ),
        encoding="utf-8",
    )
    r = RuleSet.load(tmp_path).rule("heavy_rain")
    assert r.version == "2027.01-1" and r.raise_[0] == (55, 110)
    layered = RuleSet.load(overrides=tmp_path)  # shipped tables, the administrator's copy replacing one
    assert layered.rule("heavy_rain").version == "2027.01-1" and layered.rule("pm10_alert").raise_[0] == (
        150,
    )
    assert layered.tables["heavy_rain"].file == "heavy_rain.toml" and len(layered.tables) == 5


def test_duplicate_rule_ids_across_tables(tmp_path: Path) -> None:
    for name in ("a.toml", "b.toml"):
        text = (DATA_DIR / "heavy_rain.toml").read_text(encoding="utf-8")
        (tmp_path / name).write_text(
            text.replace('table = "heavy_rain"', f'table = "{name[0]}"'), encoding="utf-8"
        )
    with pytest.raises(RuleTableError) as ei:
        RuleSet.load(tmp_path)
    assert ei.value.file == "b.toml" and ei.value.field == "rules[0].id"


def test_same_table_twice_in_one_directory(tmp_path: Path) -> None:
    text = (DATA_DIR / "odour.toml").read_text(encoding="utf-8")
    for name in ("odour.toml", "odour_copy.toml"):
        (tmp_path / name).write_text(text, encoding="utf-8")
    with pytest.raises(RuleTableError) as ei:
        RuleSet.load(tmp_path)
    assert ei.value.file == "odour_copy.toml" and ei.value.field == "table"


def test_site_params_listed(rules: RuleSet) -> None:
    assert rules.spec("river_stage").site_params == [
        "clear_margin_m",
        "stage_alert_m",
        "stage_attention_m",
        "stage_caution_m",
        "stage_severe_m",
    ]
    assert rules.spec("heavy_rain").site_params == []
