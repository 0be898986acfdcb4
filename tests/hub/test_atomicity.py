"""Publishing is all or nothing: a failure at the last step of the transaction leaves no table, no version
row, no Parquet file and no moved pointer — the previous version stays current and readable."""

from __future__ import annotations

from pathlib import Path

import pytest

from incheon.hub import audit
from incheon.hub.auth import Principal
from incheon.hub.hub import Hub

ADMIN = Principal(user_id="t", name="t", sysadmin=True)


def _csv(tmp_path: Path, name: str, rows: list[tuple[str, int]]) -> Path:
    p = tmp_path / name
    p.write_text("군구,인구\n" + "".join(f"{g},{n}\n" for g, n in rows), encoding="utf-8")
    return p


def test_failed_publish_leaves_previous_version(hub: Hub, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    hub.catalog.create_organization(ADMIN, {"name": "city", "title": "인천광역시"})
    ds = hub.catalog.create_dataset(ADMIN, {"name": "pop", "title": "인구", "owner_org": "city"})
    staged = hub.stage_upload(None, _csv(tmp_path, "v1.csv", [("부평구", 1), ("서구", 2)]), "v1.csv")
    res = hub.catalog.publish_version(ADMIN, None, staged, "v1.csv", new_resource={"package_id": ds["id"]})
    staged.cleanup()
    rid = res["id"]
    tables_before = {r[0] for r in hub.store.query(
        "SELECT table_name FROM information_schema.tables WHERE table_schema = 'data'")}
    lake_before = sorted(p.name for p in (hub.store.data_dir / "lake").rglob("*"))

    def boom(*args: object, **kwargs: object) -> None:
        raise RuntimeError("disk full")

    staged = hub.stage_upload(rid, _csv(tmp_path, "v2.csv", [("부평구", 10), ("서구", 20), ("중구", 30)]), "v2.csv")
    monkeypatch.setattr(audit, "record", boom)
    with pytest.raises(RuntimeError):
        hub.catalog.publish_version(ADMIN, rid, staged, "v2.csv")
    staged.cleanup()
    monkeypatch.undo()

    tables_after = {r[0] for r in hub.store.query(
        "SELECT table_name FROM information_schema.tables WHERE table_schema = 'data'")}
    assert tables_after == tables_before
    assert sorted(p.name for p in (hub.store.data_dir / "lake").rglob("*")) == lake_before
    assert [v["version"] for v in hub.catalog.versions(rid)] == [1]
    assert hub.catalog.resource(rid)["version"] == 1
    result = hub.datastore.search({"resource_id": rid})
    assert result["total"] == 2 and [r["인구"] for r in result["records"]] == [1, 2]
    sql = hub.datastore.search_sql(f'SELECT sum("인구") AS s FROM "{rid}"')
    assert sql["records"][0]["s"] == 3


def test_failed_first_upload_leaves_no_resource(hub: Hub, tmp_path: Path) -> None:
    from incheon.errors import IngestError

    hub.catalog.create_organization(ADMIN, {"name": "city", "title": "인천광역시"})
    ds = hub.catalog.create_dataset(ADMIN, {"name": "pop", "title": "인구", "owner_org": "city"})
    bad = tmp_path / "bad.csv"
    bad.write_text("군구,인구\n부평구,1\n서구\n", encoding="utf-8")
    with pytest.raises(IngestError):
        hub.stage_upload(None, bad, "bad.csv")
    assert hub.catalog.dataset(ds["id"])["resources"] == []
    assert not list((hub.settings.data_dir / "tmp").iterdir())


def test_versions_stay_readable(hub: Hub, tmp_path: Path) -> None:
    hub.catalog.create_organization(ADMIN, {"name": "city", "title": "인천광역시"})
    ds = hub.catalog.create_dataset(ADMIN, {"name": "pop", "title": "인구", "owner_org": "city"})
    staged = hub.stage_upload(None, _csv(tmp_path, "v1.csv", [("부평구", 1)]), "v1.csv")
    rid = hub.catalog.publish_version(ADMIN, None, staged, "v1.csv", new_resource={"package_id": ds["id"]})["id"]
    staged.cleanup()
    for i in (2, 3):
        hub.upload_version(ADMIN, rid, _csv(tmp_path, f"v{i}.csv", [("부평구", i), ("서구", i)]), f"v{i}.csv")
    assert [v["version"] for v in hub.catalog.versions(rid)] == [1, 2, 3]
    assert hub.datastore.search({"resource_id": rid, "version": 1})["total"] == 1
    assert hub.datastore.search({"resource_id": rid})["records"][0]["인구"] == 3
    assert Path(hub.catalog.version(rid, 1)["parquet_path"]).is_file()
    actions = [a["action"] for a in audit.recent(hub.store, object_id=rid)]
    assert actions.count("resource.version_published") == 3
