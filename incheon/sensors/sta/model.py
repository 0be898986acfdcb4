"""The eight SensorThings entity types, their tables in schema `hub` and their relations.

Each property maps to one column (or a start/end pair for time intervals); JSON-valued properties are
stored as JSON text. Relations are either a foreign key on the source row (`one`), a foreign key on the
target rows (`many` with `fk`), or a link table (`many` with `link`).
"""

from __future__ import annotations

from dataclasses import dataclass, field

T = "hub.sensors_"


@dataclass(frozen=True)
class Prop:
    name: str
    column: str
    kind: str = "str"  # str | num | time | interval | json | geo | result | id
    end_column: str | None = None  # second column of an interval
    required: bool = False


@dataclass(frozen=True)
class Rel:
    name: str
    target: str  # entity set name
    many: bool
    fk: str | None = None  # one: fk column on the source; many: fk column on the target
    link: tuple[str, str, str] | None = None  # (table, source column, target column)
    required: bool = False


@dataclass
class Entity:
    set_name: str
    singular: str
    table: str
    props: list[Prop]
    rels: list[Rel]
    geo: tuple[str, str, str] | None = None  # (geojson property, lon column, lat column)
    prop: dict[str, Prop] = field(default_factory=dict)
    rel: dict[str, Rel] = field(default_factory=dict)

    def __post_init__(self) -> None:
        self.props.insert(0, Prop("id", "id", "id"))
        self.prop = {p.name: p for p in self.props}
        self.rel = {r.name: r for r in self.rels}


def _named(*extra: Prop) -> list[Prop]:
    return [Prop("name", "name", required=True), Prop("description", "description"), *extra]


ENTITIES: dict[str, Entity] = {
    e.set_name: e
    for e in [
        Entity(
            "Things",
            "Thing",
            T + "things",
            _named(Prop("properties", "properties", "json")),
            [
                Rel("Locations", "Locations", True, link=(T + "thing_locations", "thing_id", "location_id")),
                Rel("HistoricalLocations", "HistoricalLocations", True, fk="thing_id"),
                Rel("Datastreams", "Datastreams", True, fk="thing_id"),
            ],
        ),
        Entity(
            "Locations",
            "Location",
            T + "locations",
            _named(
                Prop("encodingType", "encoding_type", required=True),
                Prop("location", "location", "geo", required=True),
                Prop("properties", "properties", "json"),
            ),
            [
                Rel("Things", "Things", True, link=(T + "thing_locations", "location_id", "thing_id")),
                Rel(
                    "HistoricalLocations",
                    "HistoricalLocations",
                    True,
                    link=(T + "historical_location_locations", "location_id", "historical_location_id"),
                ),
            ],
            geo=("location", "lon", "lat"),
        ),
        Entity(
            "HistoricalLocations",
            "HistoricalLocation",
            T + "historical_locations",
            [Prop("time", "time", "time", required=True)],
            [
                Rel("Thing", "Things", False, fk="thing_id", required=True),
                Rel(
                    "Locations",
                    "Locations",
                    True,
                    link=(T + "historical_location_locations", "historical_location_id", "location_id"),
                ),
            ],
        ),
        Entity(
            "Sensors",
            "Sensor",
            T + "sensors",
            _named(
                Prop("encodingType", "encoding_type", required=True),
                Prop("metadata", "metadata", required=True),
                Prop("properties", "properties", "json"),
            ),
            [Rel("Datastreams", "Datastreams", True, fk="sensor_id")],
        ),
        Entity(
            "ObservedProperties",
            "ObservedProperty",
            T + "observed_properties",
            _named(Prop("definition", "definition", required=True), Prop("properties", "properties", "json")),
            [Rel("Datastreams", "Datastreams", True, fk="observed_property_id")],
        ),
        Entity(
            "Datastreams",
            "Datastream",
            T + "datastreams",
            _named(
                Prop("unitOfMeasurement", "unit_of_measurement", "json", required=True),
                Prop("observationType", "observation_type", required=True),
                Prop("observedArea", "observed_area", "json"),
                Prop("phenomenonTime", "phenomenon_time_start", "interval", "phenomenon_time_end"),
                Prop("resultTime", "result_time_start", "interval", "result_time_end"),
                Prop("properties", "properties", "json"),
            ),
            [
                Rel("Thing", "Things", False, fk="thing_id", required=True),
                Rel("Sensor", "Sensors", False, fk="sensor_id", required=True),
                Rel(
                    "ObservedProperty", "ObservedProperties", False, fk="observed_property_id", required=True
                ),
                Rel("Observations", "Observations", True, fk="datastream_id"),
            ],
        ),
        Entity(
            "Observations",
            "Observation",
            T + "observations",
            [
                Prop("phenomenonTime", "phenomenon_time", "interval", "phenomenon_time_end"),
                Prop("resultTime", "result_time", "time"),
                Prop("result", "result_json", "result", required=True),
                Prop("resultQuality", "result_quality", "json"),
                Prop("validTime", "valid_time_start", "interval", "valid_time_end"),
                Prop("parameters", "parameters", "json"),
            ],
            [
                Rel("Datastream", "Datastreams", False, fk="datastream_id", required=True),
                Rel("FeatureOfInterest", "FeaturesOfInterest", False, fk="feature_id"),
            ],
        ),
        Entity(
            "FeaturesOfInterest",
            "FeatureOfInterest",
            T + "features",
            _named(
                Prop("encodingType", "encoding_type", required=True),
                Prop("feature", "feature", "geo", required=True),
                Prop("properties", "properties", "json"),
            ),
            [Rel("Observations", "Observations", True, fk="feature_id")],
            geo=("feature", "lon", "lat"),
        ),
    ]
}

_NAMED = "name TEXT NOT NULL, description TEXT"
MIGRATIONS = [
    (
        1,
        [
            f"CREATE TABLE {T}ids (entity TEXT PRIMARY KEY, next_id BIGINT NOT NULL)",
            f"CREATE TABLE {T}things (id BIGINT PRIMARY KEY, {_NAMED}, properties TEXT)",
            f"""CREATE TABLE {T}locations (id BIGINT PRIMARY KEY, {_NAMED}, encoding_type TEXT NOT NULL,
                location TEXT NOT NULL, lon DOUBLE PRECISION, lat DOUBLE PRECISION, properties TEXT)""",
            f"""CREATE TABLE {T}thing_locations (thing_id BIGINT NOT NULL, location_id BIGINT NOT NULL,
                PRIMARY KEY (thing_id, location_id))""",
            f"""CREATE TABLE {T}historical_locations (id BIGINT PRIMARY KEY, thing_id BIGINT NOT NULL,
                time TIMESTAMP NOT NULL)""",
            f"""CREATE TABLE {T}historical_location_locations (historical_location_id BIGINT NOT NULL,
                location_id BIGINT NOT NULL, PRIMARY KEY (historical_location_id, location_id))""",
            f"""CREATE TABLE {T}sensors (id BIGINT PRIMARY KEY, {_NAMED}, encoding_type TEXT NOT NULL,
                metadata TEXT NOT NULL, properties TEXT)""",
            f"""CREATE TABLE {T}observed_properties (id BIGINT PRIMARY KEY, {_NAMED}, definition TEXT NOT NULL,
                properties TEXT)""",
            f"""CREATE TABLE {T}datastreams (id BIGINT PRIMARY KEY, {_NAMED}, unit_of_measurement TEXT NOT NULL,
                observation_type TEXT NOT NULL, observed_area TEXT, phenomenon_time_start TIMESTAMP,
                phenomenon_time_end TIMESTAMP, result_time_start TIMESTAMP, result_time_end TIMESTAMP,
                properties TEXT, thing_id BIGINT NOT NULL, sensor_id BIGINT NOT NULL,
                observed_property_id BIGINT NOT NULL)""",
            f"""CREATE TABLE {T}features (id BIGINT PRIMARY KEY, {_NAMED}, encoding_type TEXT NOT NULL,
                feature TEXT NOT NULL, lon DOUBLE PRECISION, lat DOUBLE PRECISION, properties TEXT,
                from_location_id BIGINT)""",
            f"""CREATE TABLE {T}observations (id BIGINT PRIMARY KEY, datastream_id BIGINT NOT NULL,
                phenomenon_time TIMESTAMP NOT NULL, phenomenon_time_end TIMESTAMP, result_time TIMESTAMP,
                result_json TEXT, result_number DOUBLE PRECISION, result_string TEXT, result_quality TEXT,
                valid_time_start TIMESTAMP, valid_time_end TIMESTAMP, parameters TEXT, feature_id BIGINT)""",
            # The query the control room and the bench make: one datastream's latest observations.
            f"CREATE INDEX sensors_obs_ds_time ON {T}observations (datastream_id, phenomenon_time, id)",
            f"CREATE INDEX sensors_ds_thing ON {T}datastreams (thing_id)",
            f"CREATE INDEX sensors_hl_thing ON {T}historical_locations (thing_id)",
            f"INSERT INTO {T}ids (entity, next_id) VALUES "
            + ", ".join(f"('{name}', 1)" for name in ENTITIES),
        ],
    )
]
