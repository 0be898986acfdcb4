"""The ingest pipeline, in a scratch DuckDB whatever the storage back end:

    upload → safe UTF-8 CSV → staged text table (ragged rows rejected with their line) → typed schema
    (inferred on a sample, or the publisher's/previous version's) → every row validated → district
    enrichment → Parquet + quality report.

Nothing here touches the catalogue; `Catalog.publish_version` makes the result visible atomically.
"""

from __future__ import annotations

import csv
import hashlib
import shutil
import tempfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import duckdb
import numpy as np
import pyarrow as pa

from incheon.errors import BadRequest, IngestError
from incheon.hub.geo import CODE_CHANGES, base_layers
from incheon.hub.ingest import files
from incheon.hub.ingest.types import CODE_NAME, INFER_ORDER, WIDEN, cast_expr, fits_expr, normalise_type
from incheon.hub.storage.base import quote_ident

SAMPLE_ROWS = 100_000
#: The sample's first rows, read first to rule types out cheaply (see `_infer`).
PREFIX_ROWS = 1_000
MAX_ERRORS = 20
RESERVED = ("_id", "_sgg_code", "_lon", "_lat")
_DELIMITERS = (",", "\t", ";", "|")
_REJECT_KO = {
    "MISSING COLUMNS": "열이 모자랍니다",
    "TOO MANY COLUMNS": "열이 너무 많습니다",
    "UNQUOTED VALUE": "따옴표가 닫히지 않았습니다",
    "INVALID ENCODING": "인코딩이 잘못되었습니다",
    "LINE SIZE OVER MAXIMUM": "줄이 너무 깁니다",
    "INVALID STATE": "CSV 형식이 잘못되었습니다",
}


@dataclass
class IngestOptions:
    filename: str
    format: str | None = None
    encoding: str | None = None
    sheet: str | None = None
    #: Publisher's corrections: column id → type (others inferred). `None` = infer all.
    types: dict[str, str] | None = None
    #: The previous version's schema: a new version must fit it unless the publisher re-infers.
    contract: list[dict[str, Any]] | None = None
    expectations: list[dict[str, Any]] = field(default_factory=list)
    #: Numeric columns that must not be summed (rates, averages, ranks): the totals check skips them.
    non_additive: list[str] = field(default_factory=list)
    max_unzipped: int = 2 << 30
    max_ratio: float = 200.0


@dataclass
class Staged:
    """A validated version waiting to be published; `workdir` is removed by `cleanup`."""

    workdir: Path
    parquet_path: Path
    schema: list[dict[str, Any]]
    row_count: int
    quality: dict[str, Any]
    encoding: str
    source_format: str
    sha256: str
    size_bytes: int
    notes: list[str]

    def cleanup(self) -> None:
        shutil.rmtree(self.workdir, ignore_errors=True)


def _sha256(path: Path) -> tuple[str, int]:
    h = hashlib.sha256()
    size = 0
    with path.open("rb") as fh:
        while chunk := fh.read(1 << 20):
            h.update(chunk)
            size += len(chunk)
    return h.hexdigest(), size


def _scratch(workdir: Path) -> duckdb.DuckDBPyConnection:
    con = duckdb.connect()
    con.execute("SET temp_directory = ?", [str(workdir / "spill")])
    con.execute("SET memory_limit = '2GB'")
    con.execute("SET preserve_insertion_order = true")
    return con


def _header(
    con: duckdb.DuckDBPyConnection, csv_path: Path, delimiter: str
) -> tuple[list[str], str, list[str]]:
    """Column names as the file gives them, checked: blanks named, duplicates refused."""
    if not delimiter:
        try:
            sniff = con.execute(
                "SELECT Delimiter FROM sniff_csv(?, sample_size = 2048)", [str(csv_path)]
            ).fetchone()
        except duckdb.Error:  # a dialect it cannot make out: the header decides below
            sniff = None
        delimiter = sniff[0] if sniff and sniff[0] else ","
        # The sniffer gives up on ragged files (and then names a delimiter absent from the header, so
        # every row would fit one column): fall back to the delimiter that splits the header the most.
        with csv_path.open(encoding="utf-8", newline="") as fh:
            head = fh.readline()
        if delimiter not in head:
            delimiter = max(_DELIMITERS, key=lambda d: len(next(csv.reader([head], delimiter=d), [])))
    with csv_path.open(encoding="utf-8", newline="") as fh:
        first = next(csv.reader(fh, delimiter=delimiter), None)
    if not first or not any(c.strip() for c in first):
        raise IngestError(
            "파일이 비어 있거나 머리글(열 이름) 행이 없습니다.", "The file is empty or has no header row."
        )
    notes, names, seen = [], [], set()
    for i, raw in enumerate(first, start=1):
        name = raw.strip().lstrip("\ufeff")
        if not name:
            name = f"column_{i}"
            notes.append(f"{i}번째 열의 이름이 비어 있어 {name}(으)로 붙였습니다.")
        if name.lower() in RESERVED:
            name = f"{name}_source"
            notes.append(f"{i}번째 열 이름이 예약어라 {name}(으)로 바꿨습니다.")
        # The engine's identifiers ignore case: 'a' and 'A' would be the same column.
        if name.lower() in seen:
            raise IngestError(
                f"열 이름 '{name}'이(가) 두 번 이상 나옵니다 ({i}번째 열).",
                f"Column name '{name}' appears more than once (column {i}).",
                column=name,
            )
        seen.add(name.lower())
        names.append(name)
    return names, delimiter, notes


def _stage(con: duckdb.DuckDBPyConnection, csv_path: Path, names: list[str], delimiter: str) -> int:
    try:
        con.execute(
            "CREATE TABLE stg AS SELECT * FROM read_csv(?, all_varchar = true, header = true, delim = ?, "
            "quote = '\"', escape = '\"', strict_mode = true, store_rejects = true, rejects_limit = 1000, "
            "null_padding = false, names = ?, max_line_size = 10000000, parallel = true)",
            [str(csv_path), delimiter, names],
        )
    except (duckdb.InvalidInputException, duckdb.ConversionException) as exc:
        # e.g. a quote never closed: the reader cannot make rows of the file at all.
        raise IngestError(
            "CSV 형식이 잘못되어 읽을 수 없습니다 (닫히지 않은 따옴표 등).",
            "The CSV is malformed and cannot be read (an unclosed quote, for example).",
        ) from exc
    rejects = con.execute(
        "SELECT line, column_idx, column_name, CAST(error_type AS VARCHAR), csv_line FROM reject_errors "
        "ORDER BY line LIMIT ?",
        [MAX_ERRORS],
    ).fetchall()
    if rejects:
        total = con.execute("SELECT count(*) FROM reject_errors").fetchone()[0]
        errors = [
            {"row": int(line), "column": col, "error": etype, "text": (text or "")[:200]}
            for line, _, col, etype, text in rejects
        ]
        first = errors[0]
        raise IngestError(
            f"{first['row']}번째 줄: {_REJECT_KO.get(first['error'], first['error'])} "
            f"(머리글 열 {len(names)}개). 이런 줄이 {total}개 있습니다.",
            f"Line {first['row']}: {first['error'].lower()} (header has {len(names)} columns). "
            f"{total} such line(s).",
            errors=errors,
            error_count=int(total),
        )
    count = con.execute("SELECT count(*) FROM stg").fetchone()[0]
    if count == 0:
        raise IngestError("데이터 행이 없습니다.", "The file has a header but no data rows.")
    return int(count)


def _infer(con: duckdb.DuckDBPyConnection, names: list[str]) -> dict[str, str]:
    """The narrowest type every non-empty value of a sample fits, in two aggregates over the sample.

    The first reads only the sample's first rows: a type (or the code test) that one of them fails cannot
    fit the whole sample, so the second, over the whole sample, evaluates only what is still possible —
    most text columns drop out after the first. Same answer as testing every type on the whole sample."""
    if not names:
        return {}
    # Incheon district (5-digit) and dong (10-digit) codes are identifiers, whatever the column's name.
    layers = base_layers()
    codes = ", ".join(f"'{c}'" for c in sorted(set(layers.districts) | set(CODE_CHANGES)))
    out = {n: "VARCHAR" for n in names}
    # Columns named like codes stay text whatever they hold.
    todo = {n: (True, INFER_ORDER) for n in names if not CODE_NAME.search(n)}
    for limit in (min(PREFIX_ROWS, SAMPLE_ROWS), SAMPLE_ROWS):
        if not todo:
            break
        exprs = []
        for i, (n, (code_test, candidates)) in enumerate(todo.items()):
            q = quote_ident(n)
            exprs.append(f"count(nullif(trim({q}), '')) AS nn{i}")
            if code_test:
                exprs.append(
                    f"count(*) FILTER (WHERE regexp_full_match(trim({q}), '28[0-9]{{8}}') "
                    f"OR trim({q}) IN ({codes})) AS code{i}"
                )
            for t in candidates:
                exprs.append(
                    f"count(*) FILTER (WHERE nullif(trim({q}), '') IS NOT NULL AND {fits_expr(n, t)}) AS {t}{i}"
                )
        row = con.execute(f"SELECT {', '.join(exprs)} FROM (SELECT * FROM stg LIMIT {limit})").fetchone()
        k, left = 0, {}
        for n, (code_test, candidates) in todo.items():
            nn = row[k]
            k += 1
            all_codes = False
            if code_test:
                all_codes = row[k] == nn
                k += 1
            fits = [t for t, c in zip(candidates, row[k : k + len(candidates)], strict=True) if c == nn]
            k += len(candidates)
            if limit == SAMPLE_ROWS:
                if nn and not all_codes and fits:
                    out[n] = fits[0]
            elif fits:
                # A code test failed on the first rows fails on the sample: no need to repeat it.
                left[n] = (all_codes, tuple(fits))
        todo = left
    return out


def _failures(con: duckdb.DuckDBPyConnection, types: dict[str, str]) -> dict[str, int]:
    checked = {n: t for n, t in types.items() if t != "VARCHAR"}
    if not checked:
        return {}
    exprs = [
        f"count(*) FILTER (WHERE nullif(trim({quote_ident(n)}), '') IS NOT NULL AND {cast_expr(n, t)} IS NULL)"
        for n, t in checked.items()
    ]
    row = con.execute(f"SELECT {', '.join(exprs)} FROM stg").fetchone()
    return {n: int(c) for n, c in zip(checked, row, strict=True) if c}


def _failure_examples(
    con: duckdb.DuckDBPyConnection, types: dict[str, str], bad: dict[str, int]
) -> list[dict]:
    out = []
    for n in bad:
        rows = con.execute(
            f"SELECT rowid + 1, {quote_ident(n)} FROM stg WHERE nullif(trim({quote_ident(n)}), '') IS NOT NULL "
            f"AND {cast_expr(n, types[n])} IS NULL ORDER BY rowid LIMIT ?",
            [MAX_ERRORS],
        ).fetchall()
        out += [
            {"row": int(r), "line": int(r) + 1, "column": n, "type": types[n], "value": str(v)[:200]}
            for r, v in rows
        ]
    return sorted(out, key=lambda e: e["row"])[:MAX_ERRORS]


def _resolve_types(
    con: duckdb.DuckDBPyConnection, names: list[str], opts: IngestOptions, notes: list[str]
) -> dict[str, str]:
    declared: dict[str, str] = {}
    if opts.contract is not None and opts.types is None:
        contract = {f["id"]: f["type"] for f in opts.contract if not f["id"].startswith("_")}
        if set(contract) != set(names):
            missing, extra = sorted(set(contract) - set(names)), sorted(set(names) - set(contract))
            raise IngestError(
                f"이전 버전과 열이 다릅니다. 빠진 열: {missing}, 새 열: {extra}. "
                "스키마를 새로 추론하려면 schema=infer로 올려 주세요.",
                f"Columns differ from the previous version. Missing: {missing}, new: {extra}. "
                "Upload with schema=infer to infer a new schema.",
                missing=missing,
                extra=extra,
            )
        declared = contract
    for n, t in (opts.types or {}).items():
        if n not in names:
            raise BadRequest(f"파일에 없는 열입니다: {n}", f"No such column in the file: {n}", column=n)
        try:
            declared[n] = normalise_type(t)
        except ValueError:
            raise BadRequest(f"알 수 없는 형식입니다: {t}", f"Unknown type: {t}", column=n) from None
    inferred = _infer(con, [n for n in names if n not in declared])
    types = {n: declared.get(n) or inferred[n] for n in names}
    # A guess from the sample may not fit rows beyond it: widen guesses, reject declared types.
    while bad := _failures(con, types):
        declared_bad = {n: c for n, c in bad.items() if n in declared}
        if declared_bad:
            examples = _failure_examples(con, types, declared_bad)
            e = examples[0]
            raise IngestError(
                f"{e['row']}번째 행(파일 {e['line']}번째 줄) '{e['column']}' 열의 값 '{e['value']}'은(는) "
                f"{e['type']} 형식이 아닙니다. 형식 오류 {sum(declared_bad.values())}건.",
                f"Row {e['row']} (line {e['line']}), column '{e['column']}': value '{e['value']}' is not "
                f"{e['type']}. {sum(declared_bad.values())} type error(s).",
                errors=examples,
                error_count=sum(declared_bad.values()),
            )
        for n, c in bad.items():
            notes.append(
                f"'{n}' 열: 표본에서 {types[n]}(으)로 추론했으나 {c}개 값이 맞지 않아 "
                f"{WIDEN[types[n]]}(으)로 넓혔습니다."
            )
            types[n] = WIDEN[types[n]]
    return types


_LON = ("lon", "lng", "long", "longitude", "경도", "x_wgs84")
_LAT = ("lat", "latitude", "위도", "y_wgs84")
_X = ("x", "x좌표", "utmk_x", "x_coord", "xcoord", "좌표x")
_Y = ("y", "y좌표", "utmk_y", "y_coord", "ycoord", "좌표y")


def _roles(con: duckdb.DuckDBPyConnection, types: dict[str, str]) -> dict[str, str]:
    """Which columns say where a row is: district/dong codes, district names, coordinates."""
    roles: dict[str, str] = {}
    lower = {n.lower(): n for n in types}
    for group, role in ((_LON, "lon"), (_LAT, "lat"), (_X, "x"), (_Y, "y")):
        for key in group:
            if key in lower and types[lower[key]] in ("DOUBLE", "BIGINT") and role not in roles.values():
                roles[lower[key]] = role
                break
    layers = base_layers()
    names = set(layers.districts.values()) | {"남구"}
    for n, t in types.items():
        if n in roles or t != "VARCHAR":
            continue
        q = quote_ident(n)
        sample = [
            r[0]
            for r in con.execute(
                f"SELECT DISTINCT trim({q}) FROM (SELECT {q} FROM stg LIMIT 20000) WHERE {q} IS NOT NULL LIMIT 200"
            ).fetchall()
        ]
        if not sample:
            continue
        if all(s.isdigit() and len(s) == 5 and s.startswith("28") for s in sample):
            roles[n] = "sgg_code"
        elif all(s.isdigit() and len(s) == 10 and s.startswith("28") for s in sample):
            roles[n] = "dong_code"
        elif sum(1 for s in sample if layers.sgg_for_name(s)) >= max(1, int(0.8 * len(sample))) and any(
            s.replace("인천광역시", "").strip() in names for s in sample
        ):
            roles[n] = "district_name"
    if not ({"lon", "lat"} <= set(roles.values())):
        roles = {n: r for n, r in roles.items() if r not in ("lon", "lat")}
    if not ({"x", "y"} <= set(roles.values())):
        roles = {n: r for n, r in roles.items() if r not in ("x", "y")}
    return roles


def _district_column(
    con: duckdb.DuckDBPyConnection, types: dict[str, str], roles: dict[str, str]
) -> str | None:
    """SQL for `_sgg_code`, or None when rows carry no location. Points are assigned in Python (shapely)."""
    layers = base_layers()
    by_role = {r: n for n, r in roles.items()}
    mapping = [(c, c) for c in layers.districts] + [("28170", "28177")]
    mapping += [(name, code) for code, name in layers.districts.items()] + [("남구", "28177")]
    mapping += [(f"인천광역시 {name}", code) for code, name in layers.districts.items()]
    con.execute("CREATE OR REPLACE TABLE sgg_map (k VARCHAR, sgg VARCHAR)")
    con.executemany("INSERT INTO sgg_map VALUES (?, ?)", mapping)
    if "sgg_code" in by_role:
        return f"(SELECT sgg FROM sgg_map WHERE k = trim(s.{quote_ident(by_role['sgg_code'])}))"
    if "dong_code" in by_role:
        return (
            f"(SELECT sgg FROM sgg_map WHERE k = substr(trim(s.{quote_ident(by_role['dong_code'])}), 1, 5))"
        )
    if "district_name" in by_role:
        return f"(SELECT sgg FROM sgg_map WHERE k = trim(s.{quote_ident(by_role['district_name'])}))"
    return None


def _point_districts(
    con: duckdb.DuckDBPyConnection, types: dict[str, str], roles: dict[str, str]
) -> bool | None:
    """Assign `_sgg_code` to coordinate rows by point-in-polygon; registers table `pts(_rid, _sgg_code)`.

    Returns whether the points were UTM-K (so `_lon/_lat` were derived), or None when no table was made."""
    by_role = {r: n for n, r in roles.items()}
    if "lon" in by_role:
        xs, ys, utmk = by_role["lon"], by_role["lat"], False
    elif "x" in by_role:
        xs, ys, utmk = by_role["x"], by_role["y"], True
    else:
        return None
    layers = base_layers()
    rel = con.sql(
        f"SELECT rowid AS rid, {cast_expr(xs, 'DOUBLE')} AS x, {cast_expr(ys, 'DOUBLE')} AS y FROM stg"
    )
    # DuckDB 2 renamed fetch_arrow_table to to_arrow_table.
    tbl = rel.to_arrow_table() if hasattr(rel, "to_arrow_table") else rel.fetch_arrow_table()
    x = tbl.column("x").to_numpy(zero_copy_only=False).astype(float)
    y = tbl.column("y").to_numpy(zero_copy_only=False).astype(float)
    if utmk:
        finite = np.isfinite(x) & np.isfinite(y)
        if finite.any() and not layers.looks_like_utmk(float(np.nanmedian(x)), float(np.nanmedian(y))):
            return None
        x, y = layers.utmk_to_wgs84(x, y)
    pts = pa.table(
        {
            "_rid": tbl.column("rid"),
            "_sgg_code": pa.array(layers.sgg_for_points(x, y), pa.string()),
            "_lon": pa.array(x),
            "_lat": pa.array(y),
        }
    )
    con.register("pts_arrow", pts)
    con.execute("CREATE TABLE pts AS SELECT * FROM pts_arrow")
    con.unregister("pts_arrow")
    return utmk


def run(upload: Path, opts: IngestOptions, workroot: Path) -> Staged:
    """Validate and convert one upload. Raises a HubError with row/column detail on bad input."""
    filename = files.safe_filename(opts.filename)
    fmt = files.detect_format(filename, opts.format)
    workroot.mkdir(parents=True, exist_ok=True)
    workdir = Path(tempfile.mkdtemp(prefix="ingest-", dir=workroot))
    try:
        sha, size = _sha256(upload)
        prepared = files.prepare(
            upload,
            filename,
            fmt,
            workdir,
            encoding=files.normalise_encoding(opts.encoding),
            sheet=opts.sheet,
            max_unzipped=opts.max_unzipped,
            max_ratio=opts.max_ratio,
        )
        con = _scratch(workdir)
        try:
            names, delimiter, notes = _header(con, prepared.csv_path, prepared.delimiter)
            notes = prepared.notes + notes
            _stage(con, prepared.csv_path, names, delimiter)
            types = _resolve_types(con, names, opts, notes)
            roles = _roles(con, types)
            if prepared.geometry_columns:
                roles.update({g: "geometry" for g in prepared.geometry_columns if g in types})
            sgg_sql = _district_column(con, types, roles)
            utmk = _point_districts(con, types, roles) if sgg_sql is None else None
            select = ["s.rowid + 1 AS _id"] + [
                f"{cast_expr(n, t)} AS {quote_ident(n)}" for n, t in types.items()
            ]
            joins = ""
            if sgg_sql:
                select.append(f"{sgg_sql} AS _sgg_code")
            elif utmk is not None:
                select.append("p._sgg_code AS _sgg_code")
                if utmk:
                    select += ["p._lon AS _lon", "p._lat AS _lat"]
                    notes.append("EPSG:5179(UTM-K) 좌표를 WGS84(_lon, _lat)로 변환했습니다.")
                joins = " LEFT JOIN pts p ON p._rid = s.rowid"
            order = " ORDER BY s.rowid" if joins else ""
            con.execute(f"CREATE TABLE typed AS SELECT {', '.join(select)} FROM stg s{joins}{order}")
            con.execute("DROP TABLE stg")
            non_additive = set(opts.non_additive) | {
                f["id"] for f in opts.contract or [] if f.get("additive") is False
            }
            schema = _schema(con, types, roles, non_additive)
            from incheon.hub.quality import assess

            quality = assess(con, "typed", schema, opts.expectations)
            quality["notes"] = notes
            parquet = workdir / "data.parquet"
            con.execute(
                f"COPY typed TO '{_sql_path(parquet)}' (FORMAT parquet, COMPRESSION zstd, ROW_GROUP_SIZE 122880)"
            )
            row_count = con.execute("SELECT count(*) FROM typed").fetchone()[0]
        finally:
            con.close()
        (workdir / "utf8.csv").unlink(missing_ok=True)
        return Staged(
            workdir,
            parquet,
            schema,
            int(row_count),
            quality,
            prepared.encoding,
            prepared.source_format,
            sha,
            size,
            notes,
        )
    except BaseException:
        shutil.rmtree(workdir, ignore_errors=True)
        raise


def _sql_path(p: Path) -> str:
    return str(p).replace("'", "''")


def _schema(
    con: duckdb.DuckDBPyConnection, types: dict[str, str], roles: dict[str, str], non_additive: set[str]
) -> list[dict[str, Any]]:
    actual = dict(
        con.execute(
            "SELECT column_name, data_type FROM information_schema.columns WHERE table_name = 'typed'"
        ).fetchall()
    )
    out = [{"id": "_id", "type": "BIGINT", "role": "row_id"}]
    out += [
        {"id": n, "type": t, "role": roles.get(n), **({"additive": False} if n in non_additive else {})}
        for n, t in types.items()
    ]
    for extra, role in (("_sgg_code", "sgg_code_derived"), ("_lon", "lon_derived"), ("_lat", "lat_derived")):
        if extra in actual:
            out.append({"id": extra, "type": "DOUBLE" if extra != "_sgg_code" else "VARCHAR", "role": role})
    return out
