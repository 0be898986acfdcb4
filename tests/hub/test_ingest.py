"""The ingest pipeline called directly (`run(upload, IngestOptions, workroot)`): encodings, type inference,
declared types and contracts, malformed files, unsafe files, every accepted format, district enrichment,
and property-based round trips."""

from __future__ import annotations

import csv
import datetime as dt
import io
import itertools
import json
import zipfile
from pathlib import Path
from typing import Any

import duckdb
import openpyxl
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from incheon.errors import BadRequest, HubError, IngestError, TooLarge
from incheon.hub.geo import base_layers
from incheon.hub.ingest import pipeline
from incheon.hub.ingest.pipeline import IngestOptions, Staged, run

_counter = itertools.count()

POPULATION = '군구,인구,면적\n부평구,"490,000",31.98\n남동구,"500,123",57.0\n옹진군,"20,001",172.5\n'
POPULATION_ROWS = [
    {"_id": 1, "군구": "부평구", "인구": 490000, "면적": 31.98, "_sgg_code": "28237"},
    {"_id": 2, "군구": "남동구", "인구": 500123, "면적": 57.0, "_sgg_code": "28200"},
    {"_id": 3, "군구": "옹진군", "인구": 20001, "면적": 172.5, "_sgg_code": "28720"},
]


def ingest(tmp_path: Path, content: bytes | str, filename: str = "data.csv", **opts: Any) -> Staged:
    """Write `content` to a fresh upload file and run the pipeline on it."""
    upload = tmp_path / f"upload-{next(_counter)}.bin"
    upload.write_bytes(content.encode("utf-8") if isinstance(content, str) else content)
    return run(upload, IngestOptions(filename=filename, **opts), tmp_path / "work")


def rows(staged: Staged) -> list[dict[str, Any]]:
    rel = duckdb.sql(f"SELECT * FROM read_parquet('{staged.parquet_path}') ORDER BY _id")
    return [dict(zip(rel.columns, r, strict=True)) for r in rel.fetchall()]


def types(staged: Staged) -> dict[str, str]:
    return {f["id"]: f["type"] for f in staged.schema}


def roles(staged: Staged) -> dict[str, str | None]:
    return {f["id"]: f.get("role") for f in staged.schema}


def column(staged: Staged, name: str) -> list[Any]:
    return [r[name] for r in rows(staged)]


def leftovers(tmp_path: Path) -> list[Path]:
    work = tmp_path / "work"
    return list(work.glob("ingest-*")) if work.exists() else []


def make_zip(entries: list[tuple[str, bytes]], compression: int = zipfile.ZIP_DEFLATED) -> bytes:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", compression) as zf:
        for name, data in entries:
            zf.writestr(name, data)
    return buf.getvalue()


# ---------------------------------------------------------------------------------------------- encodings


@pytest.mark.parametrize(
    ("encoding", "reported"),
    [
        ("utf-8", "utf-8"),
        ("utf-8-sig", "utf-8"),
        ("cp949", "cp949"),
        ("euc-kr", "cp949"),
        ("utf-16", "utf-16"),
    ],
)
def test_encodings_give_the_same_typed_table(tmp_path: Path, encoding: str, reported: str) -> None:
    staged = ingest(tmp_path, POPULATION.encode(encoding))
    assert staged.encoding == reported
    assert staged.source_format == "csv"
    assert types(staged) == {
        "_id": "BIGINT",
        "군구": "VARCHAR",
        "인구": "BIGINT",
        "면적": "DOUBLE",
        "_sgg_code": "VARCHAR",
    }
    assert rows(staged) == POPULATION_ROWS
    assert staged.row_count == 3
    # The BOM never leaks into the first column's name.
    assert not any(f["id"].startswith("\ufeff") for f in staged.schema)


@pytest.mark.parametrize("declared", ["cp949", "euc-kr", "EUC_KR", "ms949"])
def test_declared_korean_encoding(tmp_path: Path, declared: str) -> None:
    staged = ingest(tmp_path, POPULATION.encode("cp949"), encoding=declared)
    assert staged.encoding == "cp949"
    assert rows(staged) == POPULATION_ROWS


def test_unknown_declared_encoding_is_a_bad_request(tmp_path: Path) -> None:
    with pytest.raises(BadRequest) as err:
        ingest(tmp_path, POPULATION, encoding="latin-7")
    assert err.value.details["field"] == "encoding"


def _korean_on_line_7(encoding: str) -> bytes:
    return ("name,value\n" + "abc,1\n" * 5 + "부평구,2\n").encode(encoding)


def test_utf8_file_declared_cp949_names_the_line(tmp_path: Path) -> None:
    with pytest.raises(IngestError) as err:
        ingest(tmp_path, _korean_on_line_7("utf-8"), encoding="cp949")
    assert err.value.details["row"] == 7
    assert err.value.details["encoding"] == "cp949"
    assert "7" in err.value.message_ko and "Line 7" in err.value.message_en
    assert err.value.status == 409


def test_cp949_file_declared_utf8_names_the_line(tmp_path: Path) -> None:
    with pytest.raises(IngestError) as err:
        ingest(tmp_path, _korean_on_line_7("cp949"), encoding="utf-8")
    assert err.value.details["row"] == 7
    assert "Line 7 is not valid utf-8" in err.value.message_en
    assert leftovers(tmp_path) == []


def test_cp949_beyond_the_sniffed_head_asks_for_the_encoding(tmp_path: Path) -> None:
    """The first MiB is ASCII, so UTF-8 is guessed; the Korean line after the 4 MiB chunk boundary is
    named exactly, and naming the encoding makes the same file load."""
    filler = "abcdefghij,1\n"
    n = (5 << 20) // len(filler)
    content = ("name,value\n" + filler * n + "부평구,2\n").encode("cp949")
    with pytest.raises(IngestError) as err:
        ingest(tmp_path, content)
    assert err.value.details["row"] == n + 2
    assert "encoding=cp949" in err.value.message_en
    staged = ingest(tmp_path, content, encoding="cp949")
    assert staged.row_count == n + 1
    assert rows(staged)[-1]["name"] == "부평구"


# ---------------------------------------------------------------------------------------------- inference


def test_thousands_separators_are_bigint(tmp_path: Path) -> None:
    staged = ingest(tmp_path, 'a,b\n"1,234",1\n"1,234,567",-2\n"12",+3\n')
    assert types(staged)["a"] == "BIGINT"
    assert types(staged)["b"] == "BIGINT"
    assert column(staged, "a") == [1234, 1234567, 12]
    assert column(staged, "b") == [1, -2, 3]


def test_decimals_are_double(tmp_path: Path) -> None:
    staged = ingest(tmp_path, 'rate,big\n1.5,"1,234.5"\n2,3\n-0.25,1e3\n')
    assert types(staged)["rate"] == "DOUBLE"
    assert types(staged)["big"] == "DOUBLE"
    assert column(staged, "rate") == [1.5, 2.0, -0.25]
    assert column(staged, "big") == [1234.5, 3.0, 1000.0]


def test_korean_date_styles_are_date(tmp_path: Path) -> None:
    staged = ingest(tmp_path, "d1,d2,d3\n2024.01.31,2024/01/31,2024-01-31\n2023.1.5,2023/1/5,2023-01-05\n")
    assert {types(staged)[c] for c in ("d1", "d2", "d3")} == {"DATE"}
    for c in ("d1", "d2", "d3"):
        assert column(staged, c) == [dt.date(2024, 1, 31), dt.date(2023, 1, 5)]


def test_a_date_with_a_time_is_not_truncated_to_date(tmp_path: Path) -> None:
    staged = ingest(tmp_path, "t\n2024-01-31 10:30:00\n2024-02-01 00:00:00\n")
    assert types(staged)["t"] == "TIMESTAMP"
    assert column(staged, "t")[0] == dt.datetime(2024, 1, 31, 10, 30)


def test_booleans(tmp_path: Path) -> None:
    staged = ingest(tmp_path, "flag,n\ntrue,1\nFalse,2\n,3\n")
    assert types(staged)["flag"] == "BOOLEAN"
    assert column(staged, "flag") == [True, False, None]


def test_empty_cells_are_null(tmp_path: Path) -> None:
    staged = ingest(tmp_path, "a,b\n1,x\n,y\n3,\n")
    assert types(staged)["a"] == "BIGINT"
    assert column(staged, "a") == [1, None, 3]
    assert column(staged, "b") == ["x", "y", None]


def test_leading_zeros_and_code_names_stay_text(tmp_path: Path) -> None:
    staged = ingest(
        tmp_path,
        "val,코드,code,번호,우편번호,사업자_id\n00123,123,456,1,21554,10\n04567,124,457,2,22711,11\n",
    )
    t = types(staged)
    assert t["val"] == "VARCHAR"
    assert column(staged, "val") == ["00123", "04567"]
    for name in ("코드", "code", "번호", "우편번호", "사업자_id"):
        assert t[name] == "VARCHAR", name
    assert column(staged, "코드") == ["123", "124"]


def test_dong_codes_stay_text_with_their_role(tmp_path: Path) -> None:
    staged = ingest(tmp_path, "행정동,인구\n2823751000,100\n2826053000,200\n")
    assert types(staged)["행정동"] == "VARCHAR"
    assert roles(staged)["행정동"] == "dong_code"
    assert column(staged, "행정동") == ["2823751000", "2826053000"]
    assert column(staged, "_sgg_code") == ["28237", "28260"]


def test_numbers_outside_incheon_codes_stay_numbers(tmp_path: Path) -> None:
    staged = ingest(tmp_path, "금액,연도\n3823751000,2024\n2823,2023\n")
    assert types(staged) == {"_id": "BIGINT", "금액": "BIGINT", "연도": "BIGINT"}


def test_sample_guess_widened_beyond_the_sample(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(pipeline, "SAMPLE_ROWS", 5)
    lines = ["n,d,label,num_text"] + [f"{i},2024-01-0{i},{i},{i}" for i in range(1, 8)]
    lines += ["7.5,2024-01-08 12:00:00,열여덟,8"]
    staged = ingest(tmp_path, "\n".join(lines) + "\n")
    t = types(staged)
    assert t["n"] == "DOUBLE"
    assert t["d"] == "TIMESTAMP"
    assert t["label"] == "VARCHAR"
    assert t["num_text"] == "BIGINT"
    # The value beyond the sample keeps its precision (not rounded to 8) and its time.
    assert column(staged, "n")[-1] == 7.5
    assert column(staged, "d")[-1] == dt.datetime(2024, 1, 8, 12)
    assert column(staged, "label")[-1] == "열여덟"
    notes = " ".join(staged.notes)
    assert "'n' 열" in notes and "DOUBLE" in notes
    assert "'d' 열" in notes and "TIMESTAMP" in notes
    assert "'label' 열" in notes
    assert "num_text" not in notes
    assert staged.quality["notes"] == staged.notes


def test_no_widening_note_when_the_sample_sees_everything(tmp_path: Path) -> None:
    staged = ingest(tmp_path, "n\n1\n7.5\n")
    assert types(staged)["n"] == "DOUBLE"
    assert staged.notes == []


# ---------------------------------------------------------------------------------------------- declared types


def test_declared_types_that_do_not_fit_list_every_error(tmp_path: Path) -> None:
    content = (
        "군구,인구,기준일\n부평구,100,2024-01-01\n서구,많음,2024-01-02\n중구,300,어제\n동구,5.5,2024-01-04\n"
    )
    with pytest.raises(IngestError) as err:
        ingest(tmp_path, content, types={"인구": "int", "기준일": "date"})
    d = err.value.details
    assert d["error_count"] == 3
    assert d["errors"] == [
        {"row": 2, "line": 3, "column": "인구", "type": "BIGINT", "value": "많음"},
        {"row": 3, "line": 4, "column": "기준일", "type": "DATE", "value": "어제"},
        {"row": 4, "line": 5, "column": "인구", "type": "BIGINT", "value": "5.5"},
    ]
    assert "많음" in err.value.message_ko and "line 3" in err.value.message_en
    assert leftovers(tmp_path) == []


def test_declared_types_override_inference(tmp_path: Path) -> None:
    staged = ingest(tmp_path, "코드,인구\n123,100\n124,200\n", types={"코드": "integer", "인구": "text"})
    assert types(staged)["코드"] == "BIGINT"
    assert types(staged)["인구"] == "VARCHAR"
    assert column(staged, "코드") == [123, 124]
    assert column(staged, "인구") == ["100", "200"]


def test_declared_type_unknown_or_for_a_missing_column(tmp_path: Path) -> None:
    with pytest.raises(BadRequest) as err:
        ingest(tmp_path, "a\n1\n", types={"a": "money"})
    assert err.value.details["column"] == "a"
    with pytest.raises(BadRequest) as err:
        ingest(tmp_path, "a\n1\n", types={"b": "int"})
    assert err.value.details["column"] == "b"


CONTRACT = [
    {"id": "_id", "type": "BIGINT"},
    {"id": "군구", "type": "VARCHAR"},
    {"id": "인구", "type": "BIGINT"},
    {"id": "_sgg_code", "type": "VARCHAR"},
]


def test_contract_with_missing_and_extra_columns(tmp_path: Path) -> None:
    with pytest.raises(IngestError) as err:
        ingest(tmp_path, "군구,세대수\n부평구,100\n", contract=CONTRACT)
    assert err.value.details["missing"] == ["인구"]
    assert err.value.details["extra"] == ["세대수"]
    assert "schema=infer" in err.value.message_en
    with pytest.raises(IngestError) as err:
        ingest(tmp_path, "군구,인구,세대수\n부평구,100,50\n", contract=CONTRACT)
    assert err.value.details["missing"] == [] and err.value.details["extra"] == ["세대수"]


def test_contract_types_bind_the_new_version(tmp_path: Path) -> None:
    staged = ingest(tmp_path, "인구,군구\n100,부평구\n", contract=CONTRACT)
    assert types(staged)["인구"] == "BIGINT"
    with pytest.raises(IngestError) as err:
        ingest(tmp_path, "군구,인구\n부평구,100\n서구,n/a\n", contract=CONTRACT)
    assert err.value.details["errors"][0] == {
        "row": 2,
        "line": 3,
        "column": "인구",
        "type": "BIGINT",
        "value": "n/a",
    }
    # A contract column typed text keeps digits as text even where inference would say BIGINT.
    text_contract = [{"id": "a", "type": "VARCHAR"}]
    assert types(ingest(tmp_path, "a\n1\n", contract=text_contract))["a"] == "VARCHAR"


# ---------------------------------------------------------------------------------------------- structure


def test_too_few_columns_names_the_line(tmp_path: Path) -> None:
    with pytest.raises(IngestError) as err:
        ingest(tmp_path, "a,b,c\n1,2,3\n4,5\n6,7,8\n")
    first = err.value.details["errors"][0]
    assert (first["line"], first["row"]) == (3, 2)  # file line 3 = data row 2
    assert first["error"] == "MISSING COLUMNS"
    assert err.value.message_en.startswith("Line 3:")
    assert "3번째 줄" in err.value.message_ko


def test_too_many_columns_names_the_line(tmp_path: Path) -> None:
    with pytest.raises(IngestError) as err:
        ingest(tmp_path, "a,b,c\n1,2,3\n4,5,6\n7,8,9,10\n11,12,13,14\n")
    d = err.value.details
    assert [(e["line"], e["row"]) for e in d["errors"]] == [(4, 3), (5, 4)]
    assert d["error_count"] == 2
    assert d["errors"][0]["error"] == "TOO MANY COLUMNS"
    assert d["errors"][0]["text"] == "7,8,9,10"


def test_ragged_cp949_file_names_the_line(tmp_path: Path) -> None:
    with pytest.raises(IngestError) as err:
        ingest(tmp_path, "군구,인구\n부평구,1\n서구\n".encode("cp949"))
    assert err.value.details["errors"][0]["line"] == 3


@pytest.mark.parametrize("header", ["a,b,a", "a,b,A", "인구, 인구"])
def test_duplicate_header_names(tmp_path: Path, header: str) -> None:
    with pytest.raises(IngestError) as err:
        ingest(tmp_path, f"{header}\n" + ",".join("1" * (header.count(",") + 1)) + "\n")
    assert err.value.details["column"].lower() == header.split(",")[-1].strip().lower()


def test_blank_header_is_named_with_a_note(tmp_path: Path) -> None:
    staged = ingest(tmp_path, "a,,c\n1,2,3\n")
    assert [f["id"] for f in staged.schema] == ["_id", "a", "column_2", "c"]
    assert column(staged, "column_2") == [2]
    assert any("column_2" in n for n in staged.notes)


def test_reserved_names_are_renamed(tmp_path: Path) -> None:
    staged = ingest(tmp_path, "_id,_SGG_CODE,x\n7,28237,1\n")
    ids = [f["id"] for f in staged.schema]
    assert ids[:3] == ["_id", "_id_source", "_SGG_CODE_source"]
    assert column(staged, "_id") == [1]
    assert column(staged, "_id_source") == [7]
    assert len(staged.notes) == 2


@pytest.mark.parametrize("content", ["a,b,c\n", "a,b,c", "a,b\n\n\n"])
def test_header_only_file(tmp_path: Path, content: str) -> None:
    with pytest.raises(IngestError) as err:
        ingest(tmp_path, content)
    assert "no data rows" in err.value.message_en


@pytest.mark.parametrize("content", [b"", b"\n\n", b" , ,\n1,2\n", b"\xef\xbb\xbf"])
def test_empty_file_or_blank_header(tmp_path: Path, content: bytes) -> None:
    with pytest.raises(IngestError) as err:
        ingest(tmp_path, content)
    assert "no header row" in err.value.message_en


def test_unclosed_quote(tmp_path: Path) -> None:
    with pytest.raises(IngestError):
        ingest(tmp_path, 'a,b\n1,"never closed\n2,3\n')


def test_quoted_fields_with_commas_quotes_and_newlines(tmp_path: Path) -> None:
    staged = ingest(tmp_path, 'a,b\n"서구, 인천","그는 ""예""라고"\n"두\n줄",x\n')
    assert column(staged, "a") == ["서구, 인천", "두\n줄"]
    assert column(staged, "b") == ['그는 "예"라고', "x"]


@pytest.mark.parametrize(
    ("content", "filename"),
    [
        ("a;b\n1;2\n", "data.csv"),
        ("a\tb\n1\t2\n", "data.tsv"),
        ("a\tb\n1\t2\n", "data.txt"),
        ("a,b\r\n1,2\r\n", "data.csv"),
        ("a|b\n1|2\n", "data.csv"),
    ],
)
def test_delimiters_and_line_endings(tmp_path: Path, content: str, filename: str) -> None:
    staged = ingest(tmp_path, content, filename)
    assert rows(staged) == [{"_id": 1, "a": 1, "b": 2}]


def test_successful_run_leaves_only_the_parquet_and_cleans_up(tmp_path: Path) -> None:
    staged = ingest(tmp_path, POPULATION)
    assert staged.parquet_path.exists()
    assert not (staged.workdir / "utf8.csv").exists()
    assert staged.size_bytes == len(POPULATION.encode())
    import hashlib

    assert staged.sha256 == hashlib.sha256(POPULATION.encode()).hexdigest()
    staged.cleanup()
    assert not staged.workdir.exists()
    assert leftovers(tmp_path) == []


# ---------------------------------------------------------------------------------------------- safety


@pytest.mark.parametrize(
    "name",
    ["../x.csv", "/etc/passwd", "C:\\x.csv", "a/b.csv", "a\\b.csv", "..", "C:x.csv", "x\x00.csv", "a\nb.csv"],
)
def test_filenames_with_paths_are_refused(tmp_path: Path, name: str) -> None:
    with pytest.raises(BadRequest) as err:
        ingest(tmp_path, POPULATION, filename=name)
    assert err.value.details["field"] == "upload"
    assert not (tmp_path / "work").exists() or leftovers(tmp_path) == []


@pytest.mark.parametrize("name", ["x.exe", "x.pdf", "noextension", "x.csv.sh", "x.parquet"])
def test_unsupported_extension(tmp_path: Path, name: str) -> None:
    with pytest.raises(BadRequest) as err:
        ingest(tmp_path, POPULATION, filename=name)
    assert err.value.details["field"] == "format"


def test_declared_format_wins_over_the_extension(tmp_path: Path) -> None:
    staged = ingest(tmp_path, POPULATION, filename="인구 현황", format="CSV")
    assert rows(staged) == POPULATION_ROWS
    with pytest.raises(BadRequest):
        ingest(tmp_path, POPULATION, filename="data.csv", format="docx")


def test_zip_bomb_is_too_large(tmp_path: Path) -> None:
    bomb = make_zip([("big.csv", b"a\n" + b"0" * (50 << 20))])
    assert len(bomb) < 1 << 20
    with pytest.raises(TooLarge) as err:
        ingest(tmp_path, bomb, "data.zip")
    assert err.value.status == 413
    assert leftovers(tmp_path) == []


def test_zip_over_the_unzipped_limit_is_too_large(tmp_path: Path) -> None:
    archive = make_zip([("a.csv", POPULATION.encode())], zipfile.ZIP_STORED)
    with pytest.raises(TooLarge):
        ingest(tmp_path, archive, "data.zip", max_unzipped=50)


@pytest.mark.parametrize("entry", ["../evil.csv", "/abs/evil.csv", "x/../../evil.csv", "..\\evil.csv"])
def test_zip_entry_with_a_path_outside(tmp_path: Path, entry: str) -> None:
    with pytest.raises(IngestError) as err:
        ingest(tmp_path, make_zip([(entry, b"a\n1\n")]), "data.zip")
    assert "outside" in err.value.message_en
    assert not (tmp_path / "evil.csv").exists()


def test_zip_with_one_cp949_csv(tmp_path: Path) -> None:
    staged = ingest(tmp_path, make_zip([("인구.csv", POPULATION.encode("cp949"))]), "인구.zip")
    assert rows(staged) == POPULATION_ROWS
    assert staged.encoding == "cp949"
    assert any("인구.csv" in n for n in staged.notes)


def test_zip_in_a_folder_and_macos_metadata(tmp_path: Path) -> None:
    archive = make_zip([("폴더/인구.csv", POPULATION.encode()), ("__MACOSX/._인구.csv", b"\x00\x05")])
    assert rows(ingest(tmp_path, archive, "data.zip")) == POPULATION_ROWS


def test_nested_zip_refused(tmp_path: Path) -> None:
    inner = make_zip([("a.csv", POPULATION.encode())])
    with pytest.raises(IngestError) as err:
        ingest(tmp_path, make_zip([("inner.zip", inner)]), "data.zip")
    assert "Nested" in err.value.message_en


def test_zip_with_two_files_or_none(tmp_path: Path) -> None:
    with pytest.raises(IngestError):
        ingest(tmp_path, make_zip([("a.csv", b"a\n1\n"), ("b.csv", b"a\n1\n")]), "data.zip")
    with pytest.raises(IngestError):
        ingest(tmp_path, make_zip([]), "data.zip")


def test_zip_with_an_unsupported_member(tmp_path: Path) -> None:
    with pytest.raises(BadRequest):
        ingest(tmp_path, make_zip([("run.exe", b"MZ")]), "data.zip")


def test_corrupt_zip(tmp_path: Path) -> None:
    with pytest.raises(IngestError):
        ingest(tmp_path, b"PK\x03\x04 definitely not a zip", "data.zip")


# ---------------------------------------------------------------------------------------------- XLSX, JSON


def _workbook(sheets: dict[str, list[list[Any]]]) -> bytes:
    wb = openpyxl.Workbook()
    wb.remove(wb.active)
    for title, data in sheets.items():
        ws = wb.create_sheet(title)
        for r in data:
            ws.append(r)
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()


XLSX_ROWS = [
    ["군구", "인구", "면적", "기준일", "갱신시각", "비고"],
    ["부평구", 490000, 31.98, dt.date(2024, 1, 31), dt.datetime(2024, 1, 31, 9, 30), None],
    ["서구", 600000, 118.5, dt.datetime(2024, 2, 29), dt.datetime(2024, 2, 29, 18, 0), "검단 포함"],
    [None, None, None, None, None, None],
    ["미추홀구", 400000.0, 24.8, dt.date(2023, 12, 31), dt.datetime(2023, 12, 31, 0, 0, 1), ""],
]


def test_xlsx_is_typed(tmp_path: Path) -> None:
    staged = ingest(tmp_path, _workbook({"인구": XLSX_ROWS}), "인구.xlsx")
    assert staged.source_format == "xlsx"
    t = types(staged)
    assert t["군구"] == "VARCHAR"
    assert t["인구"] == "BIGINT"
    assert t["면적"] == "DOUBLE"
    assert t["기준일"] == "DATE"
    assert t["갱신시각"] == "TIMESTAMP"
    got = rows(staged)
    assert len(got) == 3  # the blank row is skipped
    assert [r["인구"] for r in got] == [490000, 600000, 400000]
    assert [r["기준일"] for r in got] == [dt.date(2024, 1, 31), dt.date(2024, 2, 29), dt.date(2023, 12, 31)]
    assert got[0]["갱신시각"] == dt.datetime(2024, 1, 31, 9, 30)
    assert [r["_sgg_code"] for r in got] == ["28237", "28260", "28177"]
    assert [r["비고"] for r in got] == [None, "검단 포함", None]


def test_xlsx_sheets(tmp_path: Path) -> None:
    book = _workbook({"표지": [["제목"], ["인천 인구"]], "인구": XLSX_ROWS})
    first = ingest(tmp_path, book, "book.xlsx")
    assert [f["id"] for f in first.schema] == ["_id", "제목"]
    assert any("표지" in n for n in first.notes)
    chosen = ingest(tmp_path, book, "book.xlsx", sheet="인구")
    assert chosen.row_count == 3
    with pytest.raises(BadRequest) as err:
        ingest(tmp_path, book, "book.xlsx", sheet="없는 시트")
    assert err.value.details["sheets"] == ["표지", "인구"]


def test_xlsx_in_a_zip(tmp_path: Path) -> None:
    archive = make_zip([("인구.xlsx", _workbook({"인구": XLSX_ROWS}))])
    staged = ingest(tmp_path, archive, "data.zip")
    assert staged.source_format == "xlsx"
    assert staged.row_count == 3


def test_corrupt_xlsx(tmp_path: Path) -> None:
    with pytest.raises(IngestError):
        ingest(tmp_path, make_zip([("hello.txt", b"hi")]), "data.xlsx")
    with pytest.raises(IngestError):
        ingest(tmp_path, b"not a workbook", "data.xlsx")


JSON_RECORDS = [
    {"군구": "부평구", "인구": 490000, "면적": 31.98},
    {"군구": "서구", "인구": 600000, "면적": 118.5, "비고": {"포함": ["검단"]}},
]


@pytest.mark.parametrize("wrap", [None, "records", "data"])
def test_json_records(tmp_path: Path, wrap: str | None) -> None:
    doc: Any = JSON_RECORDS if wrap is None else {wrap: JSON_RECORDS, "total": 2}
    staged = ingest(tmp_path, json.dumps(doc, ensure_ascii=False), "인구.json")
    assert staged.source_format == "json"
    assert types(staged)["인구"] == "BIGINT"
    assert types(staged)["면적"] == "DOUBLE"
    got = rows(staged)
    assert [r["_sgg_code"] for r in got] == ["28237", "28260"]
    assert got[0]["비고"] is None
    assert json.loads(got[1]["비고"]) == {"포함": ["검단"]}


@pytest.mark.parametrize("content", ["[{", "{'a': 1}", '[{"a": 1}] trailing', "\xff"])
def test_invalid_json(tmp_path: Path, content: str) -> None:
    with pytest.raises(IngestError) as err:
        ingest(tmp_path, content.encode("latin-1"), "data.json")
    assert "JSON" in err.value.message_en


@pytest.mark.parametrize("doc", [[1, 2], {"rows": []}, "text", [{"a": 1}, [2]]])
def test_json_that_is_not_records(tmp_path: Path, doc: Any) -> None:
    with pytest.raises(IngestError) as err:
        ingest(tmp_path, json.dumps(doc), "data.json")
    assert "array of objects" in err.value.message_en


# ---------------------------------------------------------------------------------------------- geography


def _point_collection(coords: list[tuple[float, float]], crs: str | None = None) -> str:
    doc: dict[str, Any] = {
        "type": "FeatureCollection",
        "features": [
            {
                "type": "Feature",
                "properties": {"이름": f"지점{i}", "값": i},
                "geometry": {"type": "Point", "coordinates": list(c)},
            }
            for i, c in enumerate(coords, start=1)
        ],
    }
    if crs:
        doc["crs"] = {"type": "name", "properties": {"name": crs}}
    return json.dumps(doc, ensure_ascii=False)


def _dong_lonlat(code: str) -> tuple[float, float, float, float]:
    layers = base_layers()
    d = layers.dongs[code]
    lon, lat = layers.utmk_to_wgs84([d.x], [d.y])
    return d.x, d.y, float(lon[0]), float(lat[0])


BUPYEONG = "2823751000"  # 부평1동
YEONHUI = "2826053000"  # 서구 연희동


def test_reference_points_are_where_we_think() -> None:
    layers = base_layers()
    assert layers.sgg_for_points([126.72], [37.49]) == ["28237"]
    for code in (BUPYEONG, YEONHUI):
        _, _, lon, lat = _dong_lonlat(code)
        assert layers.sgg_for_points([lon], [lat]) == [code[:5]]


def test_geojson_points_in_wgs84(tmp_path: Path) -> None:
    _, _, lon, lat = _dong_lonlat(YEONHUI)
    staged = ingest(tmp_path, _point_collection([(126.72, 37.49), (lon, lat), (127.5, 36.0)]), "p.geojson")
    assert staged.source_format == "geojson"
    assert types(staged)["lon"] == "DOUBLE" and types(staged)["lat"] == "DOUBLE"
    assert roles(staged)["lon"] == "lon" and roles(staged)["geometry"] == "geometry"
    got = rows(staged)
    assert (got[0]["lon"], got[0]["lat"]) == (126.72, 37.49)
    assert [r["_sgg_code"] for r in got] == ["28237", "28260", None]
    assert json.loads(got[0]["geometry"]) == {"type": "Point", "coordinates": [126.72, 37.49]}
    assert "_lon" not in types(staged)
    # The point outside Incheon is reported, not dropped.
    assert staged.row_count == 3
    assert any(i["check"] == "validity" and i.get("rows") == 1 for i in staged.quality["issues"])


@pytest.mark.parametrize("crs", ["urn:ogc:def:crs:EPSG::5179", "EPSG:5179", None])
def test_geojson_points_in_utmk(tmp_path: Path, crs: str | None) -> None:
    x, y, lon, lat = _dong_lonlat(BUPYEONG)
    x2, y2, lon2, lat2 = _dong_lonlat(YEONHUI)
    staged = ingest(tmp_path, _point_collection([(x, y), (x2, y2)], crs), "p.geojson")
    got = rows(staged)
    assert got[0]["lon"] == pytest.approx(lon, abs=1e-9)
    assert got[0]["lat"] == pytest.approx(lat, abs=1e-9)
    assert got[1]["lon"] == pytest.approx(lon2, abs=1e-9)
    assert [r["_sgg_code"] for r in got] == ["28237", "28260"]
    assert any("5179" in n for n in staged.notes)


def test_geojson_polygons_keep_their_geometry(tmp_path: Path) -> None:
    square = [[[126.70, 37.48], [126.73, 37.48], [126.73, 37.50], [126.70, 37.50], [126.70, 37.48]]]
    doc = {
        "type": "FeatureCollection",
        "features": [
            {
                "type": "Feature",
                "properties": {"name": "a"},
                "geometry": {"type": "Polygon", "coordinates": square},
            }
        ],
    }
    staged = ingest(tmp_path, json.dumps(doc), "a.geojson")
    assert "lon" not in types(staged)
    assert json.loads(rows(staged)[0]["geometry"])["type"] == "Polygon"


@pytest.mark.parametrize(
    "doc",
    [
        {"type": "Feature"},
        [1, 2],
        {"type": "FeatureCollection", "features": ["x"]},
        {"type": "FeatureCollection", "features": [{"type": "Feature", "geometry": {"type": "Point"}}]},
    ],
)
def test_bad_geojson(tmp_path: Path, doc: Any) -> None:
    with pytest.raises(IngestError):
        ingest(tmp_path, json.dumps(doc), "a.geojson")


def test_csv_with_utmk_xy_gets_lonlat_and_district(tmp_path: Path) -> None:
    x, y, lon, lat = _dong_lonlat(BUPYEONG)
    x2, y2, lon2, lat2 = _dong_lonlat(YEONHUI)
    staged = ingest(tmp_path, f"시설,X,Y\n복지관,{x},{y}\n도서관,{x2},{y2}\n측정소,,\n")
    t = types(staged)
    assert t["_lon"] == "DOUBLE" and t["_lat"] == "DOUBLE"
    assert roles(staged)["_lon"] == "lon_derived"
    got = rows(staged)
    assert got[0]["_lon"] == pytest.approx(lon) and got[0]["_lat"] == pytest.approx(lat)
    assert got[1]["_lon"] == pytest.approx(lon2) and got[1]["_lat"] == pytest.approx(lat2)
    assert [r["_sgg_code"] for r in got] == ["28237", "28260", None]
    assert [r["시설"] for r in got] == ["복지관", "도서관", "측정소"]
    assert any("_lon" in n for n in staged.notes)


def test_csv_with_wgs84_lonlat(tmp_path: Path) -> None:
    staged = ingest(tmp_path, "경도,위도\n126.72,37.49\n126.0,30.0\n")
    assert [r["_sgg_code"] for r in rows(staged)] == ["28237", None]
    assert "_lon" not in types(staged)


def test_csv_with_local_xy_is_not_taken_for_utmk(tmp_path: Path) -> None:
    staged = ingest(tmp_path, "x,y\n1,2\n3,4\n")
    assert rows(staged) == [{"_id": 1, "x": 1, "y": 2}, {"_id": 2, "x": 3, "y": 4}]


def test_csv_with_only_one_coordinate_column(tmp_path: Path) -> None:
    staged = ingest(tmp_path, "lon,v\n126.72,1\n")
    assert "_sgg_code" not in types(staged)


# ---------------------------------------------------------------------------------------------- districts


def test_district_codes(tmp_path: Path) -> None:
    staged = ingest(tmp_path, "시군구,인구\n28237,1\n28260,2\n28170,3\n28710,4\n")
    assert types(staged)["시군구"] == "VARCHAR"
    assert roles(staged)["시군구"] == "sgg_code"
    assert column(staged, "_sgg_code") == ["28237", "28260", "28177", "28710"]


def test_dong_codes_with_historical_ones(tmp_path: Path) -> None:
    staged = ingest(tmp_path, "행정동코드,인구\n2823751000,1\n2817051000,2\n2817000000,3\n2872037500,4\n")
    assert roles(staged)["행정동코드"] == "dong_code"
    assert column(staged, "_sgg_code") == ["28237", "28177", "28177", "28720"]


def test_district_names(tmp_path: Path) -> None:
    staged = ingest(tmp_path, "지역,인구\n부평구,1\n인천광역시 서구,2\n남구,3\n 강화군 ,4\n미추홀구,5\n")
    assert roles(staged)["지역"] == "district_name"
    assert column(staged, "_sgg_code") == ["28237", "28260", "28177", "28710", "28177"]


def test_district_names_with_a_total_row(tmp_path: Path) -> None:
    staged = ingest(tmp_path, "군구,인구\n계,3\n부평구,1\n서구,2\n")
    assert column(staged, "_sgg_code") == [None, "28237", "28260"]
    assert not [i for i in staged.quality["issues"] if i["check"] == "validity"]


def test_no_location_no_district_column(tmp_path: Path) -> None:
    staged = ingest(tmp_path, "항목,값\n사과,1\n배,2\n")
    assert "_sgg_code" not in types(staged)


# ---------------------------------------------------------------------------------------------- properties

HANGUL = st.characters(min_codepoint=0xAC00, max_codepoint=0xD7A3)
ASCII_LETTER = st.sampled_from("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ")
TEXT_CHAR = st.one_of(
    HANGUL, ASCII_LETTER, st.sampled_from("0123456789 ,.\"'-()·~%/\n"), st.sampled_from("㈜①가나ㄱㅏ")
)


def _cp949_ok(s: str) -> bool:
    try:
        s.encode("cp949")
    except UnicodeEncodeError:
        return False
    return True


#: Text that starts with a letter (so it can never be read as a number, date or boolean).
text_values = st.builds(
    lambda first, rest: (first + rest).rstrip(),
    st.one_of(HANGUL, ASCII_LETTER),
    st.text(TEXT_CHAR, max_size=12),
).filter(lambda s: _cp949_ok(s) and s.lower() not in ("true", "false"))
int_values = st.integers(min_value=-(2**62), max_value=2**62)
float_values = st.floats(allow_nan=False, allow_infinity=False, width=64)
column_names = st.text(st.one_of(HANGUL, ASCII_LETTER), min_size=1, max_size=6).filter(_cp949_ok)


@st.composite
def tables(draw: st.DrawFn) -> tuple[list[str], list[list[Any]]]:
    names = draw(st.lists(column_names, min_size=1, max_size=5, unique_by=str.lower))
    kinds = [draw(st.sampled_from(["text", "int", "float"])) for _ in names]
    strategy = {"text": text_values, "int": int_values, "float": float_values}
    n = draw(st.integers(min_value=1, max_value=25))
    body = [[draw(st.one_of(st.none(), strategy[k])) for k in kinds] for _ in range(n)]
    return names, body


def _cell_text(v: Any) -> str:
    if v is None:
        return ""
    return repr(v) if isinstance(v, float) else str(v)


def _same(written: str, got: Any) -> bool:
    if written == "":
        return got is None
    if isinstance(got, bool):
        return written.lower() == str(got).lower()
    if isinstance(got, int):
        return int(written) == got
    if isinstance(got, float):
        return float(written) == got
    return got == written


@settings(max_examples=50, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(table=tables(), encoding=st.sampled_from(["utf-8", "utf-8-sig", "cp949"]))
def test_property_tables_round_trip(
    tmp_path: Path, table: tuple[list[str], list[list[Any]]], encoding: str
) -> None:
    names, body = table
    buf = io.StringIO()
    writer = csv.writer(buf, lineterminator="\n")
    writer.writerow(names)
    written = [[_cell_text(v) for v in r] for r in body]
    writer.writerows(written)
    staged = ingest(tmp_path, buf.getvalue().encode(encoding))
    try:
        assert staged.row_count == len(body)
        got = rows(staged)
        assert len(got) == len(body)
        for w, g in zip(written, got, strict=True):
            for name, cell in zip(names, w, strict=True):
                assert _same(cell, g[name]), (name, cell, g[name], types(staged))
    finally:
        staged.cleanup()


fuzz_text = st.text(st.sampled_from(',;\t|"\n\r abc가1.-\x00\ufeff'), max_size=300)


@settings(max_examples=50, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    content=st.one_of(st.binary(max_size=400), fuzz_text.map(lambda s: s.encode("utf-8"))),
    filename=st.sampled_from(["f.csv", "f.tsv", "f.json", "f.geojson", "f.xlsx", "f.zip"]),
    encoding=st.sampled_from([None, "cp949", "utf-8", "utf-16"]),
)
def test_property_arbitrary_bytes_only_raise_hub_errors(
    tmp_path: Path, content: bytes, filename: str, encoding: str | None
) -> None:
    try:
        staged = ingest(tmp_path, content, filename, encoding=encoding)
    except HubError as exc:
        assert exc.message_ko and exc.message_en
        assert 400 <= exc.status < 500
    else:
        assert staged.row_count >= 1
        assert len(rows(staged)) == staged.row_count
        staged.cleanup()
    assert leftovers(tmp_path) == []


def test_english_district_names_get_a_district(tmp_path: Path) -> None:
    path = tmp_path / "en.csv"
    path.write_text("district,count\nBupyeong-gu,1\nseo-gu,2\nMichuhol-gu,3\n부평구,4\n", encoding="utf-8")
    staged = run(path, IngestOptions(filename="en.csv"), tmp_path / "work")
    codes = [
        r[0]
        for r in duckdb.sql(
            f"SELECT _sgg_code FROM read_parquet('{staged.parquet_path}') ORDER BY _id"
        ).fetchall()
    ]
    assert codes == ["28237", "28260", "28177", "28237"]


def test_code_and_utmk_columns_give_district_from_code_and_lonlat(tmp_path: Path) -> None:
    """The dong-centroid layer: the district comes from the dong code, `_lon/_lat` from the UTM-K point."""
    from incheon.hub.geo import base_layers

    dongs = base_layers().dongs.values()
    dong = next(d for d in dongs if d.code.startswith("28237") and not d.code.endswith("00000"))
    path = tmp_path / "dong.csv"
    path.write_text(f"admcd,x,y\n{dong.code},{dong.x},{dong.y}\n", encoding="utf-8")
    staged = run(path, IngestOptions(filename="dong.csv"), tmp_path / "work")
    row = duckdb.sql(f"SELECT _sgg_code, _lon, _lat FROM read_parquet('{staged.parquet_path}')").fetchall()[0]
    assert row[0] == "28237" and 126.6 < row[1] < 126.8 and 37.4 < row[2] < 37.6
