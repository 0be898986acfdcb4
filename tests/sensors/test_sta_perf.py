"""The bench's query (the newest 1,000 Observations of a datastream) reads the (datastream, time) index and
counts nothing unless `$count=true` is asked."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

import pytest
from fastapi.testclient import TestClient

from incheon.hub.hub import Hub
from incheon.sensors import module as sensors_module
from tests.sensors.conftest import STA


def test_latest_observations_use_the_index(
    client: TestClient, hub: Hub, admin: dict[str, str], network: list[int], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(sensors_module, "ANALYZE_AFTER", 1000)
    ds = network[0]
    base = datetime(2026, 8, 1)
    for d in network:  # 3 × 6,000 observations
        arr = [[(base + timedelta(seconds=k)).isoformat() + "Z", k / 10] for k in range(6000)]
        body = [{"Datastream": {"@iot.id": d}, "components": ["phenomenonTime", "result"], "dataArray": arr}]
        assert client.post(f"{STA}/CreateObservations", json=body, headers=admin).status_code == 201
    seen: list[tuple[str, list[Any]]] = []
    for name in ("query", "query_dicts"):
        original = getattr(hub.store, name)

        def spy(sql: str, params: Any = (), _original: Any = original) -> Any:
            seen.append((sql, list(params)))
            return _original(sql, params)

        monkeypatch.setattr(hub.store, name, spy)
    r = client.get(f"{STA}/Datastreams({ds})/Observations", params={"$orderby": "phenomenonTime desc", "$top": 1000})
    assert r.status_code == 200
    body = r.json()
    assert len(body["value"]) == 1000 and "@iot.count" not in body and body["@iot.nextLink"]
    assert body["value"][0]["phenomenonTime"] == "2026-08-01T01:39:59Z"
    assert not any("COUNT(" in sql.upper() for sql, _ in seen)
    sql, params = next((s, p) for s, p in seen if "LIMIT 1001" in s)
    assert "ORDER BY a.phenomenon_time DESC, a.id DESC" in sql
    if hub.store.backend == "postgres":
        plan = " ".join(row[0] for row in hub.store.query("EXPLAIN " + sql, params))
        assert "sensors_obs_ds_time" in plan and "Sort" not in plan, plan
    seen.clear()
    r = client.get(f"{STA}/Datastreams({ds})/Observations", params={"$top": 1, "$count": "true"})
    assert r.json()["@iot.count"] == 6004
    assert sum("COUNT(" in sql.upper() for sql, _ in seen) == 1
