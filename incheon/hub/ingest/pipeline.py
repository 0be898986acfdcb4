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
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import duckdb
import numpy as np
import pyarrow as pa

from incheon.errors import BadRequest, IngestError
from incheon.hub.geo import CODE_CHANGES, DISTRICT_NAMES_EN, base_layers
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
    #: The typed table inside the store (embedded back end), which publishing renames instead of copying.
    table: str | None = None
    drop_table: Callable[[], None] | None = None

    def cleanup(self) -> None:
        """Remove the work files and, unless it was published, the staged table."""
        if self.drop_table is not None:
            self.drop_table()
            self.drop_table = None
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


_CSV_OPTIONS = (
    "header = true, delim = ?, quote = '\"', escape = '\"', strict_mode = true, null_padding = false, "
    "names = ?, max_line_size = 10000000"
)


def _read_csv(
    path: Path, delimiter: str, names: list[str], extra: str = "", parallel: bool = True
) -> tuple[str, list[Any]]:
    """The one way we read a prepared CSV: every column as text, our options, parameters separate."""
    options = f"{_CSV_OPTIONS}, parallel = {str(parallel).lower()}{extra}"
    return f"read_csv(?, all_varchar = true, {options})", [str(path), delimiter, names]


def _sample(con: duckdb.DuckDBPyConnection, csv_path: Path, names: list[str], delimiter: str) -> None:
    """The first SAMPLE_ROWS rows as text (temp table `smp`) for type inference and column roles."""
    # Serially: the reader then stops after the sample instead of splitting the whole file between threads.
    rel, params = _read_csv(csv_path, delimiter, names, ", ignore_errors = true", parallel=False)
    try:
        con.execute(f"CREATE OR REPLACE TEMP TABLE smp AS SELECT * FROM {rel} LIMIT {SAMPLE_ROWS}", params)
    except (duckdb.InvalidInputException, duckdb.ConversionException) as exc:
        raise _malformed() from exc


def _malformed() -> IngestError:
    # e.g. a quote never closed: the reader cannot make rows of the file at all.
    return IngestError(
        "CSV 형식이 잘못되어 읽을 수 없습니다 (닫히지 않은 따옴표 등).",
        "The CSV is malformed and cannot be read (an unclosed quote, for example).",
    )


def _raise_rejects(con: duckdb.DuckDBPyConnection, names: list[str]) -> None:
    """Ragged rows, bad quoting or bad bytes found by the full read: name their lines."""
    rejects = con.execute(
        "SELECT line, column_idx, column_name, CAST(error_type AS VARCHAR), csv_line FROM rej "
        "ORDER BY line LIMIT ?",
        [MAX_ERRORS],
    ).fetchall()
    if not rejects:
        return
    total = con.execute("SELECT count(*) FROM rej").fetchone()[0]
    errors = [
        # The reader counts file lines (the header is line 1); data row = line - 1, as for type errors.
        {"row": int(line) - 1, "line": int(line), "column": col, "error": etype, "text": (text or "")[:200]}
        for line, _, col, etype, text in rejects
    ]
    first = errors[0]
    raise IngestError(
        f"{first['line']}번째 줄: {_REJECT_KO.get(first['error'], first['error'])} "
        f"(머리글 열 {len(names)}개). 이런 줄이 {total}개 있습니다.",
        f"Line {first['line']}: {first['error'].lower()} (header has {len(names)} columns). "
        f"{total} such line(s).",
        errors=errors,
        error_count=int(total),
    )


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
        row = con.execute(f"SELECT {', '.join(exprs)} FROM (SELECT * FROM smp LIMIT {limit})").fetchone()
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


def _failure_examples(
    con: duckdb.DuckDBPyConnection, raw: str, types: dict[str, str], bad: list[str]
) -> tuple[list[dict], int]:
    """Row, line, column and value of the first refused values (reads the text again: only on failure)."""
    out, total = [], 0
    for n in bad:
        cond = f"nullif(trim({quote_ident(n)}), '') IS NOT NULL AND {cast_expr(n, types[n])} IS NULL"
        total += con.execute(f"SELECT count(*) FROM {raw} WHERE {cond}").fetchone()[0]
        rows = con.execute(
            f"SELECT rowid + 1, {quote_ident(n)} FROM {raw} WHERE {cond} ORDER BY rowid LIMIT ?", [MAX_ERRORS]
        ).fetchall()
        out += [
            {"row": int(r), "line": int(r) + 1, "column": n, "type": types[n], "value": str(v)[:200]}
            for r, v in rows
        ]
    return sorted(out, key=lambda e: e["row"])[:MAX_ERRORS], int(total)


def _resolve_types(
    con: duckdb.DuckDBPyConnection, names: list[str], opts: IngestOptions
) -> tuple[dict[str, str], set[str]]:
    """Column types, and which of them were declared (publisher or previous version) rather than guessed."""
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
    return {n: declared.get(n) or inferred[n] for n in names}, set(declared)


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
                f"SELECT DISTINCT trim({q}) FROM (SELECT {q} FROM smp LIMIT 20000) WHERE {q} IS NOT NULL LIMIT 200"
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


def _district_column(roles: dict[str, str]) -> str | None:
    """SQL for `_sgg_code` from a code or name column (a scalar CASE: no join, so row order is kept), or
    None when rows carry no such column. Points are assigned after the table exists (`_point_districts`)."""
    layers = base_layers()
    by_role = {r: n for n, r in roles.items()}
    mapping = [(c, c) for c in layers.districts] + [(old, new) for old, (new, _) in CODE_CHANGES.items()]
    mapping += [(name, code) for code, name in layers.districts.items()] + [("남구", "28177")]
    mapping += [(f"인천광역시 {name}", code) for code, name in layers.districts.items()]
    mapping += [(f"인천광역시 {name}", "28177") for name in ("남구",)]
    # English names as `BaseLayers.sgg_for_name` accepts them (it compares case-insensitively).
    mapping += [(en.lower(), code) for code, en in DISTRICT_NAMES_EN.items()]
    if "sgg_code" in by_role:
        key = f"trim(s.{quote_ident(by_role['sgg_code'])})"
    elif "dong_code" in by_role:
        key = f"substr(trim(s.{quote_ident(by_role['dong_code'])}), 1, 5)"
    elif "district_name" in by_role:
        name = f"trim(s.{quote_ident(by_role['district_name'])})"
        key = f"(CASE WHEN regexp_matches({name}, '^[A-Za-z]') THEN lower({name}) ELSE {name} END)"
    else:
        return None
    whens = " ".join(f"WHEN '{k}' THEN '{v}'" for k, v in mapping)
    return f"(CASE {key} {whens} END)"


def _point_districts(
    con: duckdb.DuckDBPyConnection, target: str, roles: dict[str, str], with_district: bool = True
) -> bool | None:
    """Add `_sgg_code` (point-in-polygon; unless a code column gave it already) and, for UTM-K, `_lon/_lat`
    to `target` from its coordinates.

    Returns whether the points were UTM-K, or None when the columns were no coordinates after all."""
    by_role = {r: n for n, r in roles.items()}
    if "lon" in by_role:
        xs, ys, utmk = by_role["lon"], by_role["lat"], False
    elif "x" in by_role:
        xs, ys, utmk = by_role["x"], by_role["y"], True
    else:
        return None
    layers = base_layers()
    rel = con.sql(
        f"SELECT CAST({quote_ident(xs)} AS DOUBLE) AS x, CAST({quote_ident(ys)} AS DOUBLE) AS y "
        f"FROM {target} ORDER BY rowid"
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
    elif not with_district:
        return None  # WGS84 points and a district already: nothing to add
    cols = {"_sgg_code": pa.array(layers.sgg_for_points(x, y), pa.string())} if with_district else {}
    if utmk:
        cols |= {"_lon": pa.array(x), "_lat": pa.array(y)}
    con.register("pts_arrow", pa.table(cols))
    try:
        # POSITIONAL JOIN pairs rows by position: the table's row order (and so `_id`) is kept.
        con.execute(f"CREATE TABLE {target}_pts AS SELECT * FROM {target} POSITIONAL JOIN pts_arrow")
    finally:
        con.unregister("pts_arrow")
    con.execute(f"DROP TABLE {target}")
    con.execute(f"ALTER TABLE {target}_pts RENAME TO {target.split('.')[-1]}")
    return utmk


_REJECTS = ", store_rejects = true, rejects_table = 'rej', rejects_scan = 'rej_scan', rejects_limit = 1000"
FLAG_BITS = 62


def _build(
    con: duckdb.DuckDBPyConnection,
    csv_path: Path,
    names: list[str],
    delimiter: str,
    types: dict[str, str],
    declared: set[str],
    sgg_sql: str | None,
    target: str,
    notes: list[str],
) -> None:
    """One pass over the file: read as text, cast every column, flag refused values in the same pass,
    derive `_sgg_code`. A guess that failed beyond the sample is widened and the pass repeated; a declared
    type that failed is an error naming row, line, column and value."""
    rel, params = _read_csv(csv_path, delimiter, names, _REJECTS)
    while True:
        checked = [n for n in names if types[n] != "VARCHAR"]
        groups = [checked[i : i + FLAG_BITS] for i in range(0, len(checked), FLAG_BITS)]
        select = [f"{cast_expr(n, types[n])} AS {quote_ident(n)}" for n in names]
        if sgg_sql:
            select.append(f"{sgg_sql} AS _sgg_code")
        for g, group in enumerate(groups):
            bits = " | ".join(
                f"(CASE WHEN nullif(trim(s.{quote_ident(n)}), '') IS NOT NULL AND {cast_expr(n, types[n])} IS NULL "
                f"THEN {1 << i} ELSE 0 END)"
                for i, n in enumerate(group)
            )
            select.append(f"CAST({bits} AS BIGINT) AS _bad{g}")
        con.execute("DROP TABLE IF EXISTS rej")
        con.execute("DROP TABLE IF EXISTS rej_scan")
        con.execute(f"DROP TABLE IF EXISTS {target}")
        try:
            con.execute(f"CREATE TABLE {target} AS SELECT {', '.join(select)} FROM {rel} AS s", params)
        except (duckdb.InvalidInputException, duckdb.ConversionException) as exc:
            raise _malformed() from exc
        _raise_rejects(con, names)
        counts: dict[str, int] = {}
        for g, group in enumerate(groups):
            exprs = ", ".join(f"count(*) FILTER (WHERE _bad{g} & {1 << i} <> 0)" for i in range(len(group)))
            row = con.execute(f"SELECT {exprs} FROM {target}").fetchone()
            counts |= {n: int(c) for n, c in zip(group, row, strict=True) if c}
        if not counts:
            for g in range(len(groups)):
                con.execute(f"ALTER TABLE {target} DROP COLUMN _bad{g}")
            return
        declared_bad = [n for n in counts if n in declared]
        if declared_bad:
            text_rel, text_params = _read_csv(csv_path, delimiter, names)
            con.execute(f"CREATE OR REPLACE TEMP TABLE raw AS SELECT * FROM {text_rel}", text_params)
            examples, total = _failure_examples(con, "raw", types, declared_bad)
            e = examples[0]
            raise IngestError(
                f"{e['row']}번째 행(파일 {e['line']}번째 줄) '{e['column']}' 열의 값 '{e['value']}'은(는) "
                f"{e['type']} 형식이 아닙니다. 형식 오류 {total}건.",
                f"Row {e['row']} (line {e['line']}), column '{e['column']}': value '{e['value']}' is not "
                f"{e['type']}. {total} type error(s).",
                errors=examples,
                error_count=total,
            )
        for n, c in counts.items():
            notes.append(
                f"'{n}' 열: 표본에서 {types[n]}(으)로 추론했으나 {c}개 값이 맞지 않아 "
                f"{WIDEN[types[n]]}(으)로 넓혔습니다."
            )
            types[n] = WIDEN[types[n]]


def run(
    upload: Path, opts: IngestOptions, workroot: Path, engine: duckdb.DuckDBPyConnection | None = None
) -> Staged:
    """Validate and convert one upload. Raises a HubError with row/column detail on bad input.

    `engine` is the embedded store's own DuckDB (a fresh cursor): the typed table is then built straight
    into schema `data` and publishing only renames it. Without one, a scratch DuckDB is used and the
    result travels as Parquet (PostgreSQL)."""
    filename = files.safe_filename(opts.filename)
    fmt = files.detect_format(filename, opts.format)
    workroot.mkdir(parents=True, exist_ok=True)
    workdir = Path(tempfile.mkdtemp(prefix="ingest-", dir=workroot))
    con = engine if engine is not None else _scratch(workdir)
    target = ("data." if engine is not None else "") + f"stg_{uuid.uuid4().hex[:16]}"

    def drop() -> None:
        """Drop the staged table (a no-op once publishing renamed it) and let the connection go."""
        try:
            con.execute(f"DROP TABLE IF EXISTS {target}")
        except duckdb.Error:
            pass
        con.close()

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
        names, delimiter, notes = _header(con, prepared.csv_path, prepared.delimiter)
        notes = prepared.notes + notes
        _sample(con, prepared.csv_path, names, delimiter)
        types, declared = _resolve_types(con, names, opts)
        roles = _roles(con, types)
        if prepared.geometry_columns:
            roles.update({g: "geometry" for g in prepared.geometry_columns if g in types})
        sgg_sql = _district_column(roles)
        _build(con, prepared.csv_path, names, delimiter, types, declared, sgg_sql, target, notes)
        row_count = con.execute(f"SELECT count(*) FROM {target}").fetchall()[0][0]
        if row_count == 0:
            raise IngestError("데이터 행이 없습니다.", "The file has a header but no data rows.")
        if _point_districts(con, target, roles, with_district=sgg_sql is None):
            notes.append("EPSG:5179(UTM-K) 좌표를 WGS84(_lon, _lat)로 변환했습니다.")
        for temp in ("smp", "raw", "rej", "rej_scan"):
            con.execute(f"DROP TABLE IF EXISTS {temp}")
        non_additive = set(opts.non_additive) | {
            f["id"] for f in opts.contract or [] if f.get("additive") is False
        }
        schema = _schema(con, target, types, roles, non_additive)
        from incheon.hub.quality import assess

        quality = assess(con, target, schema, opts.expectations)
        quality["notes"] = notes
        parquet = workdir / "data.parquet"
        con.execute(
            f"COPY (SELECT rowid + 1 AS _id, * FROM {target} ORDER BY rowid) TO '{_sql_path(parquet)}' "
            "(FORMAT parquet, COMPRESSION zstd, ROW_GROUP_SIZE 122880)"
        )
        if prepared.csv_path != upload:
            prepared.csv_path.unlink(missing_ok=True)
        if engine is None:
            drop()
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
            table=target if engine is not None else None,
            drop_table=drop if engine is not None else None,
        )
    except BaseException:
        drop()
        shutil.rmtree(workdir, ignore_errors=True)
        raise


def _sql_path(p: Path) -> str:
    return str(p).replace("'", "''")


def _schema(
    con: duckdb.DuckDBPyConnection,
    target: str,
    types: dict[str, str],
    roles: dict[str, str],
    non_additive: set[str],
) -> list[dict[str, Any]]:
    actual = {r[0] for r in con.execute(f"SELECT * FROM {target} LIMIT 0").description}
    out = [{"id": "_id", "type": "BIGINT", "role": "row_id"}]
    out += [
        {"id": n, "type": t, "role": roles.get(n), **({"additive": False} if n in non_additive else {})}
        for n, t in types.items()
    ]
    for extra, role in (("_sgg_code", "sgg_code_derived"), ("_lon", "lon_derived"), ("_lat", "lat_derived")):
        if extra in actual:
            out.append({"id": extra, "type": "DOUBLE" if extra != "_sgg_code" else "VARCHAR", "role": role})
    return out
