"""Storage details that differ between back ends."""

from __future__ import annotations

from pathlib import Path

from incheon.hub.auth import Principal
from incheon.hub.hub import Hub
from incheon.hub.storage.pg import _pg

ADMIN = Principal(user_id="t", name="t", sysadmin=True)


def test_question_marks_inside_quotes_are_not_placeholders() -> None:
    sql = """SELECT "비율?", "a""?b" FROM t WHERE x = ? AND y LIKE '%?%' AND z = 'it''s?' AND w = ?"""
    assert _pg(sql) == (
        """SELECT "비율?", "a""?b" FROM t WHERE x = %s AND y LIKE '%%?%%' AND z = 'it''s?' AND w = %s"""
    )


def test_column_names_with_question_marks_and_percent(hub: Hub, tmp_path: Path) -> None:
    hub.catalog.create_organization(ADMIN, {"name": "city", "title": "인천광역시"})
    ds = hub.catalog.create_dataset(ADMIN, {"name": "odd", "title": "이상한 열 이름", "owner_org": "city"})
    path = tmp_path / "odd.csv"
    path.write_text("군구,비율?,증감%\n부평구,1.5,3\n서구,2.5,4\n", encoding="utf-8")
    staged = hub.stage_upload(None, path, path.name)
    rid = hub.catalog.publish_version(ADMIN, None, staged, path.name, new_resource={"package_id": ds["id"]})["id"]
    staged.cleanup()
    r = hub.datastore.search({"resource_id": rid, "filters": {"비율?": 2.5}, "sort": "증감% desc"})
    assert r["total"] == 1 and r["records"][0]["군구"] == "서구" and r["records"][0]["증감%"] == 4
    sql = hub.datastore.search_sql(f'SELECT sum("비율?") AS s FROM "{rid}"')
    assert sql["records"][0]["s"] == 4.0
