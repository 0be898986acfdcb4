"""Turn an upload (CSV in UTF-8/CP949/EUC-KR/UTF-16, XLSX, JSON, GeoJSON, ZIP of one of them) into a
UTF-8 CSV the engine can read, refusing unsafe files before anything is parsed.

Everything streams: a 1 GB CP949 file is transcoded in 4 MiB chunks.
"""

from __future__ import annotations

import codecs
import csv
import datetime as dt
import json
import os
import re
import zipfile
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath, PureWindowsPath

from incheon.errors import BadRequest, IngestError, TooLarge

FORMATS = ("csv", "tsv", "xlsx", "json", "geojson", "zip")
CHUNK = 4 << 20
_SAFE_NAME = re.compile(r"^[^\x00-\x1f/\\:*?\"<>|]{1,200}$")


@dataclass
class Prepared:
    """A UTF-8 CSV ready for the engine, and what we learnt getting there."""

    csv_path: Path
    source_format: str
    encoding: str
    delimiter: str = ","
    geometry_columns: list[str] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)


def safe_filename(name: str | None) -> str:
    """Reject names carrying a path ('../x.csv', 'C:\\x.csv', '/etc/passwd'): we never join them to a path."""
    if not name:
        return "upload"
    pure = name.replace("\\", "/")
    if (
        "/" in pure
        or pure in (".", "..")
        or PurePosixPath(name).is_absolute()
        or PureWindowsPath(name).drive
        or not _SAFE_NAME.match(name)
    ):
        raise BadRequest(
            f"파일 이름에 경로나 허용되지 않는 문자가 있습니다: {name!r}",
            f"The file name must not contain a path or control characters: {name!r}",
            field="upload",
        )
    return name


def detect_format(filename: str, declared: str | None) -> str:
    fmt = (declared or "").strip().lower().lstrip(".")
    if not fmt:
        fmt = PurePosixPath(filename).suffix.lower().lstrip(".")
    fmt = {"txt": "csv", "xls": "xlsx", "xlsm": "xlsx"}.get(fmt, fmt)
    if fmt not in FORMATS:
        raise BadRequest(
            f"지원하지 않는 형식입니다: {fmt or '(없음)'} (지원: CSV, TSV, XLSX, JSON, GeoJSON, ZIP)",
            f"Unsupported format: {fmt or '(none)'} (supported: CSV, TSV, XLSX, JSON, GeoJSON, ZIP)",
            field="format",
        )
    return fmt


def check_zip(path: Path, max_total: int, max_ratio: float) -> zipfile.ZipFile:
    """Zip-bomb and path-traversal guard, from the central directory only (nothing is inflated yet)."""
    try:
        zf = zipfile.ZipFile(path)
    except zipfile.BadZipFile as exc:
        raise IngestError("ZIP/XLSX 파일이 손상되었습니다.", "The ZIP/XLSX file is corrupt.") from exc
    total = 0
    for info in zf.infolist():
        if (
            info.filename.startswith(("/", "\\"))
            or ".." in PurePosixPath(info.filename.replace("\\", "/")).parts
        ):
            raise IngestError(
                f"압축 파일 안에 경로가 포함된 항목이 있습니다: {info.filename!r}",
                f"The archive holds an entry with a path outside it: {info.filename!r}",
            )
        total += info.file_size
        ratio = info.file_size / max(info.compress_size, 1)
        if ratio > max_ratio and info.file_size > 1 << 20:
            raise TooLarge(
                f"압축률이 비정상적으로 높습니다({ratio:,.0f}배): 압축 폭탄으로 보여 거부합니다.",
                f"Compression ratio {ratio:,.0f}x is abnormal: refused as a likely zip bomb.",
            )
    if total > max_total:
        raise TooLarge(
            f"압축을 푼 크기({total:,} 바이트)가 한도({max_total:,} 바이트)를 넘습니다.",
            f"Uncompressed size {total:,} bytes exceeds the limit of {max_total:,} bytes.",
        )
    return zf


def _sniff_encoding(head: bytes) -> str:
    if head.startswith(codecs.BOM_UTF8):
        return "utf-8-sig"
    if head.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        return "utf-16"
    try:
        head.decode("utf-8")
        return "utf-8"
    except UnicodeDecodeError as exc:
        if exc.start >= len(head) - 4:  # a character cut by the sample boundary
            return "utf-8"
        return "cp949"


def normalise_encoding(name: str | None) -> str | None:
    if not name:
        return None
    key = name.strip().lower().replace("_", "-")
    aliases = {
        "euc-kr": "cp949",
        "euckr": "cp949",
        "ks-c-5601-1987": "cp949",
        "ms949": "cp949",
        "cp949": "cp949",
        "utf8": "utf-8",
        "utf-8": "utf-8",
        "utf-8-sig": "utf-8-sig",
        "utf-16": "utf-16",
    }
    if key not in aliases:
        raise BadRequest(
            f"지원하지 않는 문자 인코딩입니다: {name} (UTF-8, CP949, EUC-KR, UTF-16)",
            f"Unsupported character encoding: {name} (UTF-8, CP949, EUC-KR, UTF-16)",
            field="encoding",
        )
    return aliases[key]


def _decode_error(exc: UnicodeError, line: int, chunk: bytes, enc: str, declared: bool) -> IngestError:
    bad_line = line + chunk[: getattr(exc, "start", 0)].count(b"\n")
    hint_ko = "" if declared else " 인코딩을 지정해 다시 올려 주세요(encoding=cp949 또는 utf-8)."
    hint_en = "" if declared else " Upload again naming the encoding (encoding=cp949 or utf-8)."
    return IngestError(
        f"{bad_line}번째 줄을 {enc}(으)로 읽을 수 없습니다.{hint_ko}",
        f"Line {bad_line} is not valid {enc}.{hint_en}",
        row=bad_line,
        encoding=enc,
    )


def transcode_to_utf8(src: Path, dst: Path, encoding: str | None) -> tuple[Path, str]:
    """Stream-decode `src` into UTF-8; the error names the line where the bytes stop making sense.

    Returns the path to read (a UTF-8 file without BOM is only checked, not copied) and the encoding."""
    with src.open("rb") as fh:
        head = fh.read(1 << 20)
    enc = encoding or _sniff_encoding(head)
    if enc == "utf-8" and head.startswith(codecs.BOM_UTF8):
        enc = "utf-8-sig"
    copy = enc != "utf-8"
    decoder = codecs.getincrementaldecoder(enc)(errors="strict")
    line = 1
    with src.open("rb") as fin, dst.open("wb") if copy else open(os.devnull, "wb") as fout:
        while True:
            chunk = fin.read(CHUNK)
            final = not chunk
            try:
                text = decoder.decode(chunk, final=final)
            except UnicodeError as exc:  # UnicodeDecodeError, or UTF-16 declared for a file without a BOM
                raise _decode_error(exc, line, chunk, enc, bool(encoding)) from exc
            if copy and text:
                if line == 1 and text.startswith("\ufeff"):
                    text = text[1:]
                fout.write(text.encode("utf-8"))
            line += chunk.count(b"\n")
            if final:
                break
    return (dst if copy else src), {"utf-8-sig": "utf-8", "utf-16": "utf-16"}.get(enc, enc)


def _cell(value: object) -> str:
    if value is None:
        return ""
    if isinstance(value, dt.datetime):
        return value.isoformat(sep=" ") if value.time() != dt.time() else value.date().isoformat()
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if isinstance(value, dict | list):
        return json.dumps(value, ensure_ascii=False)
    return str(value)


def xlsx_to_csv(src: Path, dst: Path, sheet: str | None = None) -> list[str]:
    """First (or named) sheet, streamed row by row; values keep Excel's types as text."""
    from openpyxl import load_workbook

    notes = []
    # A file object, not the path: openpyxl refuses paths not ending in .xlsx (uploads are saved as .bin).
    fh = src.open("rb")
    try:
        wb = load_workbook(fh, read_only=True, data_only=True)
    except Exception as exc:  # openpyxl raises many kinds for a bad workbook
        fh.close()
        raise IngestError("XLSX 파일을 열 수 없습니다.", "The XLSX workbook cannot be opened.") from exc
    try:
        if sheet and sheet not in wb.sheetnames:
            raise BadRequest(f"시트가 없습니다: {sheet}", f"No such sheet: {sheet}", sheets=wb.sheetnames)
        ws = wb[sheet] if sheet else wb.worksheets[0]
        if len(wb.sheetnames) > 1:
            notes.append(f"시트 '{ws.title}'만 읽었습니다 (전체 {len(wb.sheetnames)}개).")
        with dst.open("w", encoding="utf-8", newline="") as out:
            writer = csv.writer(out)
            for row in ws.iter_rows(values_only=True):
                if row and any(v is not None and v != "" for v in row):
                    writer.writerow([_cell(v) for v in row])
    finally:
        wb.close()
        fh.close()
    return notes


def records_to_csv(records: list, dst: Path, what: str = "JSON") -> None:
    if not isinstance(records, list) or not all(isinstance(r, dict) for r in records):
        raise IngestError(
            f"{what}는 객체의 배열이어야 합니다 (또는 records/data 키 아래의 배열).",
            f"{what} must be an array of objects (or one under a 'records'/'data' key).",
        )
    columns: dict[str, None] = {}
    for r in records:
        columns.update(dict.fromkeys(r))
    with dst.open("w", encoding="utf-8", newline="") as out:
        writer = csv.writer(out)
        writer.writerow(columns)
        for r in records:
            writer.writerow([_cell(r.get(c)) for c in columns])


def json_to_csv(src: Path, dst: Path) -> None:
    try:
        doc = json.loads(src.read_bytes().decode("utf-8-sig"))
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        pos = f" ({exc.lineno}번째 줄)" if isinstance(exc, json.JSONDecodeError) else ""
        pos_en = f" (line {exc.lineno})" if isinstance(exc, json.JSONDecodeError) else ""
        raise IngestError(f"JSON을 읽을 수 없습니다{pos}.", f"Invalid JSON{pos_en}.") from exc
    if isinstance(doc, dict):
        doc = doc.get("records", doc.get("data", doc.get("result")))
    records_to_csv(doc, dst)


def geojson_to_csv(src: Path, dst: Path) -> list[str]:
    """Properties become columns; geometry is kept as GeoJSON text in `geometry`; points also give lon/lat.

    A `crs` naming EPSG:5179 (or coordinates that are clearly UTM-K metres) is transformed to WGS84.
    """
    import numpy as np
    import shapely

    from incheon.hub.geo import base_layers

    try:
        doc = json.loads(src.read_bytes().decode("utf-8-sig"))
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise IngestError("GeoJSON을 읽을 수 없습니다.", "Invalid GeoJSON.") from exc
    if not isinstance(doc, dict) or doc.get("type") != "FeatureCollection":
        raise IngestError("GeoJSON FeatureCollection이어야 합니다.", "Expected a GeoJSON FeatureCollection.")
    notes = []
    crs_name = json.dumps(doc.get("crs", ""))
    records = []
    layers = base_layers()
    for i, feat in enumerate(doc.get("features") or [], start=1):
        if not isinstance(feat, dict):
            raise IngestError(f"{i}번째 피처가 객체가 아닙니다.", f"Feature {i} is not an object.", row=i)
        props = dict(feat.get("properties") or {})
        geom = feat.get("geometry")
        if geom:
            try:
                shape = shapely.geometry.shape(geom)
            except Exception as exc:  # shapely raises several kinds for a bad geometry
                raise IngestError(
                    f"{i}번째 피처의 geometry가 올바르지 않습니다.",
                    f"Feature {i} has an invalid geometry.",
                    row=i,
                ) from exc
            first = shapely.get_coordinates(shape)[:1]
            if len(first) and ("5179" in crs_name or layers.looks_like_utmk(*first[0])):
                shape = shapely.transform(
                    shape, lambda c: np.column_stack(layers.utmk_to_wgs84(c[:, 0], c[:, 1]))
                )
                if not notes:
                    notes.append("EPSG:5179(UTM-K) 좌표를 WGS84로 변환했습니다.")
            props["geometry"] = shapely.to_geojson(shape)
            if shape.geom_type == "Point":
                props.setdefault("lon", shape.x)
                props.setdefault("lat", shape.y)
        records.append(props)
    records_to_csv(records, dst, "GeoJSON")
    return notes


def prepare(
    upload: Path,
    filename: str,
    fmt: str,
    workdir: Path,
    *,
    encoding: str | None,
    sheet: str | None,
    max_unzipped: int,
    max_ratio: float,
) -> Prepared:
    """Any accepted upload → UTF-8 CSV in `workdir`."""
    out = workdir / "utf8.csv"
    if fmt == "zip":
        zf = check_zip(upload, max_unzipped, max_ratio)
        members = [i for i in zf.infolist() if not i.is_dir() and not i.filename.startswith("__MACOSX")]
        if len(members) != 1:
            raise IngestError(
                f"ZIP에는 데이터 파일이 하나만 있어야 합니다 (현재 {len(members)}개).",
                f"The ZIP must hold exactly one data file (it holds {len(members)}).",
            )
        inner_name = PurePosixPath(members[0].filename).name
        inner = workdir / "inner.bin"
        with zf.open(members[0]) as src, inner.open("wb") as dst:
            written = 0
            while chunk := src.read(CHUNK):
                written += len(chunk)
                if written > max_unzipped:
                    raise TooLarge(
                        "압축을 푼 크기가 한도를 넘습니다.", "Uncompressed size exceeds the limit."
                    )
                dst.write(chunk)
        inner_fmt = detect_format(inner_name, None)
        if inner_fmt == "zip":
            raise IngestError("ZIP 안의 ZIP은 받지 않습니다.", "Nested ZIP archives are not accepted.")
        prepared = prepare(
            inner,
            inner_name,
            inner_fmt,
            workdir,
            encoding=encoding,
            sheet=sheet,
            max_unzipped=max_unzipped,
            max_ratio=max_ratio,
        )
        prepared.notes.append(f"ZIP 안의 {inner_name}을(를) 읽었습니다.")
        return prepared
    if fmt in ("csv", "tsv"):
        path, enc = transcode_to_utf8(upload, out, encoding)
        return Prepared(path, fmt, enc, delimiter="\t" if fmt == "tsv" else "")
    if fmt == "xlsx":
        check_zip(upload, max_unzipped, max_ratio)
        notes = xlsx_to_csv(upload, out, sheet)
        return Prepared(out, fmt, "xlsx", delimiter=",", notes=notes)
    if fmt == "json":
        json_to_csv(upload, out)
        return Prepared(out, fmt, "utf-8", delimiter=",")
    notes = geojson_to_csv(upload, out)
    return Prepared(out, fmt, "utf-8", delimiter=",", geometry_columns=["geometry"], notes=notes)
