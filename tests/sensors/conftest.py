"""Shared fixtures of the SensorThings tests: an administrator's key and a small network."""

from __future__ import annotations

from typing import Any

import pytest
from fastapi.testclient import TestClient

STA = "/sta/v1.1"

#: Two river gauges and an air station over Incheon (synthetic).
THINGS = [
    ("수위계 굴포천-1", 126.7236, 37.5079, "수위", "m", [1.2, 1.5, 2.1, 2.8]),
    ("수위계 승기천-2", 126.6822, 37.4350, "수위", "m", [0.4, 0.6]),
    ("대기측정소 송도", 126.6560, 37.3890, "PM10", "µg/m³", [35, 82, 151]),
]


def thing_body(name: str, lon: float, lat: float, prop: str, unit: str) -> dict[str, Any]:
    return {
        "name": name,
        "description": f"{name} (synthetic)",
        "properties": {"district": "부평구" if lat > 37.5 else "연수구", "depth": 3},
        "Locations": [
            {
                "name": f"{name} 위치",
                "description": "설치 위치",
                "encodingType": "application/geo+json",
                "location": {"type": "Point", "coordinates": [lon, lat]},
            }
        ],
        "Datastreams": [
            {
                "name": f"{name} {prop}",
                "description": f"{prop} 관측",
                "unitOfMeasurement": {"name": unit, "symbol": unit, "definition": "urn:unit"},
                "observationType": "http://www.opengis.net/def/observationType/OGC-OM/2.0/OM_Measurement",
                "Sensor": {"name": f"{prop} 센서", "description": "센서", "encodingType": "text/html", "metadata": "x"},
                "ObservedProperty": {"name": prop, "definition": f"urn:incheon:{prop}", "description": prop},
            }
        ],
    }


@pytest.fixture
def admin(client: TestClient, keys: dict[str, str]) -> dict[str, str]:
    return {"Authorization": keys["admin"]}


@pytest.fixture
def network(client: TestClient, admin: dict[str, str]) -> list[int]:
    """Creates the three Things with their observations (one per hour from 2026-07-01T00:00Z)."""
    ds_ids = []
    for name, lon, lat, prop, unit, values in THINGS:
        r = client.post(f"{STA}/Things", json=thing_body(name, lon, lat, prop, unit), headers=admin)
        assert r.status_code == 201, r.text
        ds = client.get(f"{STA}/Things({r.json()['@iot.id']})/Datastreams").json()["value"][0]["@iot.id"]
        ds_ids.append(ds)
        for i, v in enumerate(values):
            r = client.post(
                f"{STA}/Observations",
                json={"phenomenonTime": f"2026-07-01T0{i}:00:00Z", "result": v, "Datastream": {"@iot.id": ds}},
                headers=admin,
            )
            assert r.status_code == 201, r.text
    return ds_ids
