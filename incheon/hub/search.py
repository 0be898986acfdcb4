"""Korean full-text catalogue search for the Incheon Data Hub (CKAN ``package_search`` semantics).

Whitespace tokenisation is useless for Korean (particles and endings glue onto nouns, compounds are
written with or without spaces), so text goes through Kiwi morphological analysis. The index itself is
an in-memory inverted index (term -> doc -> weighted tf) ranked by BM25 over weighted fields, with
facet sets and sort keys, sized for the ~10,000 datasets of the hub.
"""

from __future__ import annotations

import heapq
import math
import re
import threading
import unicodedata
from collections import Counter
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from itertools import chain
from typing import Any, NamedTuple

__all__ = [
    "DEFAULT_FACET_FIELDS",
    "DEFAULT_FIELD_WEIGHTS",
    "DEFAULT_SORT_KEYS",
    "KoreanAnalyzer",
    "QueryGroup",
    "SearchIndex",
    "SearchResult",
]

# --------------------------------------------------------------------------------------------------------
# Analyzer
# --------------------------------------------------------------------------------------------------------

# Content tags we index: common/proper nouns, noun roots (깨끗-), Latin words, numbers, URLs/emails/serials.
_NOUN_TAGS = frozenset({"NNG", "NNP", "XR"})
_ASCII_TAGS = frozenset({"SL", "SN"})
_WHOLE_TAGS = frozenset({"W_URL", "W_EMAIL", "W_SERIAL", "W_HASHTAG"})
_HANGUL_RE = re.compile(r"^[\uac00-\ud7a3]+$")
_MAX_SPLIT_CACHE = 200_000


class QueryGroup(NamedTuple):
    """One query unit: a doc matches if it has ``compound`` or else every term of ``parts``."""

    compound: str
    parts: tuple[str, ...]


class _Run(NamedTuple):
    """A maximal run of adjacent content morphemes inside one eojeol (space-delimited word)."""

    tokens: tuple[str, ...]  # indexable forms as Kiwi produced them (lowercased)
    parts: tuple[str, ...]  # finest parts: tokens with long nouns decompounded
    compound: str  # the whole run joined (incl. glue such as the 초- prefix), '' if just one token


_kiwi: Any = None
_kiwi_init_lock = threading.Lock()
# Kiwi's thread safety is not documented; queries are tiny (~0.1 ms) so serialising them is cheap.
_kiwi_call_lock = threading.Lock()


def _get_kiwi() -> Any:
    """One Kiwi per process, created on first use, because loading the model takes about a second."""
    global _kiwi
    if _kiwi is None:
        with _kiwi_init_lock:
            if _kiwi is None:
                from kiwipiepy import Kiwi

                kiwi = Kiwi()
                kiwi.tokenize("")  # Kiwi finishes initialising lazily on the first call
                _kiwi = kiwi
    return _kiwi


class KoreanAnalyzer:
    """Kiwi-based analyzer: text -> index terms.

    Creating Kiwi is slow (~1 s): one instance per process, created lazily.

    Kiwi splits compounds inconsistently depending on context ("교통사고 현황" keeps 교통사고 whole while
    "인천광역시 교통사고 현황" gives 교통+사고), so documents index both the parts of each noun run and the
    joined compound, and long single nouns are additionally decompounded (교통사고 -> 교통, 사고) when
    each piece is itself a noun. Queries then require, per run, the compound or all of its parts.
    """

    def __init__(self) -> None:
        self._split_cache: dict[str, tuple[str, ...]] = {}

    # -- public API ------------------------------------------------------------------------------------

    def terms(self, text: str) -> list[str]:
        """Index terms of a document field, with repeats (term frequency matters for BM25)."""
        out: list[str] = []
        for run in self._runs(text):
            for tok, parts in self._token_parts(run):
                out.append(tok)
                if len(parts) > 1:
                    out.extend(parts)
            if run.compound:
                out.append(run.compound)
        return out

    def query_terms(self, text: str) -> list[str]:
        """Distinct terms a query looks up (same normalisation as :meth:`terms`)."""
        seen: dict[str, None] = {}
        for group in self.query_groups(text):
            seen.setdefault(group.compound)
            for p in group.parts:
                seen.setdefault(p)
        return list(seen)

    def query_groups(self, text: str) -> list[QueryGroup]:
        """Query structure: groups are ANDed; each group is satisfied by its compound or all its parts."""
        groups: list[QueryGroup] = []
        for run in self._runs(text):
            compound = run.compound or run.tokens[0]
            groups.append(QueryGroup(compound, run.parts))
        return groups

    # -- internals -------------------------------------------------------------------------------------

    def _token_parts(self, run: _Run) -> Iterable[tuple[str, tuple[str, ...]]]:
        for tok in run.tokens:
            yield tok, self._decompound(tok)

    def _tokenize(self, text: str) -> list[Any]:
        kiwi = _get_kiwi()
        with _kiwi_call_lock:
            return kiwi.tokenize(text)

    def _runs(self, text: str) -> list[_Run]:
        """Group morphemes into runs of adjacent content morphemes; particles/endings/hanja end a run."""
        if not text or text.isspace():
            return []
        # NFKC folds full-width Latin/digits (ＰＭ１０) that Kiwi would otherwise tag as symbols.
        text = unicodedata.normalize("NFKC", text)
        # Control and separator characters (\x1f, \x1c … which str.isspace() counts as space) split words.
        text = "".join(" " if unicodedata.category(c)[0] in "CZ" else c for c in text)
        runs: list[_Run] = []
        tokens: list[str] = []
        joined: list[str] = []
        prev_end = -1

        def flush() -> None:
            if tokens:
                parts: list[str] = []
                for tok in tokens:
                    parts.extend(self._decompound(tok))
                compound = "".join(joined) if len(joined) > 1 else ""
                if compound == tokens[0]:
                    compound = ""
                runs.append(_Run(tuple(tokens), tuple(parts), compound))
            tokens.clear()
            joined.clear()

        for tok in self._tokenize(text):
            tag = str(tok.tag).split("-")[0]  # Kiwi marks irregular conjugations as e.g. VV-I
            form = tok.form
            adjacent = tok.start <= prev_end
            prev_end = tok.start + tok.len
            if not adjacent:
                flush()
            if tag in _NOUN_TAGS or tag in _ASCII_TAGS:
                term = form.lower()
                tokens.append(term)
                joined.append(term)
            elif tag in _WHOLE_TAGS:
                flush()
                runs.append(_Run((form.lower(),), (form.lower(),), ""))
            elif tag == "XPN":
                flush()  # a prefix starts a new word, it never ends one
                joined.append(form)
            elif tag == "SO" and form == "-":
                pass  # PM-10 and PM10 must give the same compound: the hyphen joins but is not kept
            else:
                flush()
        flush()
        # A glue morpheme alone (e.g. a lone prefix) yields no run; drop joined-only leftovers.
        return [r for r in runs if r.tokens]

    def _decompound(self, form: str) -> tuple[str, ...]:
        """Split a long Hangul noun into nouns Kiwi knows on their own (교통사고 -> 교통, 사고; cached)."""
        if len(form) < 4 or not _HANGUL_RE.match(form):
            return (form,)
        cached = self._split_cache.get(form)
        if cached is not None:
            return cached
        result: tuple[str, ...] = (form,)
        for cut in (2, 3):
            head, tail = form[:cut], form[cut:]
            if len(tail) < 2 or not self._is_single_noun(head):
                continue
            if self._is_single_noun(tail):
                result = (head, tail)
                break
            rest = self._decompound(tail)
            if len(rest) > 1:
                result = (head, *rest)
                break
        if len(self._split_cache) >= _MAX_SPLIT_CACHE:
            self._split_cache.clear()
        self._split_cache[form] = result
        return result

    def _is_single_noun(self, word: str) -> bool:
        toks = self._tokenize(word)
        return len(toks) == 1 and toks[0].form == word and str(toks[0].tag) in ("NNG", "NNP")


# --------------------------------------------------------------------------------------------------------
# Filter (fq) parsing
# --------------------------------------------------------------------------------------------------------

DEFAULT_FIELD_WEIGHTS: dict[str, float] = {"title": 3.0, "keywords": 2.0, "tags": 2.0, "description": 1.0}
DEFAULT_FACET_FIELDS: tuple[str, ...] = (
    "organization",
    "groups",
    "tags",
    "res_format",
    "license_id",
    "spatial",
    "frequency",
    "dataset_type",
    "state",
    "capacity",
)
DEFAULT_SORT_KEYS: tuple[str, ...] = ("metadata_modified", "metadata_created", "title_string", "name")

_FIELD = r"[A-Za-z_][A-Za-z0-9_.]*"
_VALUE = r'"(?:[^"\\]|\\.)*"|\([^()]*\)|(?:[^\s"()\\]|\\.)+'
_CLAUSE_RE = re.compile(rf"(?P<neg>[-+!]?)(?P<field>{_FIELD}):(?P<value>{_VALUE})")
_Q_CLAUSE_RE = re.compile(rf"(?<!\S)(?P<neg>[-+]?)(?P<field>{_FIELD}):(?P<value>{_VALUE})(?!\S)")
_PAREN_ITEM_RE = re.compile(r'"(?:[^"\\]|\\.)*"|(?:[^\s"\\]|\\.)+')
_UNESCAPE_RE = re.compile(r"\\(.)")
_FQ_OP_RE = re.compile(r"(AND|OR|NOT|&&|\|\|)(?=\s|$)")
_OPERATOR_WORD_RE = re.compile(r"(?:^|(?<=\s))(?:AND|OR|NOT|&&|\|\|)(?=\s|$)")


@dataclass(frozen=True)
class _Filter:
    """field must (or, if negated, must not) hold one of values; values None means 'has any value'."""

    field: str
    values: tuple[str, ...] | None
    negate: bool
    all_of: bool = False  # field:(a AND b)


def _unquote(raw: str) -> str:
    if len(raw) >= 2 and raw[0] == raw[-1] == '"':
        raw = raw[1:-1]
    return _UNESCAPE_RE.sub(r"\1", raw)


def _parse_value(field: str, raw: str) -> tuple[tuple[str, ...] | None, bool]:
    """Value of a clause -> (values, all_of). Raises ValueError on syntax we do not support."""
    if raw == "*":
        return None, False
    if raw.startswith("("):
        items = _PAREN_ITEM_RE.findall(raw[1:-1])
        if not items:
            raise ValueError(f"empty group in {field}:{raw}")
        values = items[0::2]
        ops = {op.upper() for op in items[1::2]}
        if len(items) % 2 == 0 or not ops <= {"OR", "AND"} or len(ops) > 1:
            raise ValueError(f"unsupported group {field}:{raw}; use {field}:(a OR b) or {field}:(a AND b)")
        if any(v.upper() in ("OR", "AND", "NOT") for v in values):
            raise ValueError(f"misplaced operator in {field}:{raw}")
        return tuple(_unquote(v) for v in values), ops == {"AND"}
    if raw.startswith("[") or raw.startswith("{"):
        raise ValueError(f"range queries are not supported: {field}:{raw}")
    if raw.startswith('"'):
        return (_unquote(raw),), False
    if any(c in raw for c in "*?~^[]{}"):
        raise ValueError(f"wildcard/fuzzy/boost syntax is not supported: {field}:{raw}")
    return (_unquote(raw),), False


def _parse_fq(fq: str, known_fields: Iterable[str]) -> list[_Filter]:
    """Parse the Solr fq subset CKAN clients send; anything else is a ValueError (HTTP 400 upstream)."""
    known = set(known_fields)
    filters: list[_Filter] = []
    pos, n = 0, len(fq)
    pending_not = pending_and = False
    clauses = 0
    while True:
        while pos < n and fq[pos].isspace():
            pos += 1
        if pos >= n:
            break
        word_m = _FQ_OP_RE.match(fq, pos)
        if word_m:
            op = word_m.group(1)
            if op in ("OR", "||"):
                raise ValueError("top-level OR is not supported in fq; use field:(a OR b)")
            if op == "NOT":
                pending_not = True
            elif not clauses or pending_and or pending_not:
                raise ValueError(f"misplaced {op} in fq {fq!r}")
            else:
                pending_and = True
            pos = word_m.end()
            continue
        pending_and = False
        if fq.startswith("*:*", pos) and (pos + 3 == n or fq[pos + 3].isspace()):
            if pending_not:
                raise ValueError("NOT *:* is not supported in fq")
            pos += 3
            clauses += 1
            continue
        m = _CLAUSE_RE.match(fq, pos)
        if not m or (m.end() < n and not fq[m.end()].isspace()):
            snippet = fq[pos : pos + 40]
            raise ValueError(f"unsupported fq syntax near {snippet!r}; expected field:value clauses")
        field = m.group("field")
        if field not in known:
            raise ValueError(f"unknown fq field {field!r}; filterable fields: {', '.join(sorted(known))}")
        values, all_of = _parse_value(field, m.group("value"))
        negate = m.group("neg") in ("-", "!")
        if pending_not:
            negate, pending_not = not negate, False
        filters.append(_Filter(field, values, negate, all_of))
        clauses += 1
        pos = m.end()
    if pending_not or pending_and:
        raise ValueError(f"fq {fq!r} ends with a dangling operator")
    return filters


# --------------------------------------------------------------------------------------------------------
# Index
# --------------------------------------------------------------------------------------------------------


@dataclass
class SearchResult:
    count: int
    ids: list[str]  # page of doc ids in rank order
    facets: dict[str, dict[str, int]]  # field -> value -> count (over ALL matches, not only the page)


@dataclass
class _Doc:
    field_terms: dict[str, Counter[str]]
    weighted_tf: dict[str, float]
    length: float
    facets: dict[str, tuple[str, ...]]
    sort_keys: dict[str, object]


_MISSING = object()


class SearchIndex:
    """In-memory inverted index with BM25 ranking, Solr-style filters, facets and sorting.

    Callers analyse text once (:meth:`analyze`), may persist the terms, and :meth:`upsert` them, so a
    restart rebuilds the index without re-running Kiwi. One lock guards all index state: mutations
    and the read phase of searches both take it, so a search never sees a half-applied upsert; query
    analysis (Kiwi) runs outside it.
    """

    def __init__(
        self,
        analyzer: KoreanAnalyzer | None = None,
        field_weights: Mapping[str, float] | None = None,
        facet_fields: Iterable[str] = DEFAULT_FACET_FIELDS,
        sort_keys: Iterable[str] = DEFAULT_SORT_KEYS,
        k1: float = 1.2,
        b: float = 0.75,
    ) -> None:
        self._analyzer = analyzer
        self.field_weights: dict[str, float] = dict(
            DEFAULT_FIELD_WEIGHTS if field_weights is None else field_weights
        )
        self.default_weight = 1.0
        self.k1, self.b = k1, b
        self._lock = threading.RLock()
        self._docs: dict[str, _Doc] = {}
        self._postings: dict[str, dict[str, float]] = {}  # term -> doc -> weighted tf
        self._field_postings: dict[str, dict[str, set[str]]] = {}  # field -> term -> docs
        self._facet_sets: dict[str, dict[str, set[str]]] = {f: {} for f in facet_fields}
        self._sort_key_names: set[str] = set(sort_keys)
        self._total_length = 0.0
        # Derived data rebuilt lazily after mutations: BM25 length norms and dense ranks per sort key.
        self._norms: dict[str, float] | None = None
        self._ranks: dict[str, dict[str, int]] = {}

    @property
    def analyzer(self) -> KoreanAnalyzer:
        """Created on demand so rebuilding from persisted terms never loads Kiwi."""
        if self._analyzer is None:
            self._analyzer = KoreanAnalyzer()
        return self._analyzer

    # -- mutation --------------------------------------------------------------------------------------

    def analyze(self, text_fields: dict[str, str]) -> dict[str, list[str]]:
        """Field -> terms.

        Lets the caller persist terms (so a restart rebuilds the index without re-running Kiwi).
        """
        return {field: self.analyzer.terms(text or "") for field, text in text_fields.items()}

    def upsert(
        self,
        doc_id: str,
        terms: dict[str, list[str]],
        facets: dict[str, list[str]],
        sort_keys: dict[str, object],
    ) -> None:
        """Insert or replace a document (replace = remove + add, atomically under the lock)."""
        field_terms = {field: Counter(ts) for field, ts in terms.items() if ts}
        weighted: dict[str, float] = {}
        length = 0.0
        for field, counts in field_terms.items():
            w = self.field_weights.get(field, self.default_weight)
            for term, tf in counts.items():
                weighted[term] = weighted.get(term, 0.0) + w * tf
            length += w * sum(counts.values())
        doc_facets = {
            field: tuple(dict.fromkeys(str(v) for v in values if v is not None and v != ""))
            for field, values in facets.items()
        }
        doc = _Doc(field_terms, weighted, length, {f: v for f, v in doc_facets.items() if v}, dict(sort_keys))
        with self._lock:
            self._remove_locked(doc_id)
            self._docs[doc_id] = doc
            for term, wtf in weighted.items():
                self._postings.setdefault(term, {})[doc_id] = wtf
            for field, counts in field_terms.items():
                fp = self._field_postings.setdefault(field, {})
                for term in counts:
                    fp.setdefault(term, set()).add(doc_id)
            for field, values in doc.facets.items():
                fs = self._facet_sets.setdefault(field, {})
                for v in values:
                    fs.setdefault(v, set()).add(doc_id)
            self._sort_key_names.update(doc.sort_keys)
            self._total_length += length
            self._invalidate()

    def remove(self, doc_id: str) -> None:
        """Drop a document; unknown ids are ignored (deleting twice is not an error)."""
        with self._lock:
            self._remove_locked(doc_id)
            self._invalidate()

    def _remove_locked(self, doc_id: str) -> None:
        doc = self._docs.pop(doc_id, None)
        if doc is None:
            return
        for term in doc.weighted_tf:
            posting = self._postings.get(term)
            if posting is not None:
                posting.pop(doc_id, None)
                if not posting:
                    del self._postings[term]
        for field, counts in doc.field_terms.items():
            fp = self._field_postings.get(field, {})
            for term in counts:
                docs = fp.get(term)
                if docs is not None:
                    docs.discard(doc_id)
                    if not docs:
                        del fp[term]
        for field, values in doc.facets.items():
            fs = self._facet_sets.get(field, {})
            for v in values:
                docs = fs.get(v)
                if docs is not None:
                    docs.discard(doc_id)
                    if not docs:
                        del fs[v]
        self._total_length -= doc.length

    def _invalidate(self) -> None:
        self._norms = None
        self._ranks = {}

    def __len__(self) -> int:
        return len(self._docs)

    # -- search ----------------------------------------------------------------------------------------

    def search(
        self,
        q: str = "",
        fq: str = "",
        rows: int = 10,
        start: int = 0,
        sort: str = "",
        facet_fields: list[str] | None = None,
        facet_limit: int = 50,
    ) -> SearchResult:
        """CKAN package_search: free text + field clauses in q, filters in fq, sorted page + facets."""
        if rows < 0 or start < 0:
            raise ValueError("rows and start must be non-negative")
        with self._lock:
            known_filter_fields = set(self._facet_sets)
            text_fields = set(self.field_weights) | set(self._field_postings)
        filters = _parse_fq(fq or "", known_filter_fields)
        q_filters, text_restrictions, disjuncts = self._parse_q(q or "", known_filter_fields, text_fields)
        filters.extend(q_filters)
        has_text = bool(disjuncts) or any(not negate for _, _, negate in text_restrictions)
        sort_spec = self._parse_sort(sort, has_text)
        for field in facet_fields or ():
            if field not in known_filter_fields:
                raise ValueError(f"unknown facet field {field!r}")

        with self._lock:
            # 1. Text match (None = every document).
            candidates: set[str] | None = None
            if disjuncts:
                candidates = set()
                for groups in disjuncts:
                    candidates |= self._match_groups(groups)
            for field, groups, negate in text_restrictions:
                matched = self._match_groups(groups, field)
                if negate:
                    candidates = (set(self._docs) if candidates is None else candidates) - matched
                else:
                    candidates = matched if candidates is None else candidates & matched
            # 2. Filters.
            for flt in filters:
                candidates = self._apply_filter(candidates, flt)
            matches: Iterable[str] = self._docs.keys() if candidates is None else candidates
            count = len(self._docs) if candidates is None else len(candidates)
            # 3. Scores (only when they affect the order).
            scores: dict[str, float] = {}
            if has_text and any(key == "score" for key, _ in sort_spec):
                scored = [*disjuncts, *(groups for _, groups, negate in text_restrictions if not negate)]
                terms = {t for groups in scored for g in groups for t in (g.compound, *g.parts)}
                scores = self._bm25(terms, candidates or set())
            # 4. Order and page.
            page = self._order(matches, count, scores, sort_spec, start + rows)[start : start + rows]
            # 5. Facets over the whole match set.
            facets = {
                field: self._facet_counts(field, candidates, facet_limit) for field in facet_fields or ()
            }
        return SearchResult(count=count, ids=page, facets=facets)

    # -- query parsing ---------------------------------------------------------------------------------

    def _parse_q(
        self, q: str, facet_fields: set[str], text_fields: set[str]
    ) -> tuple[list[_Filter], list[tuple[str, list[QueryGroup], bool]], list[list[QueryGroup]]]:
        """Split q into facet filters, field-restricted text and free-text disjuncts. Never raises:
        anything that is not a well-formed clause on a known field is treated as free text."""
        filters: list[_Filter] = []
        restricted: list[tuple[str, list[QueryGroup], bool]] = []

        def take_clause(m: re.Match[str]) -> str:
            field, raw, neg = m.group("field"), m.group("value"), m.group("neg") == "-"
            if field in facet_fields:
                try:
                    values, all_of = _parse_value(field, raw)
                except ValueError:
                    return m.group(0)
                filters.append(_Filter(field, values, neg, all_of))
                return " "
            if field in text_fields:
                # title:(a OR b) is approximated as title:(a AND b): operators are dropped.
                value = _OPERATOR_WORD_RE.sub(" ", _unquote(raw.strip("()")))
                groups = self.analyzer.query_groups(value)
                if groups:
                    restricted.append((field, groups, neg))
                return " "
            return m.group(0)

        text = _Q_CLAUSE_RE.sub(take_clause, q.replace("*:*", " "))
        disjuncts: list[list[QueryGroup]] = []
        if text.strip() and text.strip() != "*":
            for part in re.split(r"(?:^|\s)(?:OR|\|\|)(?=\s|$)", text):
                cleaned = _OPERATOR_WORD_RE.sub(" ", part)
                if not cleaned.strip():
                    continue
                groups = self.analyzer.query_groups(cleaned)
                # Text with no indexable terms (only particles/punctuation) matches nothing, not everything.
                disjuncts.append(groups)
        return filters, restricted, disjuncts

    def _parse_sort(self, sort: str, has_text: bool) -> list[tuple[str, bool]]:
        """'key asc|desc, ...' -> [(key, descending)]; unknown keys are a ValueError."""
        if not sort or not sort.strip():
            return (
                [("score", True), ("metadata_modified", True)] if has_text else [("metadata_modified", True)]
            )
        with self._lock:
            known = set(self._sort_key_names)
        spec: list[tuple[str, bool]] = []
        for clause in sort.split(","):
            words = clause.split()
            if not words:
                raise ValueError(f"empty clause in sort {sort!r}")
            if len(words) > 2 or (len(words) == 2 and words[1].lower() not in ("asc", "desc")):
                raise ValueError(f"bad sort clause {clause.strip()!r}; expected 'key asc' or 'key desc'")
            key = words[0]
            if key != "score" and key not in known:
                raise ValueError(f"unknown sort key {key!r}; known: score, {', '.join(sorted(known))}")
            spec.append((key, len(words) == 1 or words[1].lower() == "desc"))
        return spec

    # -- matching --------------------------------------------------------------------------------------

    def _docs_with(self, term: str, field: str | None) -> Iterable[str]:
        if field is None:
            return self._postings.get(term, {}).keys()
        return self._field_postings.get(field, {}).get(term, ())

    def _match_groups(self, groups: list[QueryGroup], field: str | None = None) -> set[str]:
        """AND over groups; a group matches its compound term or, failing that, all of its parts."""
        if not groups:
            return set()
        result: set[str] | None = None
        # Smallest posting first keeps intersections cheap.
        sized = sorted(groups, key=lambda g: len(self._postings.get(g.compound, ())))
        for g in sized:
            docs = set(self._docs_with(g.compound, field))
            if len(g.parts) > 1 or g.parts[0] != g.compound:
                parts = sorted(g.parts, key=lambda t: len(self._postings.get(t, ())))
                both: set[str] = set(self._docs_with(parts[0], field))
                for p in parts[1:]:
                    if not both:
                        break
                    both.intersection_update(self._docs_with(p, field))
                docs |= both
            result = docs if result is None else result & docs
            if not result:
                return set()
        return result or set()

    def _apply_filter(self, candidates: set[str] | None, flt: _Filter) -> set[str]:
        sets = self._facet_sets.get(flt.field, {})
        if flt.values is None:
            hit: set[str] = set().union(*sets.values()) if sets else set()
        elif flt.all_of:
            hit = set(sets.get(flt.values[0], ()))
            for v in flt.values[1:]:
                hit &= sets.get(v, set())
        else:
            hit = set().union(*(sets.get(v, set()) for v in flt.values))
        if flt.negate:
            base = set(self._docs) if candidates is None else candidates
            return base - hit
        return hit if candidates is None else candidates & hit

    def _bm25(self, terms: set[str], candidates: set[str]) -> dict[str, float]:
        """BM25 over weighted tf (title counts 3x etc.), with length norms cached between mutations."""
        norms = self._norms
        if norms is None:
            n_docs = len(self._docs) or 1
            avgdl = (self._total_length / n_docs) or 1.0
            k1, b = self.k1, self.b
            norms = {d: k1 * (1 - b + b * doc.length / avgdl) for d, doc in self._docs.items()}
            self._norms = norms
        n = len(self._docs)
        k1p1 = self.k1 + 1
        scores: dict[str, float] = dict.fromkeys(candidates, 0.0)
        for term in terms:
            posting = self._postings.get(term)
            if not posting:
                continue
            idf = math.log(1 + (n - len(posting) + 0.5) / (len(posting) + 0.5))
            if len(posting) <= len(scores):
                items = [(d, tf) for d, tf in posting.items() if d in scores]
            else:
                items = [(d, posting[d]) for d in scores if d in posting]
            for d, tf in items:
                scores[d] += idf * tf * k1p1 / (tf + norms[d])
        return scores

    def _rank(self, key: str) -> dict[str, int]:
        """Dense rank of each doc's value for a sort key (ties share a rank); cached between mutations."""
        ranks = self._ranks.get(key)
        if ranks is None:
            present = [
                (doc.sort_keys[key], d) for d, doc in self._docs.items() if doc.sort_keys.get(key) is not None
            ]
            try:
                present.sort(key=lambda item: item[0])
            except TypeError as exc:
                raise ValueError(f"sort key {key!r} has values of incomparable types") from exc
            ranks = {}
            rank, prev = -1, _MISSING
            for value, d in present:
                if prev is _MISSING or value != prev:
                    rank += 1
                    prev = value
                ranks[d] = rank
            self._ranks[key] = ranks
        return ranks

    def _order(
        self,
        matches: Iterable[str],
        count: int,
        scores: dict[str, float],
        spec: list[tuple[str, bool]],
        limit: int,
    ) -> list[str]:
        """Sort by the spec, missing values last whatever the direction, doc id as the final tiebreak."""
        big = float("inf")
        getters: list[tuple[dict[str, float] | dict[str, int], bool]] = []
        for key, desc in spec:
            getters.append((scores if key == "score" else self._rank(key), desc))

        def sort_key(d: str) -> tuple[Any, ...]:
            parts: list[Any] = []
            for values, desc in getters:
                v = values.get(d)
                parts.append(big if v is None else (-v if desc else v))
            parts.append(d)
            return tuple(parts)

        if limit <= 0:
            return []
        if limit < count // 4:
            return heapq.nsmallest(limit, matches, key=sort_key)
        return sorted(matches, key=sort_key)

    def _facet_counts(self, field: str, candidates: set[str] | None, limit: int) -> dict[str, int]:
        """Counts over the full match set; top `limit` by count desc then value (limit < 0 = all)."""
        sets = self._facet_sets.get(field, {})
        if candidates is None:
            counts = Counter({v: len(docs) for v, docs in sets.items()})
        elif len(sets) * 4 < len(candidates):
            counts = Counter({v: n for v, docs in sets.items() if (n := len(docs & candidates))})
        else:
            docs = self._docs
            counts = Counter(chain.from_iterable(docs[d].facets.get(field, ()) for d in candidates))
        ordered = sorted(counts.items(), key=lambda kv: (-kv[1], kv[0]))
        if limit >= 0:
            ordered = ordered[:limit]
        return dict(ordered)
