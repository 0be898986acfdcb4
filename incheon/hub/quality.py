"""Quality report of a version, after the national public-data quality checks (공공데이터 품질관리):
completeness, validity (codes, dates, numbers), duplicates and consistency (district code ↔ name,
totals ↔ details, figures stated elsewhere). It flags; it never changes the data.
"""

from __future__ import annotations

from typing import Any

import duckdb

from incheon.hub.geo import base_layers
from incheon.hub.storage.base import quote_ident

TOTAL_LABELS = ("계", "합계", "총계", "전체", "total", "Total")
NUMERIC = ("BIGINT", "DOUBLE")


def _issue(check: str, severity: str, ko: str, en: str, **detail: Any) -> dict[str, Any]:
    return {"check": check, "severity": severity, "message_ko": ko, "message_en": en, **detail}


def assess(
    con: duckdb.DuckDBPyConnection,
    table: str,
    schema: list[dict[str, Any]],
    expectations: list[dict[str, Any]],
) -> dict[str, Any]:
    """Run every check on `table` (typed) in `con`; returns a JSON-ready report."""
    t = ".".join(quote_ident(part) for part in table.split("."))  # may be schema-qualified
    cols = [f for f in schema if not f["id"].startswith("_")]
    rows = con.execute(f"SELECT count(*) FROM {t}").fetchone()[0]
    issues: list[dict[str, Any]] = []

    # Completeness
    counts = ", ".join("count(" + quote_ident(f["id"]) + ")" for f in cols)
    nn = con.execute(f"SELECT {counts} FROM {t}").fetchone() if cols else ()
    completeness = {f["id"]: (c / rows if rows else 1.0) for f, c in zip(cols, nn, strict=True)}
    for col, ratio in completeness.items():
        if ratio < 0.95:
            issues.append(
                _issue(
                    "completeness",
                    "warning",
                    f"'{col}' 열의 {1 - ratio:.1%}가 비어 있습니다.",
                    f"{1 - ratio:.1%} of column '{col}' is empty.",
                    column=col,
                    ratio=ratio,
                )
            )

    # Validity: codes, dates
    layers = base_layers()
    checked = invalid = 0
    for f in cols:
        q = quote_ident(f["id"])
        if f.get("role") in ("sgg_code", "dong_code"):
            values = con.execute(f"SELECT {q}, count(*) FROM {t} WHERE {q} IS NOT NULL GROUP BY 1").fetchall()
            for code, n in values:
                checked += n
                status = layers.code_status(code)
                if status == "unknown":
                    invalid += n
                    issues.append(
                        _issue(
                            "validity",
                            "error",
                            f"'{f['id']}' 열에 없는 행정구역 코드 {code} ({n}행)",
                            f"Unknown administrative code {code} in '{f['id']}' ({n} rows)",
                            column=f["id"],
                            value=code,
                            rows=n,
                        )
                    )
                elif status == "historical":
                    issues.append(
                        _issue(
                            "validity",
                            "warning",
                            f"'{f['id']}' 열의 코드 {code}는 폐지된 옛 코드입니다 ({n}행). "
                            f"현재 코드 {layers.sgg_for_code(code)}로 집계합니다.",
                            f"Code {code} in '{f['id']}' is historical ({n} rows); aggregated as "
                            f"{layers.sgg_for_code(code)}.",
                            column=f["id"],
                            value=code,
                            rows=n,
                        )
                    )
        elif f["type"] in ("DATE", "TIMESTAMP"):
            n_all, n_bad = con.execute(
                f"SELECT count({q}), count(*) FILTER (WHERE {q} < DATE '1900-01-01' OR {q} > DATE '2100-12-31') "
                f"FROM {t}"
            ).fetchone()
            checked += n_all
            invalid += n_bad
            if n_bad:
                issues.append(
                    _issue(
                        "validity",
                        "error",
                        f"'{f['id']}' 열에 1900~2100년 밖의 날짜 {n_bad}건",
                        f"{n_bad} dates outside 1900-2100 in '{f['id']}'",
                        column=f["id"],
                        rows=n_bad,
                    )
                )
    if any(f["id"] == "_sgg_code" for f in schema):
        located = [
            f["id"] for f in cols if f.get("role") in ("sgg_code", "dong_code", "district_name", "lon", "x")
        ]
        if located:
            q = quote_ident(located[0])
            labels = ", ".join("'" + lab + "'" for lab in TOTAL_LABELS)
            n_out = con.execute(
                f"SELECT count(*) FROM {t} WHERE {q} IS NOT NULL AND _sgg_code IS NULL "
                f"AND CAST({q} AS VARCHAR) NOT IN ({labels})"
            ).fetchone()[0]
            if n_out:
                issues.append(
                    _issue(
                        "validity",
                        "warning",
                        f"{n_out}행은 인천 10개 군·구 어디에도 속하지 않습니다 ('{located[0]}' 기준).",
                        f"{n_out} rows fall in none of Incheon's ten districts (by '{located[0]}').",
                        column=located[0],
                        rows=n_out,
                    )
                )

    # Duplicates (whole rows, ignoring the row id)
    dup = 0
    if cols:
        names = ", ".join(quote_ident(f["id"]) for f in cols)
        dup = con.execute(
            f"SELECT coalesce(sum(c - 1), 0) FROM (SELECT count(*) AS c FROM {t} GROUP BY {names} HAVING count(*) > 1)"
        ).fetchone()[0]
        if dup:
            issues.append(
                _issue(
                    "duplicates",
                    "warning",
                    f"완전히 같은 행이 {dup}개 더 있습니다.",
                    f"{dup} rows duplicate another row exactly.",
                    rows=int(dup),
                )
            )

    consistency_checks, consistency_failed = 0, 0
    c_issues = (
        _code_name_consistency(con, t, cols) + _totals(con, t, cols) + _expectations(con, t, expectations)
    )
    for passed, issue in c_issues:
        consistency_checks += 1
        if not passed:
            consistency_failed += 1
            issues.append(issue)

    completeness_score = sum(completeness.values()) / len(completeness) if completeness else 1.0
    validity_score = 1 - invalid / checked if checked else 1.0
    duplicate_score = 1 - dup / rows if rows else 1.0
    consistency_score = 1 - consistency_failed / consistency_checks if consistency_checks else 1.0
    score = 100 * (
        0.3 * completeness_score + 0.3 * validity_score + 0.2 * duplicate_score + 0.2 * consistency_score
    )
    return {
        "rows": int(rows),
        "score": round(score, 1),
        "completeness": {"score": round(completeness_score, 4), "columns": completeness},
        "validity": {"score": round(validity_score, 4), "checked": int(checked), "invalid": int(invalid)},
        "duplicates": {"score": round(duplicate_score, 4), "rows": int(dup)},
        "consistency": {
            "score": round(consistency_score, 4),
            "checks": consistency_checks,
            "failed": consistency_failed,
        },
        "issues": issues,
    }


def _code_name_consistency(
    con: duckdb.DuckDBPyConnection, t: str, cols: list[dict]
) -> list[tuple[bool, dict]]:
    code = next((f["id"] for f in cols if f.get("role") == "sgg_code"), None)
    name = next((f["id"] for f in cols if f.get("role") == "district_name"), None)
    if not code or not name:
        return []
    layers = base_layers()
    pairs = con.execute(
        f"SELECT {quote_ident(code)}, {quote_ident(name)}, count(*) FROM {t} "
        f"WHERE {quote_ident(code)} IS NOT NULL AND {quote_ident(name)} IS NOT NULL GROUP BY 1, 2"
    ).fetchall()
    out = []
    for c, n, k in pairs:
        ok = layers.sgg_for_code(c) == layers.sgg_for_name(n)
        out.append(
            (
                ok,
                _issue(
                    "consistency",
                    "error",
                    f"코드 {c}와 이름 '{n}'이(가) 서로 다른 군·구입니다 ({k}행).",
                    f"Code {c} and name '{n}' are different districts ({k} rows).",
                    column=code,
                    value=c,
                    rows=k,
                ),
            )
        )
    return out


def _totals(con: duckdb.DuckDBPyConnection, t: str, cols: list[dict]) -> list[tuple[bool, dict]]:
    """A single total row ('계', '합계', …) in a label column must equal the sum of the other rows."""
    numeric = [f["id"] for f in cols if f["type"] in NUMERIC and f.get("additive", True)]
    if not numeric:
        return []
    out: list[tuple[bool, dict]] = []
    labels = [f["id"] for f in cols if f["type"] == "VARCHAR"]
    if not labels:
        return out
    placeholders = ", ".join("?" for _ in TOTAL_LABELS)
    # One scan counts total-labelled rows in every text column; the first column with exactly one decides.
    counts = con.execute(
        "SELECT "
        + ", ".join(f"count(*) FILTER (WHERE trim({quote_ident(n)}) IN ({placeholders}))" for n in labels)
        + f" FROM {t}",
        list(TOTAL_LABELS) * len(labels),
    ).fetchone()
    for name, n_total in zip(labels, counts, strict=True):
        if n_total != 1:
            continue
        q = quote_ident(name)
        sums = ", ".join(
            f"max({quote_ident(n)}) FILTER (WHERE trim({q}) IN ({placeholders})), "
            f"sum({quote_ident(n)}) FILTER (WHERE trim({q}) NOT IN ({placeholders}) AND trim({q}) <> '소계')"
            for n in numeric
        )
        row = con.execute(f"SELECT {sums} FROM {t}", list(TOTAL_LABELS) * 2 * len(numeric)).fetchone()
        for i, n in enumerate(numeric):
            total, detail = row[2 * i], row[2 * i + 1]
            if total is None or detail is None:
                continue
            ok = abs(float(total) - float(detail)) <= 1e-6 * max(1.0, abs(float(total))) + 0.51
            out.append(
                (
                    ok,
                    _issue(
                        "consistency",
                        "error",
                        f"'{n}' 열의 합계 행({total:,})이 나머지 행의 합({detail:,})과 다릅니다.",
                        f"Total row of '{n}' ({total:,}) differs from the sum of the other rows "
                        f"({detail:,}).",
                        column=n,
                        total=total,
                        sum=detail,
                    ),
                )
            )
        break
    return out


def _expectations(
    con: duckdb.DuckDBPyConnection, t: str, expectations: list[dict]
) -> list[tuple[bool, dict]]:
    """Figures stated elsewhere (e.g. the plan's prose) that the table should agree with."""
    out = []
    for e in expectations:
        where = e.get("where") or {}
        cond = " AND ".join(f"{quote_ident(k)} = ?" for k in where) or "TRUE"
        col = quote_ident(e["column"])
        try:
            if e["kind"] == "column_sum":
                actual = con.execute(
                    f"SELECT sum({col}) FROM {t} WHERE {cond}", list(where.values())
                ).fetchone()[0]
            else:
                vals = con.execute(
                    f"SELECT {col} FROM {t} WHERE {cond} LIMIT 2", list(where.values())
                ).fetchall()
                actual = vals[0][0] if len(vals) == 1 else None
        except duckdb.Error:
            actual = None
        expected = e["expected"]
        ok = actual is not None and abs(float(actual) - float(expected)) < 1e-6 * max(
            1.0, abs(float(expected))
        )
        out.append(
            (
                ok,
                _issue(
                    "consistency",
                    "error",
                    f"'{e['column']}' {where} 값 {actual}이(가) 다른 출처의 값 {expected}과(와) 다릅니다. "
                    f"출처: {e.get('source', '')}",
                    f"'{e['column']}' {where} is {actual} but another source states {expected}. "
                    f"Source: {e.get('source', '')}",
                    column=e["column"],
                    actual=actual,
                    expected=expected,
                    where=where,
                    source=e.get("source", ""),
                ),
            )
        )
    return out
