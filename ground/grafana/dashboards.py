"""The MarsY dashboards: flight, crew vitals, booster descent, payload, alerts and link health.

Each dashboard opens with the panels a flight controller looks at first, named by parameter
(a name the dictionary does not have fails the generator, it cannot query a missing field),
then shows every other parameter of its device in dictionary order, so a parameter added to
:mod:`marsy.protocol.parameters` gets its panel without anyone touching this file. Every
dashboard has the ``mission`` variable and the mission events as annotations.
"""

from __future__ import annotations

from collections.abc import Sequence

from ground.grafana import queries
from ground.grafana.panels import (
    Grid,
    Json,
    datasource,
    device_datasource,
    grafana_unit,
    parameter_panel,
    refs,
    row,
    state_timeline,
    table,
    target,
    timeseries,
)
from marsy.protocol import Device, DeviceHealth, parameter, parameters_of
from marsy.protocol.parameters import Limits
from marsy.settings import InfluxSettings
from marsy.store.schema import ALERT_FIELDS, ALERT_TAGS, LEVEL_FIELD, database_for

TAG = "marsy"
SCHEMA_VERSION = 39
"""Grafana's dashboard JSON model version (Grafana 10.x); newer Grafanas migrate it on load."""

HEALTH_COUNTERS = ("frames_ok", "frames_bad")
"""Running counts of the heartbeat, shown as rates."""
HEALTH_GAUGES = ("queue_depth", "dropped", "reconnects")
HEALTH_STATE = "board_online"

_FLIGHT_DEVICES = (Device.ROCKET, Device.BOOSTER, Device.SUIT)


def mission_variable() -> Json:
    """``$mission``: every real mission, newest first; a dashboard opens on the newest.

    Grafana keeps the order of the query's answer when the variable's ``sort`` is 0 (disabled)
    and, with no ``current`` value saved, selects the first option: the newest mission, by
    InfluxDB's clock, never the agents' ``standby`` nor a replay (:func:`queries.missions`).
    """
    query = queries.missions()
    return {
        "name": queries.MISSION_VARIABLE,
        "label": "Mission",
        "type": "query",
        "datasource": datasource(InfluxSettings().flight_db),
        "query": query,
        "definition": query,
        "refresh": 2,
        "sort": 0,
        "multi": False,
        "includeAll": False,
        "hide": 0,
        "current": {},
        "options": [],
    }


def events_annotation() -> Json:
    """Mission events (lift-off, max-Q, MECO, separation, ...) as vertical marks."""
    source = datasource(InfluxSettings().flight_db)
    return {
        "name": "Mission events",
        "datasource": source,
        "enable": True,
        "hide": False,
        "iconColor": "rgba(0, 211, 255, 1)",
        "query": queries.events(),
        "titleColumn": "event",
        "textColumn": "detail",
        "tagsColumn": "event,device",
    }


def plot(title: str, series: Sequence[tuple[Device, Sequence[str]]]) -> Json:
    """One panel of several parameters of one unit, of one or more devices.

    Limits are drawn only when the panel shows one parameter: lines of one parameter on the
    curve of another would mislead.
    """
    params = [parameter(device, name) for device, names in series for name in names]
    units = {p.unit for p in params}
    if len(units) != 1:
        raise ValueError(f"{title}: parameters of one unit only, got {sorted(units)}")
    if len(params) == 1:
        return {**parameter_panel(params[0]), "title": title}
    alias = "$m $col" if len(series) > 1 else "$col"
    targets = []
    for ref, (device, names) in zip(refs(len(series)), series, strict=True):
        query = queries.telemetry(device, [parameter(device, name) for name in names])
        targets.append(target(ref, device_datasource(device), query, alias=alias))
    return timeseries(
        title,
        targets,
        unit=grafana_unit(params[0].unit),
        description="; ".join(f"{p.key}: {p.description}" for p in params),
    )


def phases(devices: Sequence[Device]) -> Json:
    targets = [
        target(ref, device_datasource(device), queries.phase(device), alias="$m")
        for ref, device in zip(refs(len(devices)), devices, strict=True)
    ]
    return state_timeline(
        "Flight phase", targets, description="The phase each device reported last."
    )


class Board:
    """A dashboard being laid out; remembers which parameters already have a panel."""

    def __init__(self) -> None:
        self.grid = Grid()
        self.shown: set[str] = set()

    def add(self, panel: Json, *, width: int = 12, height: int = 8) -> None:
        self.grid.add(panel, width=width, height=height)

    def plot(self, title: str, series: Sequence[tuple[Device, Sequence[str]]]) -> None:
        self.add(plot(title, series))
        self.shown |= {f"{device}.{name}" for device, names in series for name in names}

    def the_rest(self, device: Device, title: str | None = None) -> None:
        """A panel for every parameter of ``device`` not shown yet, in dictionary order."""
        rest = [p for p in parameters_of(device) if p.key not in self.shown]
        if rest and title:
            self.add(row(title))
        for param in rest:
            self.add(parameter_panel(param))
            self.shown.add(param.key)

    def dashboard(self, uid: str, title: str, description: str) -> Json:
        return {
            "uid": uid,
            "title": title,
            "description": description,
            "tags": [TAG],
            "timezone": "utc",
            "editable": False,
            "graphTooltip": 1,
            "refresh": "5s",
            "time": {"from": "now-1h", "to": "now"},
            "schemaVersion": SCHEMA_VERSION,
            "version": 1,
            "templating": {"list": [mission_variable()]},
            "annotations": {"list": [events_annotation()]},
            "links": [
                {
                    "type": "dashboards",
                    "tags": [TAG],
                    "title": "MarsY",
                    "asDropdown": True,
                    "includeVars": True,
                    "keepTime": True,
                }
            ],
            "panels": self.grid.panels,
        }


def flight() -> Json:
    board = Board()
    board.add(phases(_FLIGHT_DEVICES), width=24, height=5)
    board.plot("Altitude", [(Device.ROCKET, ["altitude"])])
    board.plot("Velocity", [(Device.ROCKET, ["velocity", "inertial_velocity", "vertical_speed"])])
    board.plot("Acceleration", [(Device.ROCKET, ["acceleration"])])
    board.plot("Dynamic pressure", [(Device.ROCKET, ["dynamic_pressure"])])
    board.plot(
        "Propellant", [(Device.ROCKET, ["fuel_stage1", "fuel_stage2"]), (Device.BOOSTER, ["fuel"])]
    )
    board.the_rest(Device.ROCKET, "Every other rocket parameter")
    return board.dashboard(
        "marsy-flight",
        "MarsY flight",
        "The rocket from the pad to orbit: trajectory, loads, propellant, engines, cabin.",
    )


def crew() -> Json:
    board = Board()
    board.add(phases([Device.SUIT]), width=24, height=5)
    board.the_rest(Device.SUIT)
    board.plot("Cabin pressure", [(Device.ROCKET, ["cabin_pressure"])])
    return board.dashboard(
        "marsy-crew",
        "MarsY crew vitals",
        "The astronaut's vital signs and suit, with the cabin they ride in.",
    )


def booster() -> Json:
    board = Board()
    board.add(phases([Device.BOOSTER]), width=24, height=5)
    for title, name in (
        ("Altitude", "altitude"),
        ("Vertical speed", "vertical_speed"),
        ("Velocity", "velocity"),
        ("Dynamic pressure on re-entry", "dynamic_pressure"),
        ("Propellant", "fuel"),
    ):
        board.plot(title, [(Device.BOOSTER, [name])])
    board.the_rest(Device.BOOSTER, "Every other booster parameter")
    return board.dashboard(
        "marsy-booster",
        "MarsY booster descent",
        "The first stage after separation: boost-back, re-entry, landing burn, touchdown.",
    )


def payload() -> Json:
    board = Board()
    board.add(phases([Device.SATELLITE]), width=24, height=5)
    board.the_rest(Device.SATELLITE)
    source = device_datasource(Device.SATELLITE)
    board.add(
        timeseries(
            "Samples per second",
            [target("A", source, queries.sample_rate(Device.SATELLITE), alias="$m")],
            unit="hertz",
        )
    )
    database = database_for(Device.SATELLITE, InfluxSettings())
    return board.dashboard(
        "marsy-payload", "MarsY payload", f"The satellite after release (database {database})."
    )


def health() -> Json:
    for name in (*HEALTH_COUNTERS, *HEALTH_GAUGES, HEALTH_STATE):
        if name not in DeviceHealth.model_fields:
            raise ValueError(f"DeviceHealth has no field {name!r}: update the health dashboard")
    flight_source = datasource(InfluxSettings().flight_db)

    def per_device(query: str) -> list[Json]:
        return [target("A", flight_source, query, alias="$tag_device")]

    board = Board()
    board.add(
        table(
            "Alerts, newest first",
            [target("A", flight_source, queries.alert_log(ALERT_FIELDS, ALERT_TAGS), table=True)],
            description="The calculator's alerts and clearings: level 0 cleared, 1 yellow, 2 red.",
        ),
        width=24,
    )
    board.add(
        timeseries(
            "Alert level",
            per_device(queries.alert_level(LEVEL_FIELD)),
            limits=Limits(yellow_high=1.0, red_high=2.0),
            draw="bars",
        )
    )
    board.add(
        timeseries(
            "Samples per second",
            [
                target(ref, device_datasource(device), queries.sample_rate(device), alias="$m")
                for ref, device in zip(refs(len(Device)), Device, strict=True)
            ],
            unit="hertz",
            description="Telemetry and vitals stored per second, per device.",
        )
    )
    board.add(row("Link health (agent heartbeats)"))
    board.add(
        state_timeline("Sensor board online", per_device(queries.health(HEALTH_STATE))),
        width=24,
        height=5,
    )
    for counter in HEALTH_COUNTERS:
        title = f"{counter.replace('_', ' ').capitalize()} per second"
        board.add(timeseries(title, per_device(queries.health(counter, rate=True)), unit="hertz"))
    for gauge in HEALTH_GAUGES:
        title = gauge.replace("_", " ").capitalize()
        board.add(timeseries(title, per_device(queries.health(gauge))))
    return board.dashboard(
        "marsy-health",
        "MarsY alerts and link health",
        "What the calculator flagged, and whether every device's serial line and link hold.",
    )


def all_dashboards() -> list[Json]:
    """Every MarsY dashboard, in the order a controller opens them."""
    return [flight(), crew(), booster(), payload(), health()]
