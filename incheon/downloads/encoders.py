"""Streaming encoders: batches of rows (from `Store.stream`) in, chunks of bytes out, one batch at a time,
so a download of any size holds one batch in memory."""

from __future__ import annotations

import csv
import io
import json
import re
from collections.abc import Iterable, Iterator
from typing import Any
from urllib.parse import quote

from incheon.hub.geojson import Location, json_value, parse_geometry, point, utmk_points

#: `?encoding=` values for CSV → Python codec. CP949 (Windows' Korean code page, a superset of EUC-KR) is
#: what Excel before 2016 expects; characters it cannot encode become '?'.
CSV_ENCODINGS = {"utf-8": "utf-8", "utf8": "utf-8", "cp949": "cp949", "euc-kr": "cp949", "ms949": "cp949"}


def _dumps(obj: Any) -> str:
    return json.dumps(obj, ensure_ascii=False, separators=(",", ":"), allow_nan=False)


def csv_chunks(cols: list[str], batches: Iterable[list[tuple]], encoding: str = "utf-8") -> Iterator[bytes]:
    """CSV with the column ids as header; UTF-8 with a BOM (Excel), or CP949 with '?' for what it lacks."""
    codec = CSV_ENCODINGS[encoding]
    buf = io.StringIO()
    writer = csv.writer(buf)
    if codec == "utf-8":
        buf.write("\ufeff")
    writer.writerow(cols)
    for batch in batches:
        writer.writerows(batch)
        yield buf.getvalue().encode(codec, errors="replace")
        buf.seek(0)
        buf.truncate()
    if buf.tell():  # an empty table: the header alone
        yield buf.getvalue().encode(codec, errors="replace")


def json_chunks(cols: list[str], batches: Iterable[list[tuple]]) -> Iterator[bytes]:
    """A JSON array of row objects, written batch by batch."""
    yield b"["
    first = True
    for batch in batches:
        parts = []
        for row in batch:
            parts.append(_dumps({c: json_value(v) for c, v in zip(cols, row, strict=True)}))
        if parts:
            yield (("\n" if first else ",\n") + ",\n".join(parts)).encode("utf-8")
            first = False
    yield b"\n]\n" if not first else b"]\n"


def geojson_chunks(
    cols: list[str], batches: Iterable[list[tuple]], location: Location, name: str = ""
) -> Iterator[bytes]:
    """A GeoJSON FeatureCollection (WGS84); `_id` is each feature's id, the location columns give its
    geometry (null where a row has none) and every other column is a property."""
    idx = {c: i for i, c in enumerate(cols)}
    id_i = idx.get("_id")
    loc_i = [idx[c] for c in location.columns]
    skip = {id_i} | ({loc_i[0]} if location.kind == "geometry" else set())
    props = [(c, i) for c, i in idx.items() if i not in skip]
    head = {"type": "FeatureCollection"} | ({"name": name} if name else {})
    yield (_dumps(head)[:-1] + ',"features":[').encode("utf-8")
    first = True
    for batch in batches:
        if location.kind == "geometry":
            geoms = [parse_geometry(row[loc_i[0]]) for row in batch]
        elif location.kind == "points":
            geoms = [point(row[loc_i[0]], row[loc_i[1]]) for row in batch]
        else:
            geoms = utmk_points([row[loc_i[0]] for row in batch], [row[loc_i[1]] for row in batch])
        parts = []
        for row, geom in zip(batch, geoms, strict=True):
            feature: dict[str, Any] = {"type": "Feature"}
            if id_i is not None:
                feature["id"] = row[id_i]
            feature["geometry"] = geom
            feature["properties"] = {c: json_value(row[i]) for c, i in props}
            parts.append(_dumps(feature))
        if parts:
            yield (("\n" if first else ",\n") + ",\n".join(parts)).encode("utf-8")
            first = False
    yield b"\n]}\n"


_UNSAFE = re.compile(r'[\x00-\x1f\x7f/\\:*?"<>|;]+|\s+')


def content_disposition(filename: str, fallback: str) -> str:
    """`attachment` with an ASCII `filename` and the real (e.g. Korean) name as RFC 5987 `filename*`."""
    ascii_name = fallback.encode("ascii", "ignore").decode() or "download"
    value = f'attachment; filename="{ascii_name}"'
    if filename != ascii_name:
        value += f"; filename*=UTF-8''{quote(filename, safe='')}"
    return value


def file_names(dataset: str, resource_name: str, version: int, ext: str) -> tuple[str, str]:
    """(name, ASCII fallback): `<dataset>-<resource>-v<N>.<ext>`, the resource part left out when it adds
    nothing; the fallback drops a non-ASCII resource part."""
    stem = resource_name
    if re.search(r"\.[A-Za-z0-9]{2,7}$", stem):
        stem = stem.rsplit(".", 1)[0]
    stem = _UNSAFE.sub("_", stem).strip("._-")[:80]
    if not stem or stem == dataset or re.fullmatch(r"v\d+", stem):
        name = f"{dataset}-v{version}.{ext}"
    else:
        name = f"{dataset}-{stem}-v{version}.{ext}"
    fallback = name if name.isascii() else f"{dataset}-v{version}.{ext}"
    return name, fallback
