"""The SensorThings API driven by the real `frost-sta-client` (PyPI) against a live server, both back ends."""

from __future__ import annotations

import socket
import threading
import time
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta

import frost_sta_client as fsc
import pytest
import requests
import uvicorn
from frost_sta_client.model.ext.data_array_document import DataArrayDocument
from frost_sta_client.model.ext.data_array_value import DataArrayValue
from frost_sta_client.model.ext.unitofmeasurement import UnitOfMeasurement
from frost_sta_client.service.auth_handler import AuthHandler
from geojson import Point

from incheon.api.app import create_app
from incheon.hub.hub import Hub
from tests.conftest import make_settings


class KeyAuth(AuthHandler):
    """The hub's API key in the Authorization header (the client only knows basic auth)."""

    def __init__(self, key: str) -> None:
        super().__init__()
        self.key = key

    def add_auth_header(self):  # noqa: ANN201
        def auth(r: requests.PreparedRequest) -> requests.PreparedRequest:
            r.headers["Authorization"] = self.key
            return r

        return auth


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture(scope="module", params=["duckdb", "postgres"])
def live(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[str, str]]:
    settings = make_settings(request.param, tmp_path_factory.mktemp(request.param), request)
    (settings.data_dir / "tmp").mkdir(parents=True, exist_ok=True)
    hub = Hub(settings)
    hub.auth.create_user("sta-admin", sysadmin=True)
    key = hub.auth.create_key("sta-admin")
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
    yield f"http://127.0.0.1:{port}/sta/v1.1", key
    server.should_exit = True
    thread.join(10)


def test_frost_client_round_trip(live: tuple[str, str]) -> None:
    url, key = live
    service = fsc.SensorThingsService(url, auth_handler=KeyAuth(key))
    location = fsc.Location(
        name="굴포천 수위국",
        description="부평구 굴포천 (synthetic)",
        encoding_type="application/geo+json",
        location=Point((126.7236, 37.5079)),
    )
    thing = fsc.Thing(name="수위계 GP-1", description="굴포천 수위계", properties={"district": "부평구"})
    thing.locations = [location]
    datastream = fsc.Datastream(
        name="GP-1 수위",
        description="하천 수위",
        observation_type="http://www.opengis.net/def/observationType/OGC-OM/2.0/OM_Measurement",
        unit_of_measurement=UnitOfMeasurement(name="metre", symbol="m", definition="http://qudt.org/vocab/unit/M"),
        sensor=fsc.Sensor(name="초음파 수위계", description="ultrasonic", encoding_type="text/html", metadata="-"),
        observed_property=fsc.ObservedProperty(name="수위", definition="urn:incheon:water-level", description="수위"),
    )
    thing.datastreams = [datastream]
    service.create(thing)
    assert isinstance(thing.id, int)

    ds = next(iter(service.things().find(thing.id).get_datastreams().query().list()))
    start = datetime(2026, 7, 1, tzinfo=UTC)
    for i in range(5):
        obs = fsc.Observation(result=1.0 + i / 2, phenomenon_time=(start + timedelta(hours=i)).isoformat(), datastream=ds)
        service.create(obs)
        assert isinstance(obs.id, int)

    # CreateObservations with a dataArray
    dav = DataArrayValue()
    dav.datastream = ds
    dav.components = {DataArrayValue.Property.PHENOMENON_TIME, DataArrayValue.Property.RESULT}
    for i in range(5, 250):
        dav.add_observation(
            fsc.Observation(result=1.0 + i / 100, phenomenon_time=(start + timedelta(hours=i)).isoformat())
        )
    doc = DataArrayDocument()
    doc.add_data_array_value(dav)
    created = service.observations().create(doc)
    assert len(created) == 245

    # queries: filter, orderby, top, expand; the client follows @iot.nextLink
    latest = service.observations().query().filter(f"Datastream/id eq {ds.id}").orderby("phenomenonTime", "desc")
    top3 = latest.top(3).list().entities  # the first page (iterating follows @iot.nextLink)
    assert [o.result for o in top3] == [3.49, 3.48, 3.47]
    everything = list(service.datastreams().find(ds.id).get_observations().query().top(100).list())
    assert len(everything) == 250
    high = service.observations().query().filter("result ge 3 and phenomenonTime lt 2026-07-09T12:00:00Z")
    assert [o.result for o in high.orderby("phenomenonTime", "asc").list()] == pytest.approx([3.0, 3.0, 3.01, 3.02, 3.03])
    things = list(service.things().query().expand("Locations,Datastreams($expand=ObservedProperty)").list())
    assert things[0].locations.entities[0].name == "굴포천 수위국"
    assert things[0].datastreams.entities[0].observed_property.name == "수위"
    near = service.locations().query().filter("geo.distance(location, geography'POINT(126.72 37.51)') lt 0.01").list()
    assert [loc.name for loc in near] == ["굴포천 수위국"]

    # update and read back through the client
    ds.description = "하천 수위 (갱신)"
    service.update(ds)
    assert service.datastreams().find(ds.id).description == "하천 수위 (갱신)"

    # dataArray reading (the client has no reader for it: plain HTTP)
    r = requests.get(
        f"{url}/Datastreams({ds.id})/Observations",
        params={"$resultFormat": "dataArray", "$top": 2, "$orderby": "phenomenonTime desc"},
        timeout=10,
    ).json()
    assert r["value"][0]["components"] == ["id", "phenomenonTime", "resultTime", "result"]
    assert [row[3] for row in r["value"][0]["dataArray"]] == [3.49, 3.48]
    assert r["@iot.nextLink"]

    # delete
    service.delete(thing)
    assert requests.get(f"{url}/Things({thing.id})", timeout=10).status_code == 404
