"""The publisher's flow over HTTP on both back ends: log-in with an API key (signed session cookie, never the
key), CSRF on every form, creating a dataset, uploading a file as a dry run (inferred schema, quality
report), correcting a type and publishing, and a refused new version that shows row and column and leaves
the previous version current."""

from __future__ import annotations

import hashlib
import re
import stat
from html import unescape

from fastapi.testclient import TestClient

from incheon.hub.hub import Hub
from incheon.web.session import COOKIE

CSV = "구분,주차면수,개소\n부평구,120,3\n남동구,80,2\n계양구,45,1\n".encode("cp949")
BAD = "구분,주차면수,개소\n부평구,120,3\n남동구,많음,2\n계양구,45,1\n".encode("cp949")
RAGGED = "구분,주차면수,개소\n부평구,120,3\n남동구,80\n".encode()


def csrf(html: str) -> str:
    m = re.search(r'name="csrf" value="([^"]+)"', html)
    assert m, "a CSRF field in the form"
    return m.group(1)


def login(client: TestClient, key: str, next_url: str = "/publish") -> object:
    token = csrf(client.get(f"/login?next={next_url}").text)
    return client.post(
        "/login", data={"csrf": token, "api_key": key, "next": next_url}, follow_redirects=False
    )


def create_dataset(client: TestClient, name: str = "web-test-parking", **extra: object) -> object:
    token = csrf(client.get("/publish").text)
    data = {
        "csrf": token,
        "owner_org": "city-data",
        "name": name,
        "title": "공영주차장 현황",
        "title_en": "Public car parks",
        "notes": "군·구별 공영주차장",
        "groups": ["transport"],
        "tags": "주차장, 교통",
        "license_id": "kogl-type1",
        "frequency": "annual",
        "spatial": ["28237", "28200"],
        "temporal_start": "2024-01-01",
        "temporal_end": "2024-12-31",
        "source": "인천광역시 교통정책과",
        **extra,
    }
    return client.post("/publish", data=data, follow_redirects=False)


def upload(
    client: TestClient,
    name: str,
    content: bytes | None,
    filename: str = "parking.csv",
    query: str = "",
    **fields: object,
) -> object:
    token = csrf(client.get(f"/publish/{name}/upload").text)
    data = {"csrf": token, "resource": "new", "encoding": "", "format": "", "action": "check", **fields}
    files = {"upload": (filename, content, "text/csv")} if content is not None else None
    return client.post(f"/publish/{name}/upload{query}", data=data, files=files, follow_redirects=False)


# ---------------------------------------------------------------------------------------------- log-in
def test_anonymous_publish_redirects_to_login(client: TestClient) -> None:
    r = client.get("/publish", follow_redirects=False)
    assert r.status_code == 303 and r.headers["location"] == "/login?next=/publish"
    r = client.get("/publish/anything/upload", follow_redirects=False)
    assert r.status_code == 303 and r.headers["location"].startswith("/login?next=/publish/anything/upload")
    login_page = client.get("/login")
    page = login_page.text
    assert 'id="login"' in page and 'for="api_key"' in page and 'type="password"' in page
    assert login_page.headers["cache-control"] == "no-store"  # it holds a CSRF token


def test_login_with_a_key_sets_a_signed_httponly_cookie_without_the_key(
    client: TestClient, keys: dict[str, str], hub: Hub
) -> None:
    r = login(client, keys["pub"])
    assert r.status_code == 303 and r.headers["location"] == "/publish"
    cookie = r.headers["set-cookie"]
    assert f"{COOKIE}=" in cookie and "HttpOnly" in cookie and "SameSite=lax" in cookie.replace("Lax", "lax")
    value = client.cookies[COOKIE]
    secret_part = keys["pub"].split("_")[-1]
    assert secret_part not in value and keys["pub"] not in value
    assert hashlib.sha256(keys["pub"].encode()).hexdigest() not in value
    page = client.get("/publish").text
    assert "pub" in page and "인천광역시 데이터팀" in page and "city-data" in page
    orgs = re.search(r'<ul id="publish-orgs">(.*?)</ul>', page, re.S).group(1)
    assert "city-data" in orgs and "bupyeong" not in orgs  # only organisations it can publish for
    assert '<option value="bupyeong"' not in page
    secret = hub.settings.data_dir / "secret"
    assert secret.exists() and stat.S_IMODE(secret.stat().st_mode) == 0o600


def test_wrong_key_and_missing_csrf_are_refused(client: TestClient, keys: dict[str, str]) -> None:
    r = login(client, "inch_00000000_not-a-real-key")
    assert r.status_code == 401 and "API 키가 올바르지 않거나 폐기되었습니다." in r.text
    assert 'aria-invalid="true"' in r.text
    r = login(client, "")
    assert r.status_code == 400
    r = client.post("/login", data={"api_key": keys["pub"]}, follow_redirects=False)
    assert r.status_code == 403 and "보안 토큰" in r.text
    r = client.post("/login", data={"api_key": keys["pub"], "csrf": "forged"}, follow_redirects=False)
    assert r.status_code == 403
    token = csrf(client.get("/login").text)
    r = client.post(
        "/login",
        data={"api_key": keys["pub"], "csrf": token},
        headers={"Origin": "http://evil.example"},
        follow_redirects=False,
    )
    assert r.status_code == 403
    r = client.post("/login?lang=en", data={"api_key": keys["pub"]}, follow_redirects=False)
    assert "security token" in r.text
    assert client.get("/publish", follow_redirects=False).status_code == 303


def test_login_redirect_stays_on_the_site(client: TestClient, keys: dict[str, str]) -> None:
    r = login(client, keys["pub"], next_url="//evil.example/x")
    assert r.status_code == 303 and r.headers["location"] == "/publish"


def test_forged_cookie_revoked_key_and_logout_end_the_session(
    client: TestClient, keys: dict[str, str], hub: Hub
) -> None:
    assert login(client, keys["pub"]).status_code == 303
    assert client.get("/publish", follow_redirects=False).status_code == 200
    good = client.cookies[COOKIE]
    payload, mac = good.rsplit(".", 1)
    forged = payload + "." + ("A" if mac[0] != "A" else "B") + mac[1:]
    for cookie, status in ((forged, 303), ("garbage", 303), (good, 200)):
        other = TestClient(client.app, cookies={COOKIE: cookie})
        assert other.get("/publish", follow_redirects=False).status_code == status
    # log out (a form with the CSRF token)
    token = csrf(client.get("/publish").text)
    r = client.post("/logout", data={"csrf": token}, follow_redirects=False)
    assert r.status_code == 303 and r.headers["location"] == "/"
    assert client.get("/publish", follow_redirects=False).status_code == 303
    # a revoked key ends its session
    assert login(client, keys["pub"]).status_code == 303
    hub.auth.revoke_key(keys["pub"].split("_")[1])
    assert client.get("/publish", follow_redirects=False).status_code == 303


# ---------------------------------------------------------------------------------------------- datasets
def test_create_dataset_from_the_form(client: TestClient, keys: dict[str, str], hub: Hub) -> None:
    login(client, keys["pub"])
    r = create_dataset(client)
    assert r.status_code == 303 and r.headers["location"] == "/publish/web-test-parking/upload"
    ds = hub.catalog.dataset("web-test-parking")
    assert ds["title"] == "공영주차장 현황" and ds["title_en"] == "Public car parks"
    assert [g["name"] for g in ds["groups"]] == ["transport"]
    assert [t["name"] for t in ds["tags"]] == ["주차장", "교통"]
    assert ds["spatial"] == ["28237", "28200"] and ds["frequency"] == "annual"
    assert ds["temporal_start"] == "2024-01-01" and ds["organization"]["name"] == "city-data"
    # a refused form keeps what was typed and says why
    again = create_dataset(client, title="두 번째")
    assert again.status_code == 409 and "이미 있는 데이터셋 이름입니다" in again.text
    assert 'value="두 번째"' in again.text
    bad = create_dataset(client, name="Bad Name!")
    assert bad.status_code == 400 and "영문 소문자" in bad.text
    foreign = create_dataset(client, name="web-test-foreign", owner_org="bupyeong")
    assert foreign.status_code == 403


# ---------------------------------------------------------------------------------------------- upload
def test_upload_dry_run_then_publish_with_a_corrected_type(
    client: TestClient, keys: dict[str, str], hub: Hub
) -> None:
    login(client, keys["pub"])
    create_dataset(client)
    page = client.get("/publish/web-test-parking/upload").text
    assert 'id="upload"' in page and 'enctype="multipart/form-data"' in page and 'for="file"' in page

    r = upload(client, "web-test-parking", CSV)
    assert r.status_code == 200, r.text
    html = unescape(r.text)
    assert 'id="schema"' in html and "검사 결과" in html and "3행" in html and "cp949" in html.lower()
    assert re.search(
        r'<select id="type-2" name="type.주차면수">.*?<option value="BIGINT" selected>', html, re.S
    )
    assert 'class="score-n"' in html and "_sgg_code" in html  # quality report; the district was recognised
    assert hub.catalog.dataset("web-test-parking")["resources"] == []  # a dry run publishes nothing
    token_field = re.search(r'name="token" value="([^"]+)"', html).group(1)

    # publish with one type corrected: 개소 as DOUBLE, without sending the file again
    r = client.post(
        "/publish/web-test-parking/upload",
        data={
            "csrf": csrf(r.text),
            "token": token_field,
            "resource": "new",
            "resource_name": "주차장 목록",
            "columns": ["구분", "주차면수", "개소"],
            "type.구분": "VARCHAR",
            "type.주차면수": "BIGINT",
            "type.개소": "DOUBLE",
            "action": "publish",
        },
        follow_redirects=False,
    )
    assert r.status_code == 303, r.text
    res = hub.catalog.dataset("web-test-parking")["resources"][0]
    assert r.headers["location"] == f"/dataset/web-test-parking?resource={res['id']}&published=1#resource"
    assert res["version"] == 1 and res["rows"] == 3 and res["name"] == "주차장 목록"
    types = {f["id"]: f["native_type"] for f in res["fields"]}
    assert types["개소"] == "DOUBLE" and types["주차면수"] == "BIGINT"
    shown = client.get(r.headers["location"]).text
    assert "버전 1을(를) 게시했습니다." in shown and "부평구" in shown
    assert not any((hub.settings.data_dir / "tmp" / "web-uploads").iterdir())  # the kept file is gone


def test_bad_new_version_shows_row_and_column_and_keeps_the_previous_version(
    client: TestClient, keys: dict[str, str], hub: Hub
) -> None:
    login(client, keys["pub"])
    create_dataset(client)
    first = upload(client, "web-test-parking", CSV)
    token_field = re.search(r'name="token" value="([^"]+)"', first.text).group(1)
    client.post(
        "/publish/web-test-parking/upload",
        data={"csrf": csrf(first.text), "token": token_field, "resource": "new", "action": "publish"},
    )
    rid = hub.catalog.dataset("web-test-parking")["resources"][0]["id"]
    assert hub.catalog.version(rid)["version"] == 1

    r = upload(client, "web-test-parking", BAD, filename="parking-2025.csv", resource=rid, action="publish")
    assert r.status_code == 409
    html = unescape(r.text)
    assert 'id="upload-errors"' in html and "주차면수" in html and "많음" in html
    row = re.search(r"<tbody>\s*<tr>(.*?)</tr>", html, re.S).group(1)
    cells = [re.sub(r"<[^>]+>", "", c).strip() for c in re.findall(r"<td[^>]*>(.*?)</td>", row, re.S)]
    assert cells == ["2", "3", "주차면수", "많음", "BIGINT 형식이 아님"]  # row, file line, column, value
    assert 'id="upload"' in html and 'name="token"' in html  # the form stays, the file is kept
    assert re.search(rf'<input type="radio" id="res-{rid}" name="resource" value="{rid}" checked>', html)
    assert hub.catalog.version(rid)["version"] == 1 and hub.catalog.version(rid)["rows"] == 3
    assert len(hub.catalog.versions(rid)) == 1
    en = upload(client, "web-test-parking", BAD, resource=rid, query="?lang=en")
    assert "Row 2 (line 3), column '주차면수'" in unescape(en.text)


def test_malformed_upload_names_the_line(client: TestClient, keys: dict[str, str]) -> None:
    login(client, keys["pub"])
    create_dataset(client)
    r = upload(client, "web-test-parking", RAGGED)
    assert r.status_code == 409 and "3번째 줄" in r.text and 'id="upload-errors"' in r.text
    assert "열이 모자람" in r.text and "남동구,80" in r.text


def test_upload_needs_a_file_rights_csrf_and_the_size_limit(
    client: TestClient, keys: dict[str, str], hub: Hub
) -> None:
    login(client, keys["pub"])
    create_dataset(client)
    r = upload(client, "web-test-parking", None)
    assert r.status_code == 400 and "올릴 파일을 골라 주세요." in r.text
    r = client.post("/publish/web-test-parking/upload", files={"upload": ("a.csv", CSV, "text/csv")})
    assert r.status_code == 403
    hub.settings.max_upload_bytes = 40
    r = upload(client, "web-test-parking", CSV * 20)
    assert r.status_code == 413 and "업로드 한도" in r.text
    hub.settings.max_upload_bytes = 512 * 1024 * 1024
    # another organisation's publisher may not upload here
    client.cookies.clear()
    login(client, keys["other"])
    r = client.get("/publish/web-test-parking/upload")
    assert r.status_code == 403 and "권한이 없습니다" in r.text
    # a kept file belongs to the user and dataset it was uploaded for
    client.cookies.clear()
    login(client, keys["pub"])
    first = upload(client, "web-test-parking", CSV)
    token_field = re.search(r'name="token" value="([^"]+)"', first.text).group(1)
    client.cookies.clear()
    login(client, keys["admin"])
    page = client.get("/publish/web-test-parking/upload").text
    r = client.post(
        "/publish/web-test-parking/upload",
        data={"csrf": csrf(page), "token": token_field, "resource": "new", "action": "check"},
    )
    assert r.status_code == 400 and "올릴 파일을 골라 주세요." in r.text
