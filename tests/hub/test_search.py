"""Korean catalogue search: the hub must find datasets by Korean nouns whatever particles or spacing."""

from __future__ import annotations

import json
import threading
from collections import Counter

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from incheon.hub.search import KoreanAnalyzer, SearchIndex

# A small hand-written corpus modelled on Incheon's statistical topics.
CORPUS: list[dict[str, object]] = [
    {
        "id": "pm-7-cities",
        "title": "7대 도시의 연평균 PM-2.5, PM-10 농도",
        "description": "서울, 부산, 대구, 인천, 광주, 대전, 울산 7대 도시의 미세먼지(PM-10)와 "
        "초미세먼지(PM-2.5) 연평균 농도 자료입니다.",
        "tags": ["환경", "대기질", "미세먼지"],
        "organization": "incheon-env",
        "groups": ["environment"],
        "res_format": ["CSV"],
        "modified": "2024-03-01",
    },
    {
        "id": "traffic-accidents",
        "title": "연도별 전국 및 인천광역시 교통사고 현황",
        "description": "도로교통공단 통계를 바탕으로 한 연도별 교통사고 발생건수, 사망자수, 부상자수",
        "tags": ["교통", "안전"],
        "organization": "incheon-city",
        "groups": ["transport"],
        "res_format": ["XLSX", "CSV"],
        "modified": "2024-01-15",
    },
    {
        "id": "population",
        "title": "인천광역시 행정구역별 인구 현황",
        "description": "군·구별 세대수와 인구수(내국인, 외국인)를 월별로 제공합니다.",
        "tags": ["인구", "행정"],
        "organization": "incheon-city",
        "groups": ["population"],
        "res_format": ["CSV"],
        "modified": "2024-05-20",
    },
    {
        "id": "traffic-volume",
        "title": "주요 교차로 교통량 조사",
        "description": "인천시 주요 도로 및 교차로의 시간대별 차량 통행량 조사 결과",
        "tags": ["교통"],
        "organization": "incheon-transport",
        "groups": ["transport"],
        "res_format": ["CSV", "JSON"],
        "modified": "2023-11-02",
    },
    {
        "id": "bupyeong-parking",
        "title": "부평구 공영주차장 현황",
        "description": "부평구에서 운영하는 공영주차장의 위치, 주차면수, 요금 정보",
        "tags": ["교통", "주차"],
        "organization": "bupyeong-gu",
        "groups": ["transport"],
        "res_format": ["CSV"],
        "modified": "2023-08-30",
    },
    {
        "id": "cctv",
        "title": "인천광역시 방범용 CCTV 설치 현황",
        "description": "방범 CCTV의 설치 위치와 대수",
        "tags": ["안전"],
        "organization": "incheon-city",
        "groups": ["safety"],
        "res_format": ["CSV"],
        "modified": "2022-12-01",
    },
    {
        "id": "grdp",
        "title": "인천광역시 지역내총생산(GRDP)",
        "description": "경제활동별 지역내총생산 및 1인당 GRDP 추이",
        "tags": ["경제"],
        "organization": "incheon-city",
        "groups": ["economy"],
        "res_format": ["XLSX"],
        "modified": "2024-02-10",
    },
    {
        "id": "air-stations",
        "title": "대기오염 측정소 위치 정보",
        "description": "인천 지역 대기오염 측정망 측정소의 주소와 좌표 (미세 먼지, 오존 측정)",
        "tags": ["환경", "대기질"],
        "organization": "incheon-env",
        "groups": ["environment"],
        "res_format": ["CSV", "SHP"],
        "modified": "2021-06-07",
    },
    {
        "id": "dust-warnings",
        "title": "미세먼지 주의보 발령 현황",
        "description": "연도별 미세먼지 및 초미세먼지 주의보·경보 발령 횟수",
        "tags": ["환경", "미세먼지"],
        "organization": "incheon-env",
        "groups": ["environment"],
        "res_format": ["CSV"],
        "modified": "2024-04-11",
    },
    {
        "id": "foreign-residents",
        "title": "외국인 주민 현황",
        "description": "인천광역시 거주 외국인 주민 수를 국적별로 집계했습니다. "
        "인구의 변화 추이를 보여줍니다.",
        "tags": ["다문화"],
        "organization": "incheon-city",
        "groups": ["population"],
        "res_format": ["XLSX"],
        "modified": "2023-03-03",
    },
    {
        "id": "bus-stops",
        "title": "시내버스 노선 및 정류장 정보",
        "description": "인천 시내버스 노선별 정류장 위치와 배차간격",
        "tags": ["교통", "버스"],
        "organization": "incheon-transport",
        "groups": ["transport"],
        "res_format": ["CSV", "JSON"],
        "modified": "2024-06-01",
    },
    {
        "id": "births",
        "title": "출생아 수 및 합계출산율",
        "description": "군·구별 출생아 수와 합계출산율 통계",
        "tags": ["인구", "출산"],
        "organization": "incheon-city",
        "groups": ["population"],
        "res_format": ["XLSX"],
        "modified": "2023-09-09",
    },
    {
        "id": "school-zones",
        "title": "어린이 보호구역 지정 현황",
        "description": "어린이 교통안전을 위한 보호구역(스쿨존) 지정 위치",
        "tags": ["교통", "안전"],
        "organization": "incheon-police",
        "groups": ["transport", "safety"],
        "res_format": ["CSV"],
        "modified": "2022-05-05",
    },
    {
        "id": "water-quality",
        "title": "상수도 수질 검사 결과",
        "description": "정수장 및 수도꼭지 수질 검사 항목별 결과",
        "tags": ["환경", "수도"],
        "organization": "incheon-water",
        "groups": ["environment"],
        "res_format": ["PDF"],
        "modified": "2023-12-24",
    },
    {
        "id": "tourism",
        "title": "인천 관광지 방문객 통계",
        "description": "주요 관광지별 월별 방문객 수",
        "tags": ["관광"],
        "organization": "incheon-city",
        "groups": ["culture"],
        "res_format": ["CSV"],
        "modified": "2024-02-29",
    },
    {
        "id": "accident-hotspots",
        "title": "보행자 사고 다발지역 정보",
        "description": "보행자 교통사고가 자주 발생하는 지역의 위치 정보",
        "tags": ["교통", "안전"],
        "organization": "incheon-police",
        "groups": ["transport", "safety"],
        "res_format": ["CSV", "SHP"],
        "modified": "2023-07-17",
    },
]
IDS = [str(d["id"]) for d in CORPUS]
BY_ID = {str(d["id"]): d for d in CORPUS}
ANALYZER = KoreanAnalyzer()


def text_fields(d: dict[str, object]) -> dict[str, str]:
    return {"title": str(d["title"]), "description": str(d["description"]), "tags": " ".join(d["tags"])}  # type: ignore[arg-type]


def facet_fields(d: dict[str, object]) -> dict[str, list[str]]:
    return {
        "organization": [str(d["organization"])],
        "groups": list(d["groups"]),  # type: ignore[call-overload]
        "tags": list(d["tags"]),  # type: ignore[call-overload]
        "res_format": list(d["res_format"]),  # type: ignore[call-overload]
    }


def sort_fields(d: dict[str, object]) -> dict[str, object]:
    return {"metadata_modified": d["modified"], "title_string": d["title"], "name": d["id"]}


def build(corpus: list[dict[str, object]] = CORPUS) -> SearchIndex:
    index = SearchIndex(ANALYZER)
    for d in corpus:
        index.upsert(str(d["id"]), index.analyze(text_fields(d)), facet_fields(d), sort_fields(d))
    return index


@pytest.fixture(scope="module")
def index() -> SearchIndex:
    return build()


def found(index: SearchIndex, q: str = "", **kw: object) -> list[str]:
    return index.search(q, rows=100, **kw).ids  # type: ignore[arg-type]


# -- analyzer --------------------------------------------------------------------------------------------


def test_analyzer_drops_particles_and_endings() -> None:
    assert ANALYZER.terms("인구는") == ["인구"]
    assert ANALYZER.terms("인구의") == ["인구"]
    terms = ANALYZER.terms("교통사고가 많았습니다")
    assert "교통사고" in terms
    assert not {"가", "많", "았", "습니다", "다"} & set(terms)


def test_analyzer_keeps_compound_and_its_parts() -> None:
    terms = ANALYZER.terms("미세먼지")
    assert {"미세", "먼지", "미세먼지"} <= set(terms)
    # Kiwi keeps 교통사고 whole in this context; the parts are still indexed.
    assert {"교통사고", "교통", "사고"} <= set(ANALYZER.terms("교통사고 현황"))


def test_analyzer_ascii_numbers_and_hanja() -> None:
    terms = ANALYZER.terms("7대 도시의 연평균 PM-2.5, PM-10 농도 CCTV GRDP 2023년 仁川")
    assert {"pm", "2.5", "10", "pm10", "pm2.5", "cctv", "grdp", "2023", "농도", "도시"} <= set(terms)
    assert "PM" not in terms and "仁川" not in terms
    assert ANALYZER.terms("ＰＭ１０") == ANALYZER.terms("PM10")
    assert "pm10" in ANALYZER.query_terms("PM10")


def test_analyzer_empty_and_punctuation() -> None:
    assert ANALYZER.terms("") == []
    assert ANALYZER.terms("   ") == []
    assert ANALYZER.terms("!!! -- ,,,") == []


# -- the three canonical Korean queries -------------------------------------------------------------------


def test_query_misemeonji(index: SearchIndex) -> None:
    # air-stations writes it spaced ("미세 먼지"), the others as one word.
    assert set(found(index, "미세먼지")) == {"pm-7-cities", "dust-warnings", "air-stations"}
    assert found(index, "미세먼지")[0] == "dust-warnings"  # title + description + tag


def test_query_gyotongsago(index: SearchIndex) -> None:
    hits = found(index, "교통사고")
    assert set(hits) == {"traffic-accidents", "accident-hotspots"}
    assert hits[0] == "traffic-accidents"  # in the title, weighted 3x
    for wrong in ("traffic-volume", "bupyeong-parking", "bus-stops", "school-zones"):
        assert wrong not in hits


def test_query_ingu(index: SearchIndex) -> None:
    hits = found(index, "인구")
    assert set(hits) == {"population", "foreign-residents", "births"}
    assert hits[0] == "population"


@pytest.mark.parametrize(
    ("query", "same_as"),
    [("인구는", "인구"), ("인구의", "인구"), ("교통사고가", "교통사고"), ("미세먼지를", "미세먼지")],
)
def test_particles_do_not_matter(index: SearchIndex, query: str, same_as: str) -> None:
    assert found(index, query) == found(index, same_as)


def test_compound_parts_and_spacing(index: SearchIndex) -> None:
    assert set(found(index, "먼지")) == {"pm-7-cities", "dust-warnings", "air-stations"}
    assert set(found(index, "미세 먼지")) == set(found(index, "미세먼지"))
    assert {"pm-7-cities", "dust-warnings"} <= set(found(index, "초미세먼지"))
    # 사고 is indexed from the decompounded 교통사고 and from "보행자 사고".
    assert {"traffic-accidents", "accident-hotspots"} <= set(found(index, "사고"))
    assert "population" in found(index, "인천")  # 인천광역시 -> 인천 + 광역시


def test_terms_are_anded(index: SearchIndex) -> None:
    assert "traffic-volume" in found(index, "교통")
    assert "traffic-volume" not in found(index, "교통사고")
    assert found(index, "주차장 부평구") == ["bupyeong-parking"]
    assert found(index, "미세먼지 주의보") == ["dust-warnings"]
    assert found(index, "미세먼지 주차장") == []


def test_ascii_terms(index: SearchIndex) -> None:
    for q in ("PM10", "pm-10", "PM-2.5", "pm2.5"):
        assert found(index, q) == ["pm-7-cities"], q
    assert found(index, "cctv") == ["cctv"]
    assert found(index, "GRDP") == ["grdp"]


def test_unmatched_and_empty_queries(index: SearchIndex) -> None:
    assert index.search("우주정거장").count == 0
    assert index.search("").count == len(CORPUS)
    assert index.search("*:*").count == len(CORPUS)
    assert index.search("의").count == 0  # only a particle: no terms, so nothing rather than everything


def test_or_in_free_text(index: SearchIndex) -> None:
    assert set(found(index, "cctv OR grdp")) == {"cctv", "grdp"}


# -- filters ----------------------------------------------------------------------------------------------


def ids_where(pred) -> set[str]:  # type: ignore[no-untyped-def]
    return {str(d["id"]) for d in CORPUS if pred(d)}


def test_fq_simple_and_quoted(index: SearchIndex) -> None:
    expect = ids_where(lambda d: d["organization"] == "incheon-env")
    assert set(found(index, fq="organization:incheon-env")) == expect
    assert set(found(index, fq='organization:"incheon-env"')) == expect
    assert set(found(index, fq="tags:미세먼지")) == {"pm-7-cities", "dust-warnings"}


def test_fq_conjunction_negation_or(index: SearchIndex) -> None:
    assert set(found(index, fq="groups:transport AND res_format:JSON")) == {"traffic-volume", "bus-stops"}
    assert set(found(index, fq="groups:transport res_format:JSON")) == {"traffic-volume", "bus-stops"}
    expect = ids_where(lambda d: "교통" in d["tags"] and d["organization"] != "incheon-transport")
    assert set(found(index, fq="tags:교통 -organization:incheon-transport")) == expect
    assert set(found(index, fq="tags:교통 AND NOT organization:incheon-transport")) == expect
    expect = ids_where(lambda d: {"XLSX", "SHP"} & set(d["res_format"]))
    assert set(found(index, fq="res_format:(XLSX OR SHP)")) == expect
    expect = ids_where(lambda d: "CSV" not in d["res_format"])
    assert set(found(index, fq="-res_format:CSV")) == expect
    assert set(found(index, fq="res_format:(CSV AND SHP)")) == {"air-stations", "accident-hotspots"}
    assert len(found(index, fq="res_format:*")) == len(CORPUS)
    assert found(index, fq="-res_format:*") == []
    assert len(found(index, fq="*:* AND +res_format:CSV")) == len(
        ids_where(lambda d: "CSV" in d["res_format"])
    )


def test_fq_combined_with_text(index: SearchIndex) -> None:
    assert found(index, "미세먼지", fq="-tags:미세먼지") == ["air-stations"]
    assert found(index, "교통사고", fq="organization:incheon-police") == ["accident-hotspots"]


def test_field_clauses_in_q(index: SearchIndex) -> None:
    env = ids_where(lambda d: "환경" in d["tags"])
    assert set(found(index, "tags:환경")) == env
    assert set(found(index, "미세먼지 organization:incheon-env")) == {
        "pm-7-cities",
        "dust-warnings",
        "air-stations",
    }
    assert found(index, "미세먼지 -tags:대기질") == ["dust-warnings"]
    # title: restricts the text to one field.
    assert set(found(index, "title:미세먼지")) == {"dust-warnings"}
    assert set(found(index, "미세먼지 -title:미세먼지")) == {"pm-7-cities", "air-stations"}
    # A field-restricted text clause is still ranked by score, not by date.
    by_score = found(index, "title:현황", sort="score desc, metadata_modified desc")
    assert found(index, "title:현황") == by_score != found(index, "title:현황", sort="metadata_modified desc")


@pytest.mark.parametrize(
    "fq",
    [
        "organization:(a b)",
        "organization:(a OR",
        "nosuchfield:x",
        "tags:a OR tags:b",
        "metadata_modified:[* TO NOW]",
        "tags:환*",
        "just some words",
        "tags:a AND",
        "tags:a AND AND tags:b",
        "NOT",
        "NOT *:*",
        "tags:(a OR b",
        "tags:a)",
    ],
)
def test_fq_bad_syntax_raises(index: SearchIndex, fq: str) -> None:
    with pytest.raises(ValueError):
        index.search(fq=fq)


# -- facets -----------------------------------------------------------------------------------------------


def test_facets_over_all_matches(index: SearchIndex) -> None:
    result = index.search("", rows=2, facet_fields=["organization", "res_format"])
    assert len(result.ids) == 2
    assert result.facets["organization"] == dict(
        sorted(Counter(str(d["organization"]) for d in CORPUS).items(), key=lambda kv: (-kv[1], kv[0]))
    )
    assert result.facets["res_format"] == dict(
        sorted(Counter(f for d in CORPUS for f in d["res_format"]).items(), key=lambda kv: (-kv[1], kv[0]))  # type: ignore[attr-defined]
    )
    assert list(result.facets["organization"])[0] == "incheon-city"


def test_facets_follow_query_and_limit(index: SearchIndex) -> None:
    result = index.search("교통", rows=1, facet_fields=["groups", "tags"], facet_limit=2)
    matched = [BY_ID[i] for i in found(index, "교통")]
    assert result.count == len(matched) > 1
    expect = Counter(g for d in matched for g in d["groups"])  # type: ignore[attr-defined]
    assert result.facets["groups"] == dict(sorted(expect.items(), key=lambda kv: (-kv[1], kv[0]))[:2])
    assert len(result.facets["tags"]) == 2


def test_unknown_facet_field_raises(index: SearchIndex) -> None:
    with pytest.raises(ValueError):
        index.search("", facet_fields=["nosuch"])


# -- paging and sorting -----------------------------------------------------------------------------------


@pytest.mark.parametrize(("q", "sort"), [("", ""), ("인천", ""), ("", "name asc"), ("현황", "score desc")])
def test_paging_is_stable(index: SearchIndex, q: str, sort: str) -> None:
    full = index.search(q, rows=100, sort=sort).ids
    pages: list[str] = []
    for start in range(0, len(full) + 3, 3):
        page = index.search(q, rows=3, start=start, sort=sort)
        assert page.count == len(full)
        pages.extend(page.ids)
    assert pages == full
    assert index.search(q, rows=100, sort=sort).ids == full


def test_sort_orders(index: SearchIndex) -> None:
    by_modified = sorted(CORPUS, key=lambda d: str(d["modified"]), reverse=True)
    assert found(index) == [d["id"] for d in by_modified]  # default without q
    assert found(index, sort="metadata_modified desc") == [d["id"] for d in by_modified]
    assert found(index, sort="metadata_modified asc") == [d["id"] for d in reversed(by_modified)]
    assert found(index, sort="title_string asc") == [
        d["id"] for d in sorted(CORPUS, key=lambda d: str(d["title"]))
    ]
    assert found(index, sort="name asc") == sorted(IDS)
    assert found(index, sort="name desc") == sorted(IDS, reverse=True)
    # Ties on the first key fall through to the second.
    assert found(index, "인구", sort="score asc, name asc")[-1] == "population"
    assert found(index, "현황", sort="metadata_modified desc") == [
        d["id"] for d in by_modified if d["id"] in set(found(index, "현황"))
    ]


def test_missing_sort_values_go_last() -> None:
    index = build(CORPUS[:3])
    index.upsert("no-date", index.analyze({"title": "인구 통계"}), {}, {"name": "no-date"})
    assert found(index, sort="metadata_modified desc")[-1] == "no-date"
    assert found(index, sort="metadata_modified asc")[-1] == "no-date"


@pytest.mark.parametrize("sort", ["popularity desc", "name sideways", "name asc,", "name asc desc"])
def test_bad_sort_raises(index: SearchIndex, sort: str) -> None:
    with pytest.raises(ValueError):
        index.search("인구", sort=sort)


def test_negative_paging_raises(index: SearchIndex) -> None:
    with pytest.raises(ValueError):
        index.search("", rows=-1)


# -- mutation ---------------------------------------------------------------------------------------------


def test_upsert_replaces_and_remove_removes() -> None:
    index = build()
    assert len(index) == len(CORPUS)
    before = index.search("", facet_fields=["organization"]).facets["organization"]
    index.upsert(
        "pm-7-cities",
        index.analyze({"title": "하천 수질 측정 결과", "description": "주요 하천의 수질"}),
        {"organization": ["incheon-water"], "res_format": ["CSV"]},
        {"metadata_modified": "2025-01-01", "name": "pm-7-cities"},
    )
    assert len(index) == len(CORPUS)
    assert "pm-7-cities" not in found(index, "미세먼지")
    assert "pm-7-cities" in found(index, "하천 수질")
    assert "pm-7-cities" not in found(index, fq="organization:incheon-env")
    after = index.search("", facet_fields=["organization"]).facets["organization"]
    assert after["incheon-env"] == before["incheon-env"] - 1
    assert after["incheon-water"] == before["incheon-water"] + 1
    assert found(index)[0] == "pm-7-cities"  # newest modified first

    index.remove("pm-7-cities")
    index.remove("pm-7-cities")  # idempotent
    assert len(index) == len(CORPUS) - 1
    assert "pm-7-cities" not in found(index, "수질")
    assert "pm-7-cities" not in found(index)
    assert index.search("", facet_fields=["organization"]).facets["organization"]["incheon-water"] == 1


def test_persisted_terms_round_trip() -> None:
    original = build()
    stored = json.dumps(
        [[str(d["id"]), original.analyze(text_fields(d)), facet_fields(d), sort_fields(d)] for d in CORPUS],
        ensure_ascii=False,
    )
    rebuilt = SearchIndex()
    for doc_id, terms, facets, keys in json.loads(stored):
        rebuilt.upsert(doc_id, terms, facets, keys)
    assert rebuilt._analyzer is None  # rebuilding needed no Kiwi
    assert len(rebuilt) == len(original)
    for q in ("미세먼지", "교통사고", "인구", "주차장 부평구", "pm10", ""):
        a = original.search(q, rows=100, facet_fields=["tags"])
        b = rebuilt.search(q, rows=100, facet_fields=["tags"])
        assert (a.count, a.ids, a.facets) == (b.count, b.ids, b.facets), q


def test_concurrent_searches_see_whole_upserts() -> None:
    index = build()
    errors: list[BaseException] = []
    stop = threading.Event()
    extra = {"title": "미세먼지 경보 이력", "description": "미세먼지 경보"}
    terms = index.analyze(extra)

    def writer() -> None:
        try:
            for i in range(300):
                index.upsert("extra", terms, {"tags": ["미세먼지"], "res_format": ["CSV"]}, {"name": f"x{i}"})
                index.remove("extra")
        except BaseException as exc:  # noqa: BLE001 - collected for the main thread
            errors.append(exc)
        finally:
            stop.set()

    def reader() -> None:
        try:
            while not stop.is_set():
                r = index.search("미세먼지", rows=10, facet_fields=["tags"])
                # Either the extra doc is fully there (text + facet) or fully absent.
                assert r.count in (3, 4)
                assert r.facets["tags"]["미세먼지"] == r.count - 1
                assert ("extra" in r.ids) == (r.count == 4)
        except BaseException as exc:  # noqa: BLE001
            errors.append(exc)

    threads = [threading.Thread(target=writer)] + [threading.Thread(target=reader) for _ in range(3)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert not errors, errors[0]


# -- properties -------------------------------------------------------------------------------------------

_ALPHABET = st.sampled_from(
    list("인천광역시미세먼지교통사고는의가을를에서도 ")
    + list("abcXYZ0129.-_,:\"'()[]{}*?~^+!&|\\/ \t\n")
    + ["仁", "川", "ㄱ", "ㅏ", "ＰＭ", "１", "😀", "\u200b", "\x00"]
)
_TEXT = st.one_of(st.text(max_size=60), st.lists(_ALPHABET, max_size=40).map("".join))


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(text=_TEXT)
def test_terms_never_raise(text: str) -> None:
    terms = ANALYZER.terms(text)
    assert all(isinstance(t, str) and t and not any(c.isspace() for c in t) for t in terms)
    # A document always contains every term a query of its own text looks up.
    assert set(ANALYZER.query_terms(text)) <= set(terms)


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(q=_TEXT)
def test_search_never_raises_on_any_q(index: SearchIndex, q: str) -> None:
    result = index.search(q, rows=5, facet_fields=["tags"])
    assert 0 <= result.count <= len(CORPUS)
    assert len(result.ids) == min(5, result.count)
    assert set(result.ids) <= set(IDS)
