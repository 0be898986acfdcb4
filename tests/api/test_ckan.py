"""The CKAN Action API driven by the real `ckanapi` client over HTTP, on both back ends, against the
seeded hub (the plan's tables and the base layers)."""

from __future__ import annotations

import socket
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import ckanapi
import httpx
import pytest
import uvicorn

from incheon.api.app import create_app
from incheon.hub.auth import Principal
from incheon.hub.hub import Hub
from incheon.seed.loader import seed_all
from tests.conftest import make_settings


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Live:
    def __init__(self, url: str, hub: Hub, keys: dict[str, str]) -> None:
        self.url, self.hub, self.keys = url, hub, keys

    def ckan(self, who: str | None = None) -> ckanapi.RemoteCKAN:
        return ckanapi.RemoteCKAN(self.url, apikey=self.keys.get(who) if who else None)


@pytest.fixture(scope="module", params=["duckdb", "postgres"])
def live(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Live]:
    settings = make_settings(request.param, tmp_path_factory.mktemp(request.param), request)
    (settings.data_dir / "tmp").mkdir(parents=True, exist_ok=True)
    hub = Hub(settings)
    seed_all(hub, log=lambda *_: None)
    admin = Principal(user_id="t", name="test-admin", sysadmin=True)
    keys = {}
    hub.auth.create_user("planner")
    hub.auth.set_membership("planner", hub.catalog.organization("incheon-city")["id"], "editor")
    keys["planner"] = hub.auth.create_key("planner")
    hub.catalog.create_organization(admin, {"name": "bupyeong-data", "title": "부평구 데이터"})
    hub.auth.create_user("outsider")
    hub.auth.set_membership("outsider", hub.catalog.organization("bupyeong-data")["id"], "editor")
    keys["outsider"] = hub.auth.create_key("outsider")
    port = _free_port()
    server = uvicorn.Server(
        uvicorn.Config(create_app(settings, hub), host="127.0.0.1", port=port, log_level="error")
    )
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    for _ in range(100):
        if server.started:
            break
        time.sleep(0.05)
    yield Live(f"http://127.0.0.1:{port}", hub, keys)
    server.should_exit = True
    thread.join(10)


def rid_of(live: Live, name: str) -> str:
    return live.ckan().action.package_show(id=name)["resources"][0]["id"]


def test_package_list_has_the_seed(live: Live) -> None:
    names = live.ckan().action.package_list()
    assert len(names) >= 27
    for expected in (
        "plan-v-tasks",
        "plan-v-1-budget",
        "plan-ii-23-population-by-district",
        "incheon-districts",
        "incheon-admin-dong-centroids",
        "plan-ii-41-pm10-pm25-seven-cities",
    ):
        assert expected in names


@pytest.mark.parametrize(
    "q, expected, absent",
    [
        ("미세먼지", "plan-ii-41-pm10-pm25-seven-cities", "plan-ii-38-traffic-accidents"),
        ("교통사고", "plan-ii-38-traffic-accidents", "plan-ii-41-pm10-pm25-seven-cities"),
        ("인구", "plan-ii-23-population-by-district", "plan-ii-38-traffic-accidents"),
    ],
)
def test_korean_search(live: Live, q: str, expected: str, absent: str) -> None:
    result = live.ckan().action.package_search(q=q, rows=50)
    names = [d["name"] for d in result["results"]]
    assert expected in names[:3]
    assert absent not in names
    assert result["count"] == len(names)


def test_search_filters_facets_paging_sort(live: Live) -> None:
    c = live.ckan()
    r = c.action.package_search(
        fq="groups:transport", rows=100, **{"facet.field": ["groups", "organization"]}
    )
    assert r["count"] >= 3
    assert all(any(g["name"] == "transport" for g in d["groups"]) for d in r["results"])
    assert r["facets"]["groups"] == {"transport": r["count"]}
    everything = c.action.package_search(rows=1000, sort="name asc")
    names = [d["name"] for d in everything["results"]]
    assert names == sorted(names)
    page = c.action.package_search(rows=5, start=5, sort="name asc")
    assert [d["name"] for d in page["results"]] == names[5:10]
    with pytest.raises(ckanapi.errors.CKANAPIError):
        c.action.package_search(fq="groups:(transport", rows=1)


def test_package_show_metadata(live: Live) -> None:
    d = live.ckan().action.package_show(id="plan-ii-23-population-by-district")
    assert d["title"] and d["title_en"]
    assert d["license_id"] == "kogl-type1" and d["license_title"].startswith("공공누리")
    assert "표 II-23" in d["source"]
    assert d["organization"]["name"] == "incheon-city"
    res = d["resources"][0]
    assert res["datastore_active"] and res["rows"] == 11
    assert {"id": "sgg_code", "type": "text"}.items() <= next(
        f for f in res["fields"] if f["id"] == "sgg_code"
    ).items()
    with pytest.raises(ckanapi.NotFound):
        live.ckan().action.package_show(id="no-such-dataset")


def test_organizations_and_groups(live: Live) -> None:
    c = live.ckan()
    orgs = c.action.organization_list()
    assert "incheon-city" in orgs and "incheon-bupyeonggu" in orgs
    city = c.action.organization_show(id="incheon-city", include_datasets=True)
    assert city["package_count"] >= 27 and len(city["packages"]) == city["package_count"]
    groups = c.action.group_list(all_fields=True)
    assert {g["name"] for g in groups} >= {"transport", "environment", "administration"}
    assert c.action.license_list()[0]["id"] == "kogl-type1"


def test_datastore_search(live: Live) -> None:
    c = live.ckan()
    rid = rid_of(live, "plan-ii-23-population-by-district")
    r = c.action.datastore_search(resource_id=rid, filters={"sgg_code": "28260"})
    assert r["total"] == 1 and r["records"][0]["pop_2023_oct"] == 621152
    r = c.action.datastore_search(resource_id=rid, q="부평", fields=["name_ko", "pop_2022"])
    assert [rec["name_ko"] for rec in r["records"]] == ["부평구"] and set(r["records"][0]) == {
        "name_ko",
        "pop_2022",
    }
    r = c.action.datastore_search(resource_id=rid, sort="pop_2022 desc", limit=2, offset=1)
    assert r["total"] == 11 and len(r["records"]) == 2
    assert r["records"][0]["pop_2022"] >= r["records"][1]["pop_2022"]
    with pytest.raises(ckanapi.ValidationError):
        c.action.datastore_search(resource_id=rid, filters={"nope": 1})
    with pytest.raises(ckanapi.ValidationError):
        c.action.datastore_search(resource_id=rid, filters={"pop_2022": "many"})


def test_datastore_search_sql_is_sandboxed(live: Live) -> None:
    c = live.ckan()
    rid = rid_of(live, "plan-v-1-budget")
    r = c.action.datastore_search_sql(sql=f'SELECT count(*) AS n FROM "{rid}"')
    assert r["records"][0]["n"] > 45
    for bad in (
        "SELECT * FROM hub.api_keys",
        "SELECT * FROM read_csv('/etc/passwd')",
        f'DELETE FROM "{rid}"',
        f'SELECT 1; SELECT * FROM "{rid}"',
        "SELECT pg_read_file('/etc/passwd')",
        "SELECT getenv('HOME')",
        "SELECT * FROM information_schema.tables",
    ):
        with pytest.raises((ckanapi.NotAuthorized, ckanapi.ValidationError)):
            c.action.datastore_search_sql(sql=bad)


def test_budget_reconciles_to_table_v1(live: Live) -> None:
    tasks = rid_of(live, "plan-v-tasks")
    r = live.ckan().action.datastore_search_sql(
        sql=f"SELECT count(*) AS n, sum(budget_2024) AS y24, sum(budget_2025) AS y25, sum(budget_2026) AS y26, "
        f'sum(budget_total) AS total FROM "{tasks}"'
    )
    row = r["records"][0]
    assert (row["n"], row["y24"], row["y25"], row["y26"], row["total"]) == (45, 46571, 38264, 38901, 123736)


def test_quality_flags_the_plan_inconsistency(live: Live) -> None:
    rid = rid_of(live, "plan-ii-38-traffic-accidents")
    q = live.ckan().action.resource_quality_show(id=rid)
    flagged = [i for i in q["issues"] if i["check"] == "consistency"]
    assert any(i.get("expected") == 119 and i.get("actual") == 118 for i in flagged)
    assert q["score"] < 100


def test_district_aggregate(live: Live) -> None:
    rid = rid_of(live, "plan-ii-23-population-by-district")
    rows = live.ckan().action.district_aggregate(id=rid, value="pop_2022", func="sum")
    by = {r["sgg_code"]: r["value"] for r in rows}
    assert len(by) == 10 and by["28260"] == 589013 and sum(by.values()) == 2967314
    dongs = rid_of(live, "incheon-admin-dong-centroids")
    counts = {r["sgg_code"]: r["rows"] for r in live.ckan().action.district_aggregate(id=dongs, func="count")}
    assert counts["28177"] > 40  # 미추홀구 gets its dongs and the historical 남구 (2817x) codes


def test_publish_via_ckanapi(live: Live, tmp_path: Path) -> None:
    pub = live.ckan("planner")
    ds = pub.action.package_create(
        name="test-parking-usage",
        title="주차장 이용 현황 (시험용 합성 데이터)",
        owner_org="incheon-city",
        groups=[{"name": "transport"}],
        tags=[{"name": "주차장"}],
        license_id="kogl-type1",
        spatial=["28237"],
    )
    csv_path = tmp_path / "주차장.csv"
    csv_path.write_bytes(
        '군구,주차면수,기준일\n부평구,"1,200",2024.01.31\n서구,800,2024.01.31\n'.encode("cp949")
    )
    with csv_path.open("rb") as fh:
        res = pub.action.resource_create(package_id=ds["id"], name="주차장", upload=fh)
    assert res["version"] == 1 and res["rows"] == 2
    types = {f["id"]: f["native_type"] for f in res["fields"]}
    assert types["주차면수"] == "BIGINT" and types["기준일"] == "DATE"
    found = live.ckan().action.package_search(q="주차장 이용")
    assert "test-parking-usage" in [d["name"] for d in found["results"]]
    with pytest.raises(ckanapi.ValidationError):
        pub.action.package_create(name="bad-licence", title="x", owner_org="incheon-city", license_id="cc-by")
    with pytest.raises(ckanapi.NotAuthorized):
        live.ckan().action.package_create(name="anon", title="x", owner_org="incheon-city")
    with pytest.raises(ckanapi.NotAuthorized):
        live.ckan("outsider").action.package_patch(id=ds["id"], title="hijack")
    with pytest.raises(ckanapi.NotAuthorized):
        ckanapi.RemoteCKAN(live.url, apikey="inch_0000_wrong").action.package_list()


def test_plan_indicators_api(live: Live) -> None:
    base = live.url + "/api/plan"
    tasks = httpx.get(base + "/tasks").json()
    assert len(tasks) == 45
    body = {
        "name_ko": "개방 데이터셋 수",
        "unit": "개",
        "baseline": 0,
        "baseline_year": 2023,
        "values": [{"year": 2024, "target": 30}, {"year": 2025, "target": 60, "actual": 41}],
    }
    assert httpx.post(base + "/tasks/1-1-1/indicators", json=body).status_code == 403
    r = httpx.post(
        base + "/tasks/1-1-1/indicators", json=body, headers={"Authorization": live.keys["planner"]}
    )
    assert r.status_code == 201, r.text
    iid = r.json()["id"]
    r = httpx.put(
        f"{base}/indicators/{iid}/values",
        json=[{"year": 2025, "target": 60, "actual": 55}],
        headers={"Authorization": live.keys["planner"]},
    )
    assert {v["year"]: v["actual"] for v in r.json()["values"]} == {2024: None, 2025: 55}
    assert httpx.get(base + "/tasks/9-9-9").status_code == 404
    assert (
        httpx.post(
            base + "/tasks/1-1-1/indicators",
            json={"name_ko": ""},
            headers={"Authorization": live.keys["planner"]},
        ).status_code
        == 422
    )


def test_openapi_and_no_key_leaks(live: Live) -> None:
    doc = httpx.get(live.url + "/openapi.json").json()
    assert "/api/3/action/package_search" in doc["paths"]
    assert "/api/3/action/datastore_search_sql" in doc["paths"]
    bodies = [
        httpx.get(live.url + path).text
        for path in (
            "/api/3/action/package_search?rows=1000",
            "/api/3/action/organization_list?all_fields=true",
            "/openapi.json",
        )
    ]
    for key in live.keys.values():
        assert all(key not in b and key.split("_", 2)[2] not in b for b in bodies)
    rows = live.hub.store.query("SELECT hash FROM hub.api_keys")
    assert rows and all(len(h) == 64 and h not in live.keys.values() for (h,) in rows)


def test_download_streams_csv_with_bom(live: Live) -> None:
    rid = rid_of(live, "plan-ii-23-population-by-district")
    r = httpx.get(f"{live.url}/download/{rid}.csv")
    assert r.status_code == 200 and r.content.startswith("\ufeff".encode())
    lines = r.content.decode("utf-8-sig").splitlines()
    assert lines[0].startswith("_id,sgg_code,name_ko") and len(lines) == 12
    assert any(line.startswith("10,28260,서구") for line in lines)
    missing = httpx.get(f"{live.url}/download/{rid}.csv?version=99")
    assert missing.status_code == 404 and "message_ko" in missing.json()["error"]


def test_unexpected_and_invalid_requests_get_bilingual_errors(live: Live) -> None:
    r = httpx.post(live.url + "/api/plan/tasks/1-1-1/indicators", json={"name_ko": 5},
                   headers={"Authorization": live.keys["planner"]})
    assert r.status_code == 422
    err = r.json()["error"]
    assert err["message_ko"].startswith("요청 값") and err["message_en"].startswith("Invalid")
    r = httpx.post(live.url + "/api/3/action/package_create", content=b"{not json",
                   headers={"Authorization": live.keys["planner"], "Content-Type": "application/json"})
    assert r.status_code == 400 and r.json()["success"] is False


def test_api_index_is_offline_html(live: Live) -> None:
    r = httpx.get(live.url + "/api")
    assert r.status_code == 200 and r.headers["content-type"].startswith("text/html")
    assert "package_search" in r.text and '<html lang="ko">' in r.text
    assert "cdn" not in r.text.lower() and "http://" not in r.text.replace(live.url, "") and "https://" not in r.text
    assert httpx.get(live.url + "/docs").status_code == 404


def test_admin_actions(live: Live) -> None:
    live.hub.auth.create_user("root-admin", sysadmin=True)
    admin_key = live.hub.auth.create_key("root-admin")
    admin = ckanapi.RemoteCKAN(live.url, apikey=admin_key)
    live.hub.auth.create_user("newcomer")
    r = admin.action.organization_member_create(id="bupyeong-data", username="newcomer", role="editor")
    assert r["capacity"] == "editor"
    log = admin.action.audit_list(limit=500)
    assert any(e["action"] == "membership.set" for e in log)
    assert any(e["action"] == "resource.version_published" for e in log)
    assert all("inch_" not in str(e) for e in log)
    with pytest.raises(ckanapi.NotAuthorized):
        live.ckan("planner").action.audit_list()
    with pytest.raises(ckanapi.NotAuthorized):
        live.ckan("planner").action.organization_member_create(id="incheon-city", username="newcomer")


def test_datastore_row_ids(live: Live) -> None:
    """`_id` is the row's number in the file, on both back ends, for filters, sort and paging."""
    c = live.ckan()
    rid = rid_of(live, "plan-ii-23-population-by-district")
    first = c.action.datastore_search(resource_id=rid, limit=3)
    assert [r["_id"] for r in first["records"]] == [1, 2, 3]
    assert first["records"][0]["name_ko"] == "강화군"  # the table's first printed row
    r = c.action.datastore_search(resource_id=rid, filters={"_id": [2, 11]}, fields=["_id", "name_ko"])
    assert [(x["_id"], x["name_ko"]) for x in r["records"]] == [(2, "옹진군"), (11, "계")]
    desc = c.action.datastore_search(resource_id=rid, sort="_id desc", limit=2, offset=1)
    assert [x["_id"] for x in desc["records"]] == [10, 9]


def test_usage_counts(live: Live) -> None:
    c = live.ckan()
    name = "plan-ii-42-schools"
    before = c.action.usage_show(id=name)
    rid = rid_of(live, name)  # one package_show: an API read
    for _ in range(3):
        assert httpx.get(f"{live.url}/download/{rid}.csv").status_code == 200
    after = c.action.usage_show(id=name)
    assert after["download"]["total"] == before["download"]["total"] + 3
    assert after["api"]["total"] >= before["api"]["total"] + 1
    pkg = c.action.package_show(id=name, include_tracking=True)
    assert set(pkg["tracking_summary"]) == {"total", "recent"} and pkg["usage"]["download"]["recent"] >= 3
