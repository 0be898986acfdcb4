"""Publishing over HTTP (CKAN Action API, multipart uploads), on both back ends: versions, refused versions
that leave the current one untouched, schema re-inference, dry runs, permissions, size limits, the audit
log, and no API key in any response."""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from typing import Any

import httpx
import pytest
from fastapi.testclient import TestClient

from incheon.hub import audit
from incheon.hub.hub import Hub

V1 = '군구,인구,기준일\n부평구,"490,000",2024.01.31\n서구,"600,000",2024.01.31\n남구,"400,000",2024.01.31\n'
V2 = V1 + '강화군,"70,000",2024.01.31\n'
V1_RECORDS = [
    {"_id": 1, "군구": "부평구", "인구": 490000, "기준일": "2024-01-31", "_sgg_code": "28237"},
    {"_id": 2, "군구": "서구", "인구": 600000, "기준일": "2024-01-31", "_sgg_code": "28260"},
    {"_id": 3, "군구": "남구", "인구": 400000, "기준일": "2024-01-31", "_sgg_code": "28177"},
]
HANGUL = re.compile(r"[가-힣]")


class Api:
    """The test client, recording every response so that no test can leak a key unnoticed."""

    def __init__(self, client: TestClient, keys: dict[str, str]) -> None:
        self.client = client
        self.keys = keys
        self.responses: list[httpx.Response] = []

    def call(
        self,
        action: str,
        who: str | None = "pub",
        *,
        upload: tuple[str, bytes] | None = None,
        status: int = 200,
        **params: Any,
    ) -> dict[str, Any]:
        headers = {"Authorization": self.keys[who]} if who else {}
        url = f"/api/3/action/{action}"
        if upload is not None:
            name, data = upload
            form = {
                k: v if isinstance(v, str) else json.dumps(v, ensure_ascii=False) for k, v in params.items()
            }
            resp = self.client.post(
                url, data=form, files={"upload": (name, data, "text/csv")}, headers=headers
            )
        else:
            resp = self.client.post(url, json=params, headers=headers)
        self.responses.append(resp)
        assert resp.status_code == status, resp.text
        body = resp.json()
        assert body["success"] is (status == 200), body
        return body["result"] if status == 200 else body["error"]

    def assert_no_key_leaked(self) -> None:
        assert self.responses
        for resp in self.responses:
            text = resp.text + "".join(f"{k}: {v}" for k, v in resp.headers.items())
            for key in self.keys.values():
                assert key not in text
                # Not even the secret part of it (keys are inch_<prefix>_<secret>).
                assert key.split("_", 2)[2] not in text


@pytest.fixture
def api(client: TestClient, keys: dict[str, str]) -> Iterator[Api]:
    a = Api(client, keys)
    yield a
    a.assert_no_key_leaked()


@pytest.fixture
def dataset(api: Api) -> dict[str, Any]:
    return api.call(
        "package_create",
        name="incheon-population",
        title="인천광역시 군·구별 인구",
        owner_org="city-data",
        tags=["인구"],
    )


def publish_v1(api: Api, dataset: dict[str, Any]) -> dict[str, Any]:
    return api.call(
        "resource_create",
        upload=("인구.csv", V1.encode("cp949")),
        package_id=dataset["id"],
        name="군·구별 인구",
    )


def records(api: Api, rid: str, **params: Any) -> list[dict[str, Any]]:
    return api.call("datastore_search", None, resource_id=rid, **params)["records"]


def test_publish_search_and_a_second_version(api: Api, dataset: dict[str, Any], hub: Hub) -> None:
    res = publish_v1(api, dataset)
    assert res["version"] == 1
    assert res["rows"] == 3
    assert res["encoding"] == "cp949"
    assert res["name"] == "군·구별 인구"
    assert res["datastore_active"] is True
    assert res["package_id"] == dataset["id"]
    fields = {f["id"]: f["type"] for f in res["fields"]}
    assert fields == {"_id": "int", "군구": "text", "인구": "int", "기준일": "date", "_sgg_code": "text"}
    assert records(api, res["id"]) == V1_RECORDS
    assert records(api, res["id"], filters={"군구": "서구"}) == [V1_RECORDS[1]]
    search = api.call("datastore_search", None, resource_id=res["id"], limit=1)
    assert search["total"] == 3 and len(search["records"]) == 1

    v2 = api.call("resource_update", upload=("인구-2024.csv", V2.encode("cp949")), id=res["id"])
    assert v2["id"] == res["id"]
    assert v2["version"] == 2 and v2["rows"] == 4
    assert records(api, res["id"])[-1] == {
        "_id": 4,
        "군구": "강화군",
        "인구": 70000,
        "기준일": "2024-01-31",
        "_sgg_code": "28710",
    }
    # The first version stays readable.
    assert records(api, res["id"], version=1) == V1_RECORDS
    versions = api.call("resource_version_list", None, id=res["id"])
    assert [(v["version"], v["row_count"], v["created_by"]) for v in versions] == [
        (1, 3, "pub"),
        (2, 4, "pub"),
    ]
    pkg = api.call("package_show", None, id=dataset["name"])
    assert [r["id"] for r in pkg["resources"]] == [res["id"]]


@pytest.mark.parametrize(
    ("content", "where"),
    [
        (V1.replace('"600,000"', "많음"), {"row": 2, "line": 3, "column": "인구", "value": "많음"}),
        (V1 + "중구,1\n", {"line": 5, "row": 4}),
        (V1.replace("2024.01.31\n서구", "31/01/2024\n서구"), {"column": "기준일"}),
    ],
    ids=["type-error", "ragged", "bad-date"],
)
def test_a_bad_version_is_refused_and_version_1_stays(
    api: Api, dataset: dict[str, Any], content: str, where: dict[str, Any]
) -> None:
    res = publish_v1(api, dataset)
    err = api.call("resource_update", upload=("인구.csv", content.encode("cp949")), id=res["id"], status=409)
    assert HANGUL.search(err["message_ko"])
    assert err["message_en"] and not HANGUL.search(err["message_en"].split("'")[0])
    assert err["message"] == f"{err['message_ko']} / {err['message_en']}"
    first = err["errors"][0]
    assert {k: first[k] for k in where} == where
    after = api.call("resource_show", None, id=res["id"])
    assert after["version"] == 1 and after["rows"] == 3
    assert records(api, res["id"]) == V1_RECORDS
    assert len(api.call("resource_version_list", None, id=res["id"])) == 1


def test_a_version_with_other_columns_needs_schema_infer(api: Api, dataset: dict[str, Any]) -> None:
    res = publish_v1(api, dataset)
    other = "행정동코드,세대수\n2823751000,12000\n2817051000,8000\n"
    err = api.call("resource_update", upload=("세대.csv", other.encode("utf-8")), id=res["id"], status=409)
    assert err["missing"] == ["군구", "기준일", "인구"] and err["extra"] == ["세대수", "행정동코드"]
    assert "schema=infer" in err["message_en"]
    assert api.call("resource_show", None, id=res["id"])["version"] == 1

    v2 = api.call("resource_update", upload=("세대.csv", other.encode("utf-8")), id=res["id"], schema="infer")
    assert v2["version"] == 2
    assert [f["id"] for f in v2["fields"]] == ["_id", "행정동코드", "세대수", "_sgg_code"]
    assert [r["_sgg_code"] for r in records(api, res["id"])] == ["28237", "28177"]


def test_declared_schema_over_http(api: Api, dataset: dict[str, Any]) -> None:
    content = "코드,값\n1,2\n3,4\n"
    res = api.call(
        "resource_create",
        upload=("x.csv", content.encode()),
        package_id=dataset["id"],
        schema={"코드": "int", "값": "text"},
    )
    assert {f["id"]: f["type"] for f in res["fields"]} == {"_id": "int", "코드": "int", "값": "text"}
    err = api.call(
        "resource_create",
        upload=("x.csv", b"a\nx\n"),
        package_id=dataset["id"],
        schema={"a": "int"},
        status=409,
    )
    assert err["errors"] == [{"row": 1, "line": 2, "column": "a", "type": "BIGINT", "value": "x"}]


def test_dry_run_publishes_nothing(api: Api, dataset: dict[str, Any], hub: Hub) -> None:
    before = len(audit.recent(hub.store, 1000))
    preview = api.call(
        "resource_create",
        upload=("인구.csv", V1.encode("cp949")),
        package_id=dataset["id"],
        name="미리보기",
        dry_run="true",
    )
    assert preview["dry_run"] is True
    assert preview["rows"] == 3
    assert preview["encoding"] == "cp949" and preview["format"] == "csv"
    assert {f["id"]: f["type"] for f in preview["schema"]}["인구"] == "BIGINT"
    assert preview["quality"]["score"] == 100.0
    assert "issues" in preview["quality"]
    assert api.call("package_show", None, id=dataset["id"])["resources"] == []
    assert len(audit.recent(hub.store, 1000)) == before

    res = publish_v1(api, dataset)
    preview = api.call(
        "resource_update", upload=("인구.csv", V2.encode("cp949")), id=res["id"], dry_run="true"
    )
    assert preview["dry_run"] is True and preview["rows"] == 4
    assert api.call("resource_show", None, id=res["id"])["version"] == 1
    assert records(api, res["id"]) == V1_RECORDS


def test_anonymous_and_other_organisations_are_refused(api: Api, dataset: dict[str, Any]) -> None:
    upload = ("인구.csv", V1.encode("cp949"))
    for who in (None, "other"):
        err = api.call("resource_create", who, upload=upload, package_id=dataset["id"], status=403)
        assert err["__type"] == "Authorization Error"
        assert HANGUL.search(err["message_ko"]) and err["message_en"]
        api.call(
            "package_create", who, name=f"x-{who or 'anon'}", title="x", owner_org="city-data", status=403
        )
    assert api.call("package_show", None, id=dataset["id"])["resources"] == []
    res = publish_v1(api, dataset)
    for who in (None, "other"):
        api.call("resource_update", who, upload=upload, id=res["id"], status=403)
        api.call("resource_update", who, id=res["id"], name="바뀐 이름", status=403)
    assert api.call("resource_show", None, id=res["id"])["name"] == "군·구별 인구"
    # The administrator may publish for any organisation.
    assert (
        api.call("resource_update", "admin", upload=("인구.csv", V2.encode("cp949")), id=res["id"])["version"]
        == 2
    )


def test_a_wrong_key_is_refused_not_anonymous(api: Api, dataset: dict[str, Any]) -> None:
    forged = api.keys["pub"][:-4] + "AAAA"
    resp = api.client.post(
        "/api/3/action/package_show", json={"id": dataset["id"]}, headers={"Authorization": forged}
    )
    api.responses.append(resp)
    assert resp.status_code == 403
    assert forged not in resp.text


def test_oversized_upload_is_413(api: Api, dataset: dict[str, Any], client: TestClient) -> None:
    client.app.state.hub.settings.max_upload_bytes = 1000
    big = ("군구,인구\n" + "부평구,1\n" * 200).encode("cp949")
    assert len(big) > 1000
    err = api.call("resource_create", upload=("인구.csv", big), package_id=dataset["id"], status=413)
    assert HANGUL.search(err["message_ko"]) and "1,000" in err["message_en"]
    assert api.call("package_show", None, id=dataset["id"])["resources"] == []
    # A small one still goes through.
    assert publish_v1(api, dataset)["version"] == 1


def test_unsafe_upload_names_and_formats(api: Api, dataset: dict[str, Any]) -> None:
    for name in ("../../etc/passwd.csv", "/etc/passwd.csv", "a/b.csv"):
        err = api.call("resource_create", upload=(name, V1.encode()), package_id=dataset["id"], status=400)
        assert err["field"] == "upload"
    assert api.call("package_show", None, id=dataset["id"])["resources"] == []
    # The multipart parser already cuts a Windows path down to its last part: what is stored has no path.
    res = api.call("resource_create", upload=("C:\\data\\x.csv", V1.encode()), package_id=dataset["id"])
    assert res["name"] == "x.csv"
    err = api.call("resource_create", upload=("x.exe", b"MZ"), package_id=dataset["id"], status=400)
    assert err["field"] == "format"
    assert len(api.call("package_show", None, id=dataset["id"])["resources"]) == 1


def test_audit_log_has_the_writes(api: Api, dataset: dict[str, Any], hub: Hub) -> None:
    res = publish_v1(api, dataset)
    api.call("resource_update", upload=("인구.csv", V2.encode("cp949")), id=res["id"])
    api.call("resource_update", upload=("인구.csv", b"x\n1\n"), id=res["id"], status=409)
    api.call("resource_update", "other", upload=("인구.csv", V2.encode("cp949")), id=res["id"], status=403)
    log = audit.recent(hub.store, 1000)
    mine = [(e["actor"], e["action"], e["object_id"]) for e in log if e["actor"] == "pub"]
    assert ("pub", "dataset.create", dataset["id"]) in mine
    assert ("pub", "resource.create", res["id"]) in mine
    published = [e for e in log if e["action"] == "resource.version_published"]
    assert [(e["actor"], e["object_id"]) for e in published] == [("pub", res["id"])] * 2
    details = [json.loads(e["detail"]) if isinstance(e["detail"], str) else e["detail"] for e in published]
    assert sorted(d["version"] for d in details) == [1, 2]
    assert sorted(d["rows"] for d in details) == [3, 4]
    assert all(len(d["sha256"]) == 64 for d in details)
    # Refused writes leave no trace as published versions, and nobody else wrote anything.
    assert not [e for e in log if e["actor"] == "other"]
    # Keys never reach the audit log either.
    text = json.dumps(log, ensure_ascii=False, default=str)
    for key in api.keys.values():
        assert key not in text


def test_error_responses_do_not_echo_keys(api: Api, dataset: dict[str, Any]) -> None:
    """Every kind of error, with the key in the header (and the query string, where some clients put it)."""
    key = api.keys["pub"]
    headers = {"Authorization": key, "X-CKAN-API-Key": key}
    attempts = [
        ("resource_create", {"data": {"package_id": dataset["id"], "schema": "nonsense"}}, 400),
        ("resource_create", {"data": {"package_id": dataset["id"], "encoding": "klingon"}}, 400),
        ("resource_create", {"data": {"package_id": dataset["id"]}, "bad_csv": True}, 409),
        ("resource_show", {"json": {"id": "no-such-resource"}}, 404),
        ("no_such_action", {"json": {}}, 404),
        ("package_create", {"content": b"{not json", "ctype": "application/json"}, 400),
    ]
    for action, spec, status in attempts:
        kwargs: dict[str, Any] = {"headers": dict(headers)}
        if "data" in spec:
            body = V1.encode() if not spec.get("bad_csv") else b"a,b\n1\n"
            kwargs["data"] = spec["data"]
            kwargs["files"] = {"upload": ("x.csv", body, "text/csv")}
        elif "json" in spec:
            kwargs["json"] = spec["json"]
        else:
            kwargs["content"] = spec["content"]
            kwargs["headers"]["Content-Type"] = spec["ctype"]
        resp = api.client.post(f"/api/3/action/{action}?api_key={key}", **kwargs)
        api.responses.append(resp)
        assert resp.status_code == status, (action, resp.text)
        assert resp.json()["success"] is False
