"""The $filter parser and compiler: SQL with parameters only, names checked, and no crash on any input."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from incheon.sensors.sta.filter import Compiler, FilterError, parse
from incheon.sensors.sta.model import ENTITIES
from incheon.sensors.sta.query import parse_options

OBS = ENTITIES["Observations"]


def compile_(text: str, entity: str = "Observations", dialect: str = "duckdb"):  # noqa: ANN201
    return Compiler(ENTITIES[entity], "a", dialect).where(parse(text))


def test_values_are_parameters_never_sql() -> None:
    out = compile_("result eq 'x'' OR 1=1 --' or tolower(result) eq 'robert''); DROP TABLE x;--'")
    assert "DROP" not in out.sql and "1=1" not in out.sql
    assert out.params == ["x' OR 1=1 --", "robert'); DROP TABLE x;--"]


def test_precedence() -> None:
    out = compile_("result add 2 mul 3 gt 7 or result lt 1 and not (result eq 0)")
    assert out.sql.startswith("((") and " OR " in out.sql and " AND (NOT" in out.sql
    assert out.params == [2, 3, 7, 1, 0]


@pytest.mark.parametrize(
    "bad",
    [
        "", "result", "result eq", "eq 1", "(result eq 1", "result eq 1)", "nosuch eq 1", "Datastream/nosuch eq 1",
        "Thing/name eq 'x'", "result eq 1 1", "substringof('a')", "frobnicate(name)", "name eq 'x' and 3",
        "st_within(result, geography'POINT(1 2)')", "st_within(FeatureOfInterest/feature, geography'LINESTRING(1 2, 3 4)')",
        "geo.distance(FeatureOfInterest/feature, geography'POINT(500 2)') lt 1", "phenomenonTime gt 2026-13-45T00:00:00Z",
        "result eq 'a", "parameters/a'b eq 1", "not", "-", "result gt -", "1e999 eq result",
    ],
)  # fmt: skip
def test_errors_are_filter_errors(bad: str) -> None:
    with pytest.raises(FilterError):
        compile_(bad)


def test_nesting_is_bounded() -> None:
    with pytest.raises(FilterError):
        compile_("(" * 500 + "result eq 1" + ")" * 500)
    with pytest.raises(FilterError):
        compile_("not " * 500 + "result eq 1")


def test_dialects_for_json_members() -> None:
    assert "json_extract_string" in compile_("parameters/depth eq 3").sql
    assert "#>>" in compile_("parameters/depth eq 3", dialect="postgres").sql


ALPHABET = st.sampled_from(
    [
        "result", "name", "phenomenonTime", "Datastream/id", "Datastream/Thing/name", "parameters/x",
        "FeatureOfInterest/feature", "Datastreams/Observations/result", "Locations/location", " eq ", " ne ", " gt ", " and ", " or ", "not ", " add ", " div ", " mod ",
        "(", ")", ",", "'a'", "''", "'", "1", "-2.5", "1e3", "2026-07-01T00:00:00Z", "null", "true",
        "substringof(", "tolower(", "year(", "geo.distance(", "st_within(", "geography'POINT(1 2)'",
        "geography'POLYGON((0 0, 1 0, 1 1, 0 0))'", "geography'POLYGON((0 0", "/", "$", "é", "\x00",
    ]
)  # fmt: skip


@settings(max_examples=400, deadline=None)
@given(st.one_of(st.lists(ALPHABET, max_size=25).map("".join), st.text(max_size=80)))
def test_parser_never_crashes(text: str) -> None:
    for entity in ("Observations", "Things", "Locations"):
        try:
            Compiler(ENTITIES[entity], "a", "postgres").where(parse(text))
        except FilterError:
            pass


@settings(max_examples=200, deadline=None)
@given(st.dictionaries(st.sampled_from(["$filter", "$expand", "$orderby", "$select", "$top"]), st.text(max_size=40)))
def test_query_options_never_crash(params: dict[str, str]) -> None:
    from incheon.errors import BadRequest

    try:
        parse_options(params, ENTITIES["Things"])
    except BadRequest:
        pass
