"""Column types: how a text cell is recognised as, and cast to, each type — one SQL expression per type,
so inference, validation and casting agree by construction and run inside the engine, not row by row in
Python. Korean public files write thousands with commas ("1,234") and dates as 2024.01.31 or 2024/01/31.
"""

from __future__ import annotations

import re

from incheon.hub.storage.base import quote_ident

TYPES = ("BIGINT", "DOUBLE", "DATE", "TIMESTAMP", "BOOLEAN", "VARCHAR")
#: Narrowest first: inference takes the first type every sampled value fits.
INFER_ORDER = ("BOOLEAN", "BIGINT", "DOUBLE", "DATE", "TIMESTAMP")
#: When a sampled guess fails on the full file, widen along these steps.
WIDEN = {
    "BOOLEAN": "VARCHAR",
    "BIGINT": "DOUBLE",
    "DOUBLE": "VARCHAR",
    "DATE": "TIMESTAMP",
    "TIMESTAMP": "VARCHAR",
    "VARCHAR": "VARCHAR",
}
CKAN_TYPES = {
    "BIGINT": "int",
    "DOUBLE": "float",
    "DATE": "date",
    "TIMESTAMP": "timestamp",
    "BOOLEAN": "bool",
    "VARCHAR": "text",
}
ALIASES = {
    "int": "BIGINT",
    "integer": "BIGINT",
    "int4": "BIGINT",
    "int8": "BIGINT",
    "bigint": "BIGINT",
    "float": "DOUBLE",
    "numeric": "DOUBLE",
    "double": "DOUBLE",
    "float8": "DOUBLE",
    "number": "DOUBLE",
    "date": "DATE",
    "timestamp": "TIMESTAMP",
    "datetime": "TIMESTAMP",
    "bool": "BOOLEAN",
    "boolean": "BOOLEAN",
    "text": "VARCHAR",
    "string": "VARCHAR",
    "varchar": "VARCHAR",
}

#: Column names that hold codes or identifiers: text even when every value is digits (leading zeros,
#: 10-digit dong codes, phone numbers).
CODE_NAME = re.compile(r"(코드|code|_cd$|^cd_|번호|전화|우편|zip|admcd|sgg|^id$|_id$|아이디)", re.IGNORECASE)


def normalise_type(name: str) -> str:
    key = str(name).strip()
    t = ALIASES.get(key.lower(), key.upper())
    if t not in TYPES:
        raise ValueError(name)
    return t


def _num_text(v: str) -> str:
    return f"replace({v}, ',', '')"


def _date_text(v: str) -> str:
    return f"regexp_replace({v}, '^([0-9]{{4}})[./]([0-9]{{1,2}})[./]([0-9]{{1,2}})', '\\1-\\2-\\3')"


def cast_expr(col: str, typ: str) -> str:
    """SQL turning the staged text column `col` into `typ` (NULL when it does not fit)."""
    v = f"nullif(trim({quote_ident(col)}), '')"
    if typ == "BIGINT":
        # TRY_CAST alone rounds '5.5' to 6 and reads '1e3' and '0x1F': only whole decimal numbers fit.
        n = _num_text(v)
        return f"(CASE WHEN regexp_full_match({n}, '[+-]?[0-9]+') THEN TRY_CAST({n} AS BIGINT) END)"
    if typ == "DOUBLE":
        return f"TRY_CAST({_num_text(v)} AS DOUBLE)"
    if typ == "DATE":
        # TRY_CAST alone drops the time of '2024-01-31 10:00': only a bare date fits.
        d = _date_text(v)
        bare = f"regexp_full_match({d}, '[0-9]{{4}}-[0-9]{{1,2}}-[0-9]{{1,2}}')"
        return f"(CASE WHEN {bare} THEN TRY_CAST({d} AS DATE) END)"
    if typ == "TIMESTAMP":
        return f"TRY_CAST({_date_text(v)} AS TIMESTAMP)"
    if typ == "BOOLEAN":
        return f"(CASE lower({v}) WHEN 'true' THEN true WHEN 'false' THEN false END)"
    return v


def fits_expr(col: str, typ: str) -> str:
    """True when a non-empty cell fits `typ` (stricter than the cast: no leading zeros for numbers)."""
    v = f"trim({quote_ident(col)})"
    if typ == "BIGINT":
        return (
            f"(regexp_full_match({v}, '[+-]?([1-9][0-9]{{0,2}}(,[0-9]{{3}})+|[1-9][0-9]*|0)')"
            f" AND {cast_expr(col, typ)} IS NOT NULL)"
        )
    if typ == "DOUBLE":
        return (
            f"(regexp_full_match({v}, '[+-]?(0|[1-9][0-9]{{0,2}}(,[0-9]{{3}})+|[1-9][0-9]*)?"
            f"(\\.[0-9]+)?([eE][+-]?[0-9]+)?') AND {cast_expr(col, typ)} IS NOT NULL)"
        )
    if typ in ("DATE", "TIMESTAMP"):
        return f"(regexp_matches({v}, '^[0-9]{{4}}[-./][0-9]{{1,2}}[-./][0-9]{{1,2}}') AND {cast_expr(col, typ)} IS NOT NULL)"
    return f"({cast_expr(col, typ)} IS NOT NULL)"
