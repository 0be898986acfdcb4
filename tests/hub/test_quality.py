"""The quality report of a version: completeness, validity (codes, dates), duplicates, consistency
(totals, code ↔ name, figures stated elsewhere) and the score that weighs them."""

from __future__ import annotations

import itertools
from pathlib import Path
from typing import Any

import duckdb
import pytest

from incheon.hub.ingest.pipeline import IngestOptions, Staged, run
from incheon.hub.quality import assess

_counter = itertools.count()


def ingest(tmp_path: Path, content: str, **opts: Any) -> Staged:
    upload = tmp_path / f"upload-{next(_counter)}.csv"
    upload.write_bytes(content.encode("utf-8"))
    return run(upload, IngestOptions(filename="data.csv", **opts), tmp_path / "work")


def quality(tmp_path: Path, content: str, **opts: Any) -> dict[str, Any]:
    staged = ingest(tmp_path, content, **opts)
    try:
        return staged.quality
    finally:
        staged.cleanup()


def issues(q: dict[str, Any], check: str, severity: str | None = None) -> list[dict[str, Any]]:
    return [i for i in q["issues"] if i["check"] == check and (severity is None or i["severity"] == severity)]


CLEAN = "군구,인구,세대수\n부평구,490000,210000\n서구,600000,250000\n중구,150000,70000\n"


def test_a_clean_table_scores_100(tmp_path: Path) -> None:
    q = quality(tmp_path, CLEAN)
    assert q["rows"] == 3
    assert q["score"] == 100.0
    assert q["issues"] == []
    assert q["completeness"]["columns"] == {"군구": 1.0, "인구": 1.0, "세대수": 1.0}
    assert q["duplicates"]["rows"] == 0


def test_every_issue_is_bilingual(tmp_path: Path) -> None:
    q = quality(tmp_path, "sgg_code,인구,비고\n28999,1,\n28999,1,\n28170,3,\n")
    assert q["issues"]
    for issue in q["issues"]:
        assert issue["message_ko"] and issue["message_en"]
        assert issue["severity"] in ("error", "warning")


# ---------------------------------------------------------------------------------------------- completeness


def test_completeness_ratio(tmp_path: Path) -> None:
    q = quality(tmp_path, "군구,인구,비고\n부평구,1,메모\n서구,2,\n중구,,\n동구,4,\n")
    cols = q["completeness"]["columns"]
    assert cols["군구"] == 1.0
    assert cols["인구"] == 0.75
    assert cols["비고"] == 0.25
    assert q["completeness"]["score"] == pytest.approx((1.0 + 0.75 + 0.25) / 3, abs=1e-4)
    flagged = {i["column"]: i["ratio"] for i in issues(q, "completeness", "warning")}
    assert flagged == {"인구": 0.75, "비고": 0.25}
    assert q["score"] < 100


def test_a_nearly_complete_column_is_not_flagged(tmp_path: Path) -> None:
    body = "".join(f"{i},x\n" for i in range(1, 20)) + "20,\n"
    q = quality(tmp_path, "n,memo\n" + body)
    assert q["completeness"]["columns"]["memo"] == 0.95
    assert issues(q, "completeness") == []


# ---------------------------------------------------------------------------------------------- duplicates


def test_duplicates_count(tmp_path: Path) -> None:
    q = quality(tmp_path, "군구,인구\n부평구,1\n부평구,1\n부평구,1\n서구,2\n서구,3\n")
    assert q["duplicates"]["rows"] == 2
    assert q["duplicates"]["score"] == pytest.approx(1 - 2 / 5)
    dup = issues(q, "duplicates")
    assert len(dup) == 1 and dup[0]["rows"] == 2
    # Only the duplicate share is lost: 0.2 × (2/5) of 100.
    assert q["score"] == pytest.approx(100 - 20 * 2 / 5, abs=0.05)


def test_rows_differing_only_by_row_id_are_duplicates_but_nulls_count_too(tmp_path: Path) -> None:
    q = quality(tmp_path, "a,b\n1,\n1,\n2,x\n")
    assert q["duplicates"]["rows"] == 1


# ---------------------------------------------------------------------------------------------- validity


def test_unknown_district_code_is_an_error(tmp_path: Path) -> None:
    q = quality(tmp_path, "sgg_code,인구\n28237,1\n28999,2\n28999,3\n28260,4\n")
    errors = issues(q, "validity", "error")
    assert [(i["column"], i["value"], i["rows"]) for i in errors] == [("sgg_code", "28999", 2)]
    assert q["validity"] == {"score": 0.5, "checked": 4, "invalid": 2}
    assert q["score"] == pytest.approx(100 - 30 * 0.5, abs=0.05)


def test_unknown_dong_code_is_an_error(tmp_path: Path) -> None:
    q = quality(tmp_path, "행정동코드,인구\n2823751000,1\n2823799999,2\n")
    errors = issues(q, "validity", "error")
    assert [i["value"] for i in errors] == ["2823799999"]
    assert q["validity"]["invalid"] == 1


def test_historical_code_is_a_warning(tmp_path: Path) -> None:
    q = quality(tmp_path, "sgg_code,인구\n28170,1\n28177,2\n")
    assert issues(q, "validity", "error") == []
    warnings = issues(q, "validity", "warning")
    assert len(warnings) == 1
    assert warnings[0]["value"] == "28170"
    assert "28177" in warnings[0]["message_en"] and "historical" in warnings[0]["message_en"]
    assert q["validity"]["invalid"] == 0
    assert q["score"] == 100.0


def test_historical_dong_code_is_a_warning(tmp_path: Path) -> None:
    q = quality(tmp_path, "행정동코드,인구\n2817051000,1\n")
    assert [i["severity"] for i in issues(q, "validity")] == ["warning"]


def test_dates_outside_1900_2100_are_errors(tmp_path: Path) -> None:
    q = quality(tmp_path, "기준일,값\n2024-01-31,1\n1800-01-01,2\n2150-06-30,3\n2000-01-01,4\n")
    errors = issues(q, "validity", "error")
    assert len(errors) == 1 and errors[0]["column"] == "기준일" and errors[0]["rows"] == 2
    assert q["validity"]["checked"] == 4 and q["validity"]["invalid"] == 2


def test_district_names_outside_incheon_are_warned(tmp_path: Path) -> None:
    body = "".join(
        f"{n},1\n" for n in ["부평구", "서구", "중구", "동구", "연수구", "남동구", "계양구", "강화군"]
    )
    q = quality(tmp_path, "군구,인구\n" + body + "수원시,1\n")
    warnings = issues(q, "validity", "warning")
    assert [(i["column"], i["rows"]) for i in warnings] == [("군구", 1)]


# ---------------------------------------------------------------------------------------------- consistency


def test_total_row_equal_to_the_sum_passes(tmp_path: Path) -> None:
    q = quality(
        tmp_path,
        "군구,인구,세대수\n계,1240000,530000\n부평구,490000,210000\n서구,600000,250000\n중구,150000,70000\n",
    )
    assert q["consistency"] == {"score": 1.0, "checks": 2, "failed": 0}
    assert issues(q, "consistency") == []
    assert q["score"] == 100.0


def test_total_row_unequal_to_the_sum_is_flagged(tmp_path: Path) -> None:
    q = quality(
        tmp_path,
        "군구,인구,세대수\n합계,1250000,530000\n부평구,490000,210000\n서구,600000,250000\n"
        "중구,150000,70000\n",
    )
    flagged = issues(q, "consistency", "error")
    assert [(i["column"], i["total"], i["sum"]) for i in flagged] == [("인구", 1250000, 1240000)]
    assert q["consistency"] == {"score": 0.5, "checks": 2, "failed": 1}
    assert q["score"] == pytest.approx(90.0)


def test_subtotals_are_left_out_of_the_sum(tmp_path: Path) -> None:
    q = quality(tmp_path, "구분,값\n계,10\n소계,10\nA,4\nB,6\n")
    assert q["consistency"]["failed"] == 0 and q["consistency"]["checks"] == 1


def test_non_additive_columns_are_not_summed(tmp_path: Path) -> None:
    content = "군구,인구,고령화율\n계,300,15.0\n부평구,100,10.0\n서구,200,20.0\n"
    assert quality(tmp_path, content)["consistency"]["failed"] == 1
    q = quality(tmp_path, content, non_additive=["고령화율"])
    assert q["consistency"] == {"score": 1.0, "checks": 1, "failed": 0}


def test_two_total_rows_are_not_checked(tmp_path: Path) -> None:
    q = quality(tmp_path, "구분,값\n계,1\n계,2\nA,4\n")
    assert q["consistency"]["checks"] == 0


def test_code_and_name_of_different_districts(tmp_path: Path) -> None:
    q = quality(tmp_path, "sgg_code,군구,인구\n28237,부평구,1\n28260,중구,2\n28170,남구,3\n")
    flagged = issues(q, "consistency", "error")
    assert [(i["value"], i["rows"]) for i in flagged] == [("28260", 1)]
    assert q["consistency"]["checks"] == 3 and q["consistency"]["failed"] == 1


EXPECTATION_TABLE = "군구,연도,인구\n부평구,2023,490000\n부평구,2024,487000\n서구,2024,620000\n"


def test_expectation_that_agrees_passes(tmp_path: Path) -> None:
    exp = {
        "kind": "cell_equals",
        "column": "인구",
        "expected": 487000,
        "where": {"군구": "부평구", "연도": 2024},
    }
    q = quality(tmp_path, EXPECTATION_TABLE, expectations=[exp])
    assert q["consistency"] == {"score": 1.0, "checks": 1, "failed": 0}
    assert q["score"] == 100.0


def test_expectation_that_disagrees_is_flagged(tmp_path: Path) -> None:
    exp = {
        "kind": "cell_equals",
        "column": "인구",
        "expected": 500000,
        "where": {"군구": "부평구", "연도": 2024},
        "source": "기본계획 본문 p.12",
    }
    q = quality(tmp_path, EXPECTATION_TABLE, expectations=[exp])
    flagged = issues(q, "consistency", "error")
    assert len(flagged) == 1
    assert flagged[0]["actual"] == 487000 and flagged[0]["expected"] == 500000
    assert flagged[0]["source"] == "기본계획 본문 p.12"
    assert "기본계획 본문 p.12" in flagged[0]["message_ko"]
    assert q["consistency"] == {"score": 0.0, "checks": 1, "failed": 1}
    assert q["score"] == pytest.approx(80.0)


@pytest.mark.parametrize(
    "exp",
    [
        {
            "kind": "cell_equals",
            "column": "인구",
            "expected": 1,
            "where": {"군구": "부평구"},
        },  # two rows match
        {"kind": "cell_equals", "column": "인구", "expected": 1, "where": {"군구": "없는구"}},  # none match
        {"kind": "cell_equals", "column": "없는열", "expected": 1, "where": {}},
    ],
)
def test_expectation_without_a_single_cell_is_flagged(tmp_path: Path, exp: dict[str, Any]) -> None:
    q = quality(tmp_path, EXPECTATION_TABLE, expectations=[exp])
    flagged = issues(q, "consistency")
    assert len(flagged) == 1 and flagged[0]["actual"] is None


def test_column_sum_expectation(tmp_path: Path) -> None:
    good = {"kind": "column_sum", "column": "인구", "expected": 1107000, "where": {"연도": 2024}}
    bad = {"kind": "column_sum", "column": "인구", "expected": 1600000}
    q = quality(tmp_path, EXPECTATION_TABLE, expectations=[good, bad])
    assert q["consistency"] == {"score": 0.5, "checks": 2, "failed": 1}
    assert [i["expected"] for i in issues(q, "consistency")] == [1600000]


def test_score_drops_with_each_kind_of_problem(tmp_path: Path) -> None:
    base = quality(tmp_path, CLEAN)["score"]
    incomplete = quality(tmp_path, CLEAN.replace("150000", ""))["score"]
    duplicated = quality(tmp_path, CLEAN + "중구,150000,70000\n")["score"]
    total_wrong = quality(tmp_path, CLEAN + "계,1,1\n")["score"]
    exp = {"kind": "cell_equals", "column": "인구", "expected": 1, "where": {"군구": "서구"}}
    expectation_wrong = quality(tmp_path, CLEAN, expectations=[exp])["score"]
    assert base == 100.0
    for score in (incomplete, duplicated, total_wrong, expectation_wrong):
        assert score < base
    both = quality(tmp_path, CLEAN + "중구,150000,70000\n계,1,1\n", expectations=[exp])["score"]
    assert both < min(duplicated, total_wrong, expectation_wrong)


# ---------------------------------------------------------------------------------------------- assess directly


def test_assess_on_an_empty_table() -> None:
    con = duckdb.connect()
    con.execute("CREATE TABLE t (_id BIGINT, a VARCHAR, n BIGINT)")
    schema = [{"id": "_id", "type": "BIGINT"}, {"id": "a", "type": "VARCHAR"}, {"id": "n", "type": "BIGINT"}]
    q = assess(con, "t", schema, [])
    assert q["rows"] == 0
    assert q["score"] == 100.0
    assert q["issues"] == []


def test_assess_reads_roles_from_the_schema() -> None:
    con = duckdb.connect()
    con.execute("CREATE TABLE t AS SELECT * FROM (VALUES (1, '28237'), (2, '11110')) v(_id, c)")
    schema = [{"id": "_id", "type": "BIGINT"}, {"id": "c", "type": "VARCHAR", "role": "sgg_code"}]
    q = assess(con, "t", schema, [])
    assert [i["value"] for i in q["issues"]] == ["11110"]
    q = assess(con, "t", [schema[0], {"id": "c", "type": "VARCHAR", "role": None}], [])
    assert q["issues"] == []


def test_total_within_rounding_passes(tmp_path: Path) -> None:
    """Published totals are often sums of unrounded figures: a difference under one unit is tolerated."""
    q = quality(tmp_path, "구분,값\n계,10.4\nA,3.3\nB,6.6\n")
    assert q["consistency"] == {"score": 1.0, "checks": 1, "failed": 0}
    q = quality(tmp_path, "구분,값\n계,12\nA,3\nB,6\n")
    assert q["consistency"]["failed"] == 1
