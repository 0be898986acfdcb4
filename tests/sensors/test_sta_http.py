"""SensorThings over raw HTTP on both back ends: paths, $filter, geo, $expand, paging, dataArray, errors,
auth on writes."""

from __future__ import annotations

from fastapi.testclient import TestClient

from tests.sensors.conftest import STA


def names(r) -> list[str]:  # noqa: ANN001
    assert r.status_code == 200, r.text
    return [v["name"] for v in r.json()["value"]]


def test_service_root(client: TestClient) -> None:
    body = client.get(STA).json()
    assert {v["name"] for v in body["value"]} >= {"Things", "Datastreams", "Observations", "FeaturesOfInterest"}
    assert any("create-update-delete" in c for c in body["serverSettings"]["conformance"])


def test_deep_insert_and_navigation(client: TestClient, network: list[int]) -> None:
    things = client.get(f"{STA}/Things").json()["value"]
    assert len(things) == 3
    t = things[0]
    assert t["Locations@iot.navigationLink"].endswith(f"/Things({t['@iot.id']})/Locations")
    locs = client.get(f"{STA}/Things({t['@iot.id']})/Locations").json()["value"]
    assert locs[0]["location"]["type"] == "Point"
    hist = client.get(f"{STA}/Things({t['@iot.id']})/HistoricalLocations").json()["value"]
    assert len(hist) == 1
    obs = client.get(f"{STA}/Datastreams({network[0]})/Observations").json()["value"]
    assert [o["result"] for o in obs] == [1.2, 1.5, 2.1, 2.8]
    foi = client.get(f"{STA}/Observations({obs[0]['@iot.id']})/FeatureOfInterest").json()
    assert foi["feature"]["coordinates"] == [126.7236, 37.5079]
    ds = client.get(f"{STA}/Datastreams({network[0]})").json()
    assert ds["phenomenonTime"] == "2026-07-01T00:00:00Z/2026-07-01T03:00:00Z"
    assert client.get(f"{STA}/Datastreams({network[0]})/Thing/name").json() == {"name": t["name"]}
    assert client.get(f"{STA}/Datastreams({network[0]})/Sensor/name/$value").text == "수위 센서"
    refs = client.get(f"{STA}/Things({t['@iot.id']})/Datastreams/$ref").json()["value"]
    assert refs == [{"@iot.selfLink": f"http://testserver{STA}/Datastreams({network[0]})"}]
    ref = client.get(f"{STA}/Datastreams({network[0]})/Thing/$ref").json()
    assert ref == {"@iot.selfLink": f"http://testserver{STA}/Things({t['@iot.id']})"}


def test_filters(client: TestClient, network: list[int]) -> None:
    ds = network[0]
    obs = f"{STA}/Datastreams({ds})/Observations"

    def results(f: str) -> list[float]:
        r = client.get(obs, params={"$filter": f})
        assert r.status_code == 200, r.text
        return [o["result"] for o in r.json()["value"]]

    assert results("result gt 1.5") == [2.1, 2.8]
    assert results("result ge 1.5 and result lt 2.8") == [1.5, 2.1]
    assert results("result lt 1.3 or result eq 2.8") == [1.2, 2.8]
    assert results("not (result gt 1.3)") == [1.2]
    assert results("result mul 10 gt 20 and result sub 2 lt 0.5") == [2.1]
    assert results("result div 2 ge 1.4") == [2.8]
    assert results("phenomenonTime ge 2026-07-01T02:00:00Z") == [2.1, 2.8]
    assert results("hour(phenomenonTime) eq 1") == [1.5]
    assert results("year(phenomenonTime) eq 2026 and month(phenomenonTime) eq 7 and day(phenomenonTime) eq 1") == [
        1.2, 1.5, 2.1, 2.8,
    ]  # fmt: skip
    assert results("Datastream/id eq " + str(ds) + " and result le 1.2") == [1.2]
    assert results("Datastream/Thing/name eq '수위계 굴포천-1' and result gt 2.5") == [2.8]
    assert names(client.get(f"{STA}/Things", params={"$filter": "startswith(name, '수위계')"})) == [
        "수위계 굴포천-1", "수위계 승기천-2",
    ]  # fmt: skip
    assert names(client.get(f"{STA}/Things", params={"$filter": "endswith(name, '송도')"})) == ["대기측정소 송도"]
    assert names(client.get(f"{STA}/Things", params={"$filter": "substringof('승기', name)"})) == ["수위계 승기천-2"]
    assert names(client.get(f"{STA}/Things", params={"$filter": "contains(tolower(description), 'synthetic')"}))
    assert names(client.get(f"{STA}/Things", params={"$filter": "properties/district eq '연수구'"})) == [
        "수위계 승기천-2", "대기측정소 송도",
    ]  # fmt: skip
    assert len(names(client.get(f"{STA}/Things", params={"$filter": "properties/depth eq 3"}))) == 3
    assert names(client.get(f"{STA}/ObservedProperties", params={"$filter": "length(name) eq 4"})) == ["PM10"]
    assert names(client.get(f"{STA}/Sensors", params={"$filter": "description eq null"})) == []
    # many-valued navigation: any related row
    f = "Datastreams/ObservedProperty/name eq 'PM10'"
    assert names(client.get(f"{STA}/Things", params={"$filter": f})) == ["대기측정소 송도"]
    f = "Datastreams/Observations/result gt 2.5 and Locations/name ne 'x'"
    assert names(client.get(f"{STA}/Things", params={"$filter": f})) == ["수위계 굴포천-1", "대기측정소 송도"]
    f = "100 lt Datastreams/Observations/result"
    assert names(client.get(f"{STA}/Things", params={"$filter": f})) == ["대기측정소 송도"]


def test_geo_functions(client: TestClient, network: list[int]) -> None:
    # a box over Bupyeong (the 굴포천 gauge only)
    box = "geography'POLYGON((126.70 37.48, 126.76 37.48, 126.76 37.53, 126.70 37.53, 126.70 37.48))'"
    assert names(client.get(f"{STA}/Locations", params={"$filter": f"st_within(location, {box})"})) == [
        "수위계 굴포천-1 위치"
    ]
    r = client.get(f"{STA}/Locations", params={"$filter": f"st_intersects(location, {box})"})
    assert len(names(r)) == 1
    r = client.get(f"{STA}/Locations", params={"$filter": f"st_disjoint(location, {box})"})
    assert len(names(r)) == 2
    near = "geo.distance(location, geography'POINT(126.656 37.389)') lt 0.01"
    assert names(client.get(f"{STA}/Locations", params={"$filter": near})) == ["대기측정소 송도 위치"]
    r = client.get(f"{STA}/Observations", params={"$filter": f"st_within(FeatureOfInterest/feature, {box})"})
    assert [o["result"] for o in r.json()["value"]] == [1.2, 1.5, 2.1, 2.8]
    # Things by their Locations (any of them)
    r = client.get(f"{STA}/Things", params={"$filter": f"st_within(Locations/location, {box})"})
    assert names(r) == ["수위계 굴포천-1"]
    r = client.get(f"{STA}/Things", params={"$filter": f"not st_intersects(Locations/location, {box})"})
    assert names(r) == ["수위계 승기천-2", "대기측정소 송도"]
    # a triangle whose bounding box holds all three points but whose area holds only 송도
    tri = "geography'POLYGON((126.60 37.35, 126.80 37.35, 126.60 37.55, 126.60 37.35))'"
    assert names(client.get(f"{STA}/Locations", params={"$filter": f"st_within(location, {tri})"})) == [
        "수위계 승기천-2 위치", "대기측정소 송도 위치",
    ]  # fmt: skip


def test_expand_select_orderby(client: TestClient, network: list[int]) -> None:
    r = client.get(
        f"{STA}/Things",
        params={
            "$expand": "Locations,Datastreams($select=name,id;$expand=Observations($orderby=result desc;$top=2))",
            "$select": "name,Datastreams,Locations",
            "$orderby": "name desc",
        },
    )
    assert r.status_code == 200, r.text
    things = r.json()["value"]
    assert [t["name"] for t in things] == ["수위계 승기천-2", "수위계 굴포천-1", "대기측정소 송도"]
    assert "@iot.id" not in things[0] and "description" not in things[0]
    ds = things[1]["Datastreams"][0]
    assert set(ds) >= {"name", "@iot.id", "Observations"} and "unitOfMeasurement" not in ds
    assert [o["result"] for o in ds["Observations"]] == [2.8, 2.1]
    nxt = ds["Observations@iot.nextLink"].replace("http://testserver", "")
    assert [o["result"] for o in client.get(nxt).json()["value"]] == [1.5, 1.2]
    assert things[1]["Locations"][0]["location"]["coordinates"] == [126.7236, 37.5079]
    r = client.get(f"{STA}/Observations", params={"$expand": "Datastream/ObservedProperty", "$top": 1})
    assert r.json()["value"][0]["Datastream"]["ObservedProperty"]["name"] == "수위"


def test_paging_count_and_next_link(client: TestClient, network: list[int]) -> None:
    r = client.get(f"{STA}/Observations", params={"$top": 4, "$orderby": "phenomenonTime desc,result"}).json()
    assert "@iot.count" not in r
    seen = [o["@iot.id"] for o in r["value"]]
    url = r["@iot.nextLink"]
    while url:
        page = client.get(url.replace("http://testserver", "")).json()
        seen += [o["@iot.id"] for o in page["value"]]
        url = page.get("@iot.nextLink")
    assert len(seen) == len(set(seen)) == 9
    r = client.get(f"{STA}/Observations", params={"$count": "true", "$top": 2, "$skip": 1}).json()
    assert r["@iot.count"] == 9 and len(r["value"]) == 2
    r = client.get(f"{STA}/Observations", params={"$top": 0, "$count": "true"}).json()
    assert r == {"@iot.count": 9, "value": []}
    r = client.get(f"{STA}/Datastreams({network[2]})/Observations", params={"$count": "true"}).json()
    assert r["@iot.count"] == 3 and "@iot.nextLink" not in r


def test_data_array(client: TestClient, admin: dict[str, str], network: list[int]) -> None:
    ds = network[1]
    body = [
        {
            "Datastream": {"@iot.id": ds},
            "components": ["phenomenonTime", "result"],
            "dataArray": [["2026-07-02T00:00:00Z", 0.9], ["2026-07-02T01:00:00Z", 1.1], ["not a time", 1]],
        }
    ]
    r = client.post(f"{STA}/CreateObservations", json=body, headers=admin)
    assert r.status_code == 201, r.text
    links = r.json()
    assert links[2] == "error" and links[0].startswith("http://testserver/sta/v1.1/Observations(")
    r = client.get(
        f"{STA}/Datastreams({ds})/Observations",
        params={"$resultFormat": "dataArray", "$select": "phenomenonTime,result", "$orderby": "phenomenonTime"},
    ).json()
    block = r["value"][0]
    assert block["components"] == ["phenomenonTime", "result"]
    assert block["dataArray"][-2:] == [["2026-07-02T00:00:00Z", 0.9], ["2026-07-02T01:00:00Z", 1.1]]
    assert block["dataArray@iot.count"] == 4


def test_patch_and_delete_cascade(client: TestClient, admin: dict[str, str], network: list[int]) -> None:
    ds = network[0]
    r = client.patch(f"{STA}/Datastreams({ds})", json={"name": "굴포천 수위 (m)"}, headers=admin)
    assert r.status_code == 200 and r.json()["name"] == "굴포천 수위 (m)"
    thing = client.get(f"{STA}/Datastreams({ds})/Thing").json()["@iot.id"]
    r = client.patch(
        f"{STA}/Things({thing})",
        json={"Locations": [{"name": "이전 위치", "description": "-", "encodingType": "application/geo+json",
                             "location": {"type": "Point", "coordinates": [126.73, 37.51]}}]},
        headers=admin,
    )  # fmt: skip
    assert r.status_code == 200, r.text
    assert len(client.get(f"{STA}/Things({thing})/HistoricalLocations").json()["value"]) == 2
    assert names(client.get(f"{STA}/Things({thing})/Locations")) == ["이전 위치"]
    assert client.delete(f"{STA}/Things({thing})", headers=admin).status_code == 200
    assert client.get(f"{STA}/Things({thing})").status_code == 404
    assert client.get(f"{STA}/Datastreams({ds})").status_code == 404
    assert client.get(f"{STA}/Observations", params={"$count": "true"}).json()["@iot.count"] == 5


def test_writes_need_an_administrator(client: TestClient, keys: dict[str, str], network: list[int]) -> None:
    body = {"name": "x", "description": "y"}
    r = client.post(f"{STA}/Things", json=body)
    assert r.status_code == 401 and r.json()["type"] == "error"
    r = client.post(f"{STA}/Things", json=body, headers={"Authorization": keys["pub"]})
    assert r.status_code == 403 and " / " in r.json()["message"]
    assert client.delete(f"{STA}/Datastreams({network[0]})").status_code == 401
    assert client.patch(f"{STA}/Datastreams({network[0]})", json={"name": "n"}).status_code == 401
    r = client.post(f"{STA}/Things", json=body, headers={"Authorization": "inch_bad_key"})
    assert r.status_code == 403


def test_errors(client: TestClient, admin: dict[str, str], network: list[int]) -> None:
    for params in (
        {"$filter": "name eq"},
        {"$filter": "nosuch eq 1"},
        {"$filter": "name eq 'x' and"},
        {"$filter": "name gt 3"},
        {"$filter": "unknownfn(name)"},
        {"$top": "-1"},
        {"$orderby": "nosuch"},
        {"$expand": "Nothing"},
        {"$select": "nosuch"},
        {"$count": "maybe"},
        {"$unknown": "1"},
    ):
        r = client.get(f"{STA}/Things", params=params)
        assert r.status_code == 400, (params, r.text)
        body = r.json()
        assert body["code"] == 400 and body["type"] == "error" and " / " in body["message"]
    for f in ("properties/district gt 3", "result div 0 gt 1"):  # PostgreSQL refuses these; DuckDB gives null
        r = client.get(f"{STA}/Things" if "properties" in f else f"{STA}/Observations", params={"$filter": f})
        assert r.status_code in (200, 400), r.text
        assert r.status_code == 200 or r.json()["code"] == 400
    assert client.get(f"{STA}/Things(999)").json()["code"] == 404
    assert client.get(f"{STA}/Nothing").status_code == 404
    assert client.get(f"{STA}/Things(1)/Nothing").status_code == 404
    r = client.post(f"{STA}/Things", json={"description": "no name"}, headers=admin)
    assert r.status_code == 400 and "name" in r.json()["message"]
    r = client.patch(f"{STA}/Datastreams({network[0]})", json={"unitOfMeasurement": "m"}, headers=admin)
    assert r.status_code == 400 and "unitOfMeasurement" in r.json()["message"]
    r = client.patch(f"{STA}/Datastreams({network[0]})", json={"name": None}, headers=admin)
    assert r.status_code == 400
    r = client.post(f"{STA}/Observations", json={"result": 1, "Datastream": {"@iot.id": 999}}, headers=admin)
    assert r.status_code == 404
    r = client.post(f"{STA}/Datastreams({network[0]})/Observations", json={"result": 3.3}, headers=admin)
    assert r.status_code == 201, r.text
    assert r.json()["result"] == 3.3
    r = client.post(f"{STA}/Things", content=b"{not json", headers={**admin, "content-type": "application/json"})
    assert r.status_code == 400


def test_deep_insert_with_two_of_everything(client: TestClient, admin: dict[str, str]) -> None:
    from tests.sensors.conftest import thing_body

    body = thing_body("하수관로 SW-7", 126.70, 37.47, "관로 수위", "m")
    body["Locations"].append({**body["Locations"][0], "name": "보조 위치"})
    second = {**body["Datastreams"][0], "name": "H2S"}
    second["ObservedProperty"] = {"name": "H2S", "definition": "urn:incheon:h2s", "description": "황화수소"}
    second["Observations"] = [
        {"phenomenonTime": "2026-07-01T00:00:00Z", "result": 0.4},
        {"phenomenonTime": "2026-07-01T00:10:00Z/2026-07-01T00:20:00Z", "result": 0.9, "parameters": {"q": 1}},
    ]
    body["Datastreams"].append(second)
    r = client.post(f"{STA}/Things", json=body, headers=admin)
    assert r.status_code == 201, r.text
    tid = r.json()["@iot.id"]
    assert r.headers["location"].endswith(f"/Things({tid})")
    assert len(client.get(f"{STA}/Things({tid})/Locations").json()["value"]) == 2
    hist = client.get(f"{STA}/Things({tid})/HistoricalLocations", params={"$expand": "Locations"}).json()["value"]
    assert len(hist) == 1 and len(hist[0]["Locations"]) == 2
    ds = client.get(f"{STA}/Things({tid})/Datastreams", params={"$filter": "name eq 'H2S'"}).json()["value"][0]
    assert ds["phenomenonTime"] == "2026-07-01T00:00:00Z/2026-07-01T00:20:00Z"
    obs = client.get(f"{STA}/Datastreams({ds['@iot.id']})/Observations").json()["value"]
    assert obs[1]["phenomenonTime"] == "2026-07-01T00:10:00Z/2026-07-01T00:20:00Z" and obs[1]["parameters"] == {"q": 1}
    assert obs[0]["FeatureOfInterest@iot.navigationLink"]
    # a second Observation reuses the FeatureOfInterest made from the Location
    assert client.get(f"{STA}/FeaturesOfInterest", params={"$count": "true"}).json()["@iot.count"] == 1
