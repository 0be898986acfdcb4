"""Threshold tables (TOML, versioned, with their legal source) → rules, plus per-site parameters.

A table file holds `table`, `version`, `effective_from`, `source` {name, article, issuer, url}, `checked`
(what was verified and how), `[[rules]]` with `[[rules.levels]]` and optionally `[[grades]]`. A threshold may
be a number or `"site:<param>"`, resolved per site (a gauge's stages). Every error names the file and field.
Reading files is the only I/O here; `parse_table(dict, name)` is pure.
"""

from __future__ import annotations

import tomllib
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Any

from incheon.errors import ValidationError

from .model import METRIC_KINDS, OPS, RULE_KINDS, Band, Grading, Level, Metric, Rule

DATA_DIR = Path(__file__).resolve().parent / "data"
SITE_PREFIX = "site:"


class RuleTableError(ValidationError):
    """A threshold table or site-parameter file is invalid; `file` and `field` say where."""

    def __init__(self, file: str, fld: str, message_ko: str, message_en: str) -> None:
        super().__init__(f"{file}: {fld}: {message_ko}", f"{file}: {fld}: {message_en}", file=file, field=fld)
        self.file = file
        self.field = fld


Threshold = float | str | None


@dataclass(frozen=True)
class RuleSpec:
    """A rule as the table states it; thresholds may still refer to site parameters."""

    file: str
    path: str  # e.g. "rules[1]"
    id: str
    table: str
    version: str
    kind: str
    observed_property: str
    unit: str
    op: str
    metrics: tuple[Metric, ...]
    levels: tuple[Level, ...]
    raise_: tuple[tuple[Threshold, ...], ...]
    clear: tuple[tuple[Threshold, ...], ...]
    clear_margin: Threshold
    clear_margin_default: float | None
    sample_s: float
    sustain_s: float
    late_s: float
    silence_s: float
    note: str = ""

    @property
    def site_params(self) -> list[str]:
        """Names of the site parameters this rule needs."""
        refs = [t for row in self.raise_ + self.clear for t in row if isinstance(t, str)]
        if isinstance(self.clear_margin, str):
            refs.append(self.clear_margin)  # optional when clear_margin_default is set
        return sorted({r[len(SITE_PREFIX) :] for r in refs})

    def bind(self, site: str | None = None, params: dict[str, Any] | None = None) -> Rule:
        """Resolve site references and check that the levels are ordered. Errors name file, field and site."""
        params = params or {}
        where = f" (site {site})" if site else ""
        sign = 1.0 if self.op in ("ge", "gt") else -1.0

        def resolve(t: Threshold, fld: str) -> float | None:
            if t is None or isinstance(t, float):
                return t
            name = t[len(SITE_PREFIX) :]
            if name not in params:
                raise RuleTableError(
                    self.file,
                    fld,
                    f"지점 매개변수 '{name}'이(가) 없습니다{where}",
                    f"site parameter '{name}' is missing{where}",
                )
            return _number(params[name], self.file, f"{fld} → site parameter '{name}'{where}")

        margin: float | None
        if isinstance(self.clear_margin, str) and self.clear_margin[len(SITE_PREFIX) :] not in params:
            margin = self.clear_margin_default
        else:
            margin = resolve(self.clear_margin, f"{self.path}.clear_margin")
        raise_rows: list[tuple[float | None, ...]] = []
        clear_rows: list[tuple[float | None, ...]] = []
        for j, (rrow, crow) in enumerate(zip(self.raise_, self.clear, strict=True)):
            lv = f"{self.path}.levels[{j}]"
            rr = tuple(resolve(t, f"{lv}.raise.{m.name}") for t, m in zip(rrow, self.metrics, strict=True))
            cr = []
            for t, r, m in zip(crow, rr, self.metrics, strict=True):
                c = resolve(t, f"{lv}.clear.{m.name}")
                if c is None and r is not None:
                    c = round(r - sign * margin, 9) if margin else r
                if c is not None and r is not None and sign * c > sign * r:
                    raise RuleTableError(
                        self.file,
                        f"{lv}.clear.{m.name}",
                        f"해제 기준 {c}이(가) 발령 기준 {r}보다 위험한 쪽에 있습니다{where}",
                        f"clear threshold {c} is beyond the raise threshold {r}{where}",
                    )
                cr.append(c)
            raise_rows.append(rr)
            clear_rows.append(tuple(cr))
        for mi, m in enumerate(self.metrics):
            prev: float | None = None
            for j, row in enumerate(raise_rows):
                r = row[mi]
                if r is None:
                    continue
                if prev is not None and sign * r <= sign * prev:
                    raise RuleTableError(
                        self.file,
                        f"{self.path}.levels[{j}].raise.{m.name}",
                        f"단계 기준이 순서대로가 아닙니다: {r}은(는) 아래 단계의 {prev}보다 높아야 합니다{where}",
                        f"levels out of order: {r} must be beyond the lower level's {prev}{where}",
                    )
                prev = r
        return Rule(
            id=self.id,
            table=self.table,
            version=self.version,
            observed_property=self.observed_property,
            levels=self.levels,
            kind=self.kind,
            metrics=self.metrics,
            raise_=tuple(raise_rows),
            clear=tuple(clear_rows),
            op=self.op,
            unit=self.unit,
            sample_s=self.sample_s,
            sustain_s=self.sustain_s,
            late_s=self.late_s,
            silence_s=self.silence_s,
            site=site,
        )


@dataclass(frozen=True)
class Table:
    file: str
    table: str
    version: str
    effective_from: date
    title_ko: str
    title_en: str
    source: dict[str, str]
    checked: str
    rules: tuple[RuleSpec, ...]
    grades: tuple[Grading, ...] = ()


@dataclass
class RuleSet:
    """All tables, looked up by rule id; `rule(id, site, params)` gives the concrete rule for a site."""

    tables: dict[str, Table] = field(default_factory=dict)

    @classmethod
    def load(cls, directory: Path | str | None = None, overrides: Path | str | None = None) -> RuleSet:
        """The tables of `directory` (default: the shipped ones), then those of `overrides` (an
        administrator's edited copies): a table there replaces the one with the same `table` name."""
        d = Path(directory) if directory else DATA_DIR
        rs = cls()
        for p in sorted(d.glob("*.toml")):
            rs.add(load_table(p))
        if overrides is not None:
            for p in sorted(Path(overrides).glob("*.toml")):
                rs.add(load_table(p), replace=True)
        return rs

    def add(self, table: Table, replace: bool = False) -> None:
        if table.table in self.tables and not replace:
            old = self.tables[table.table]
            raise RuleTableError(
                table.file,
                "table",
                f"표 '{table.table}'이(가) {old.file}에 이미 있습니다",
                f"table '{table.table}' already loaded from {old.file}",
            )
        for t in self.tables.values():
            if t.table == table.table:
                continue
            for spec in table.rules:
                if any(s.id == spec.id for s in t.rules):
                    raise RuleTableError(
                        table.file,
                        f"{spec.path}.id",
                        f"규칙 id '{spec.id}'이(가) {t.file}에 이미 있습니다",
                        f"rule id '{spec.id}' already defined in {t.file}",
                    )
        self.tables[table.table] = table

    def spec(self, rule_id: str) -> RuleSpec:
        for t in self.tables.values():
            for s in t.rules:
                if s.id == rule_id:
                    return s
        raise KeyError(rule_id)

    def rule(self, rule_id: str, site: str | None = None, params: dict[str, Any] | None = None) -> Rule:
        return self.spec(rule_id).bind(site, params)

    def grading(self, grading_id: str) -> Grading:
        for t in self.tables.values():
            for g in t.grades:
                if g.id == grading_id:
                    return g
        raise KeyError(grading_id)


def load_table(path: Path | str) -> Table:
    p = Path(path)
    try:
        data = tomllib.loads(p.read_text(encoding="utf-8"))
    except tomllib.TOMLDecodeError as exc:
        raise RuleTableError(p.name, "-", f"TOML 구문 오류: {exc}", f"TOML syntax error: {exc}") from exc
    return parse_table(data, p.name)


def load_sites(path: Path | str) -> dict[str, dict[str, float]]:
    """Per-site parameters: `[sites.<id>]` tables of numbers (e.g. a gauge's stages in metres)."""
    p = Path(path)
    try:
        data = tomllib.loads(p.read_text(encoding="utf-8"))
    except tomllib.TOMLDecodeError as exc:
        raise RuleTableError(p.name, "-", f"TOML 구문 오류: {exc}", f"TOML syntax error: {exc}") from exc
    sites = data.get("sites")
    if not isinstance(sites, dict):
        raise RuleTableError(p.name, "sites", "[sites.<id>] 표가 없습니다", "no [sites.<id>] tables")
    out: dict[str, dict[str, float]] = {}
    for sid, params in sites.items():
        if not isinstance(params, dict):
            raise RuleTableError(p.name, f"sites.{sid}", "표여야 합니다", "must be a table")
        out[sid] = {k: _number(v, p.name, f"sites.{sid}.{k}") for k, v in params.items()}
    return out


# -- parsing -------------------------------------------------------------------------------------------


def _err_missing(file: str, fld: str) -> RuleTableError:
    return RuleTableError(file, fld, "필수 항목이 없습니다", "required field is missing")


def _str(d: dict[str, Any], key: str, file: str, path: str, default: str | None = None) -> str:
    v = d.get(key, default)
    if v is None:
        raise _err_missing(file, f"{path}{key}")
    if not isinstance(v, str):
        raise RuleTableError(file, f"{path}{key}", "문자열이어야 합니다", "must be a string")
    return v


def _number(v: Any, file: str, fld: str) -> float:
    if isinstance(v, bool) or not isinstance(v, int | float):
        raise RuleTableError(file, fld, f"숫자여야 합니다: {v!r}", f"must be a number: {v!r}")
    return float(v)


def _threshold(v: Any, file: str, fld: str) -> Threshold:
    if v is None:
        return None
    if isinstance(v, str):
        if not v.startswith(SITE_PREFIX) or len(v) == len(SITE_PREFIX):
            raise RuleTableError(
                file,
                fld,
                f"숫자 또는 'site:<매개변수>'여야 합니다: {v!r}",
                f"must be a number or 'site:<param>': {v!r}",
            )
        return v
    return _number(v, file, fld)


def _minutes(d: dict[str, Any], key: str, file: str, path: str) -> float:
    v = d.get(key, 0)
    n = _number(v, file, f"{path}{key}")
    if n < 0:
        raise RuleTableError(file, f"{path}{key}", "0 이상이어야 합니다", "must be 0 or more")
    return n * 60.0


def parse_table(data: dict[str, Any], file: str) -> Table:
    table = _str(data, "table", file, "")
    version = _str(data, "version", file, "")
    eff = data.get("effective_from")
    if eff is None:
        raise _err_missing(file, "effective_from")
    if isinstance(eff, str):
        try:
            eff = date.fromisoformat(eff)
        except ValueError as exc:
            raise RuleTableError(
                file, "effective_from", "날짜(YYYY-MM-DD)여야 합니다", "must be a date (YYYY-MM-DD)"
            ) from exc
    if not isinstance(eff, date):
        raise RuleTableError(
            file, "effective_from", "날짜(YYYY-MM-DD)여야 합니다", "must be a date (YYYY-MM-DD)"
        )
    source = data.get("source")
    if not isinstance(source, dict):
        raise _err_missing(file, "source")
    src = {k: _str(source, k, file, "source.") for k in ("name", "article", "issuer")}
    src["url"] = _str(source, "url", file, "source.", default="")
    checked = _str(data, "checked", file, "").strip()
    if not checked:
        raise RuleTableError(
            file, "checked", "무엇을 어떻게 확인했는지 적어야 합니다", "say what was checked and how"
        )
    raw_rules = data.get("rules", [])
    if not isinstance(raw_rules, list):
        raise RuleTableError(file, "rules", "[[rules]] 배열이어야 합니다", "must be an array of [[rules]]")
    specs = tuple(_parse_rule(r, file, f"rules[{i}]", table, version) for i, r in enumerate(raw_rules))
    ids = [s.id for s in specs]
    for i, rid in enumerate(ids):
        if rid in ids[:i]:
            raise RuleTableError(
                file, f"rules[{i}].id", f"중복된 규칙 id: {rid}", f"duplicate rule id: {rid}"
            )
    grades = tuple(
        _parse_grading(g, file, f"grades[{i}]", table, version) for i, g in enumerate(data.get("grades", []))
    )
    if not specs and not grades:
        raise RuleTableError(file, "rules", "규칙이나 등급이 하나도 없습니다", "no rules and no grades")
    return Table(
        file=file,
        table=table,
        version=version,
        effective_from=eff,
        title_ko=_str(data, "title_ko", file, "", default=table),
        title_en=_str(data, "title_en", file, "", default=table),
        source=src,
        checked=checked,
        rules=specs,
        grades=grades,
    )


def _parse_rule(r: Any, file: str, path: str, table: str, version: str) -> RuleSpec:
    if not isinstance(r, dict):
        raise RuleTableError(file, path, "표여야 합니다", "must be a table")
    p = path + "."
    rid = _str(r, "id", file, p)
    kind = _str(r, "kind", file, p, default="threshold")
    if kind not in RULE_KINDS:
        raise RuleTableError(
            file, f"{p}kind", f"알 수 없는 종류: {kind}", f"unknown kind: {kind} (one of {RULE_KINDS})"
        )
    op = _str(r, "op", file, p, default="ge")
    if op not in OPS:
        raise RuleTableError(file, f"{p}op", f"알 수 없는 비교: {op}", f"unknown op: {op} (one of {OPS})")
    metrics: list[Metric] = []
    if kind == "threshold":
        raw_metrics = r.get("metrics")
        if not isinstance(raw_metrics, list) or not raw_metrics:
            raise _err_missing(file, f"{p}metrics")
        for i, m in enumerate(raw_metrics):
            mp = f"{p}metrics[{i}]."
            if not isinstance(m, dict):
                raise RuleTableError(file, mp[:-1], "표여야 합니다", "must be a table")
            mk = _str(m, "kind", file, mp)
            if mk not in METRIC_KINDS:
                raise RuleTableError(
                    file,
                    f"{mp}kind",
                    f"알 수 없는 지표: {mk}",
                    f"unknown metric kind: {mk} (one of {METRIC_KINDS})",
                )
            w = _minutes(m, "window_minutes", file, mp)
            if mk != "value" and w <= 0:
                raise RuleTableError(
                    file, f"{mp}window_minutes", "창(분)이 필요합니다", "a window in minutes is required"
                )
            metrics.append(Metric(_str(m, "name", file, mp), mk, w))
    names = [m.name for m in metrics]
    raw_levels = r.get("levels")
    if not isinstance(raw_levels, list) or not raw_levels:
        raise _err_missing(file, f"{p}levels")
    levels: list[Level] = []
    raise_rows: list[tuple[Threshold, ...]] = []
    clear_rows: list[tuple[Threshold, ...]] = []
    for j, lv in enumerate(raw_levels):
        lp = f"{p}levels[{j}]."
        if not isinstance(lv, dict):
            raise RuleTableError(file, lp[:-1], "표여야 합니다", "must be a table")
        levels.append(
            Level(j + 1, _str(lv, "code", file, lp), _str(lv, "ko", file, lp), _str(lv, "en", file, lp))
        )
        if kind == "silence":
            raise_rows.append(())
            clear_rows.append(())
            continue
        rz = lv.get("raise")
        if not isinstance(rz, dict) or not rz:
            raise _err_missing(file, f"{lp}raise")
        cl = lv.get("clear", {})
        if not isinstance(cl, dict):
            raise RuleTableError(file, f"{lp}clear", "표여야 합니다", "must be a table")
        for part, d in (("raise", rz), ("clear", cl)):
            for k in d:
                if k not in names:
                    raise RuleTableError(
                        file,
                        f"{lp}{part}.{k}",
                        f"정의되지 않은 지표: {k}",
                        f"unknown metric: {k} (metrics: {names})",
                    )
        raise_rows.append(tuple(_threshold(rz.get(n), file, f"{lp}raise.{n}") for n in names))
        clear_rows.append(tuple(_threshold(cl.get(n), file, f"{lp}clear.{n}") for n in names))
    codes = [lv.code for lv in levels]
    for j, c in enumerate(codes):
        if c in codes[:j]:
            raise RuleTableError(
                file, f"{p}levels[{j}].code", f"중복된 단계 코드: {c}", f"duplicate level code: {c}"
            )
    silence_s = _minutes(r, "silence_minutes", file, p)
    if kind == "silence":
        if silence_s <= 0:
            raise _err_missing(file, f"{p}silence_minutes")
        if len(levels) != 1:
            raise RuleTableError(
                file, f"{p}levels", "무응답 규칙은 단계가 하나입니다", "a silence rule has exactly one level"
            )
    margin = _threshold(r.get("clear_margin"), file, f"{p}clear_margin")
    mdef = r.get("clear_margin_default")
    return RuleSpec(
        file=file,
        path=path,
        id=rid,
        table=table,
        version=version,
        kind=kind,
        observed_property=_str(r, "observed_property", file, p),
        unit=_str(r, "unit", file, p, default=""),
        op=op,
        metrics=tuple(metrics),
        levels=tuple(levels),
        raise_=tuple(raise_rows),
        clear=tuple(clear_rows),
        clear_margin=margin,
        clear_margin_default=None if mdef is None else _number(mdef, file, f"{p}clear_margin_default"),
        sample_s=_minutes(r, "sample_minutes", file, p),
        sustain_s=_minutes(r, "sustain_minutes", file, p),
        late_s=_minutes(r, "late_minutes", file, p) if "late_minutes" in r else 3600.0,
        silence_s=silence_s,
        note=_str(r, "note", file, p, default=""),
    )


def _parse_grading(g: Any, file: str, path: str, table: str, version: str) -> Grading:
    if not isinstance(g, dict):
        raise RuleTableError(file, path, "표여야 합니다", "must be a table")
    p = path + "."
    raw = g.get("bands")
    if not isinstance(raw, list) or len(raw) < 2:
        raise RuleTableError(file, f"{p}bands", "구간이 둘 이상 필요합니다", "at least two bands are needed")
    bands: list[Band] = []
    prev: float | None = None
    for i, b in enumerate(raw):
        bp = f"{p}bands[{i}]."
        if not isinstance(b, dict):
            raise RuleTableError(file, bp[:-1], "표여야 합니다", "must be a table")
        mx = b.get("max")
        last = i == len(raw) - 1
        if last and mx is not None:
            raise RuleTableError(
                file, f"{bp}max", "마지막 구간에는 상한이 없어야 합니다", "the last band has no max"
            )
        if not last:
            if mx is None:
                raise _err_missing(file, f"{bp}max")
            mx = _number(mx, file, f"{bp}max")
            if prev is not None and mx <= prev:
                raise RuleTableError(
                    file,
                    f"{bp}max",
                    f"상한은 증가해야 합니다 ({prev} → {mx})",
                    f"max must increase ({prev} → {mx})",
                )
            prev = mx
        bands.append(Band(_str(b, "code", file, bp), _str(b, "ko", file, bp), _str(b, "en", file, bp), mx))
    return Grading(
        id=_str(g, "id", file, p),
        table=table,
        version=version,
        observed_property=_str(g, "observed_property", file, p),
        unit=_str(g, "unit", file, p, default=""),
        bands=tuple(bands),
    )
