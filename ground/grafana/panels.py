"""Grafana JSON building blocks: datasource references, targets, panels, thresholds, units.

Panels of dictionary parameters take their title, unit, description and thresholds from the
:class:`~marsy.protocol.Parameter`, so a limit changed in the dictionary moves the line on the
dashboard at the next ``marsy deploy dashboards``. Layout (``gridPos``) is left to
:class:`Grid`; a panel never places itself.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from ground.grafana import queries
from marsy.protocol import Device, FlightPhase, Parameter
from marsy.protocol.parameters import Limits
from marsy.settings import InfluxSettings
from marsy.store.schema import database_for

Json = dict[str, Any]

DATASOURCE_TYPE = "influxdb"
MIXED = {"type": "datasource", "uid": "-- Mixed --"}
"""Grafana's pseudo datasource of a panel whose targets read different databases."""

_UNITS = {
    "m": "lengthm",
    "m/s": "velocityms",
    "m/s2": "accMS2",
    "Pa": "pressurepa",
    "K": "kelvin",
    "Cel": "celsius",
    "%": "percent",
    "kg": "masskg",
    "W": "watt",
    "1": "none",
}
GREEN, YELLOW, RED = "green", "yellow", "red"


def datasource_uid(database: str) -> str:
    """One provisioned datasource per database; dashboards refer to it by this uid."""
    return f"marsy-{database}"


def datasource(database: str) -> Json:
    return {"type": DATASOURCE_TYPE, "uid": datasource_uid(database)}


def device_datasource(device: Device) -> Json:
    """The datasource of the database ``device``'s telemetry is stored in."""
    return datasource(database_for(device, InfluxSettings()))


def grafana_unit(unit: str) -> str:
    """Grafana's unit id for a dictionary (UCUM) unit; an unknown one is shown as a suffix."""
    return _UNITS.get(unit, f"suffix:{unit}")


def display_limits(parameter: Parameter) -> tuple[Limits, str] | None:
    """The limits a panel draws, and when they apply.

    Grafana's thresholds are fixed per panel while the calculator's limits follow the phase:
    the panel shows the default limits, else those of the first phase, in flight order, that
    has any (the powered phases share theirs).
    """
    if parameter.default_limits is not None:
        others = [str(p) for p in FlightPhase if p in parameter.limits]
        when = f"every phase but {', '.join(others)}" if others else "every phase"
        return parameter.default_limits, when
    for phase in FlightPhase:
        limits = parameter.limits.get(phase)
        if limits is not None:
            same = [p for p in FlightPhase if parameter.limits.get(p) == limits]
            return limits, ", ".join(str(p) for p in same)
    return None


def thresholds(limits: Limits | None) -> Json:
    """Grafana threshold steps: red beyond a red limit, yellow beyond a yellow one."""
    if limits is None:
        return {"mode": "absolute", "steps": [{"color": GREEN, "value": None}]}
    if limits.red_low is not None:
        base = RED
    elif limits.yellow_low is not None:
        base = YELLOW
    else:
        base = GREEN
    steps: list[Json] = [{"color": base, "value": None}]
    if limits.red_low is not None:
        above_red = YELLOW if limits.yellow_low is not None else GREEN
        steps.append({"color": above_red, "value": limits.red_low})
    if limits.yellow_low is not None:
        steps.append({"color": GREEN, "value": limits.yellow_low})
    if limits.yellow_high is not None:
        steps.append({"color": YELLOW, "value": limits.yellow_high})
    if limits.red_high is not None:
        steps.append({"color": RED, "value": limits.red_high})
    return {"mode": "absolute", "steps": steps}


def target(ref: str, source: Json, query: str, *, alias: str = "", table: bool = False) -> Json:
    """One raw InfluxQL query of a panel."""
    built: Json = {
        "refId": ref,
        "datasource": source,
        "query": query,
        "rawQuery": True,
        "resultFormat": "table" if table else "time_series",
    }
    if alias:
        built["alias"] = alias
    return built


def refs(count: int) -> list[str]:
    """Grafana's target ids: A, B, C, ..."""
    if count > 26:
        raise ValueError("a panel with more than 26 queries is too busy to read")
    return [chr(ord("A") + index) for index in range(count)]


def timeseries(
    title: str,
    targets: Sequence[Json],
    *,
    unit: str = "none",
    description: str = "",
    limits: Limits | None = None,
    draw: str = "line",
) -> Json:
    """A time series panel; with ``limits`` the yellow and red lines are drawn."""
    return {
        "type": "timeseries",
        "title": title,
        "description": description,
        "datasource": _panel_datasource(targets),
        "fieldConfig": {
            "defaults": {
                "unit": unit,
                "thresholds": thresholds(limits),
                "color": {"mode": "palette-classic"},
                "custom": {
                    "drawStyle": draw,
                    "lineWidth": 1,
                    "spanNulls": True,
                    "showPoints": "never",
                    "thresholdsStyle": {"mode": "line" if limits else "off"},
                },
            },
            "overrides": [],
        },
        "options": {
            "legend": {"displayMode": "list", "placement": "bottom", "showLegend": True},
            "tooltip": {"mode": "multi", "sort": "none"},
        },
        "targets": list(targets),
    }


def parameter_panel(parameter: Parameter) -> Json:
    """One dictionary parameter: its unit, its description, its limits."""
    shown = display_limits(parameter)
    description = (
        f"{parameter.description} ({parameter.unit}); valid "
        f"{parameter.valid_min:g} to {parameter.valid_max:g}."
    )
    if shown is not None:
        description += f" Lines: limits during {shown[1]}."
    query = queries.telemetry(parameter.device, [parameter])
    return timeseries(
        _title(parameter.name),
        [target("A", device_datasource(parameter.device), query, alias="$col")],
        unit=grafana_unit(parameter.unit),
        description=description,
        limits=shown[0] if shown else None,
    )


def state_timeline(title: str, targets: Sequence[Json], *, description: str = "") -> Json:
    """Discrete states over time (flight phase, board online)."""
    return {
        "type": "state-timeline",
        "title": title,
        "description": description,
        "datasource": _panel_datasource(targets),
        "fieldConfig": {
            "defaults": {"color": {"mode": "palette-classic"}, "custom": {"fillOpacity": 70}},
            "overrides": [],
        },
        "options": {"showValue": "auto", "mergeValues": True, "rowHeight": 0.9},
        "targets": list(targets),
    }


def table(title: str, targets: Sequence[Json], *, description: str = "") -> Json:
    return {
        "type": "table",
        "title": title,
        "description": description,
        "datasource": _panel_datasource(targets),
        "fieldConfig": {"defaults": {}, "overrides": []},
        "options": {"showHeader": True},
        "targets": list(targets),
    }


def row(title: str) -> Json:
    return {"type": "row", "title": title, "collapsed": False, "panels": []}


def _panel_datasource(targets: Sequence[Json]) -> Json:
    sources = {target["datasource"]["uid"] for target in targets}
    if len(sources) == 1:
        return dict(targets[0]["datasource"])
    return dict(MIXED)


def _title(name: str) -> str:
    return name.replace("_", " ").capitalize()


@dataclass
class Grid:
    """Places panels left to right, two to a row, on Grafana's 24-column grid."""

    panels: list[Json] = field(default_factory=list)
    _x: int = 0
    _y: int = 0
    _row_height: int = 0

    def add(self, panel: Json, *, width: int = 12, height: int = 8) -> None:
        if panel["type"] == "row":
            width, height = 24, 1
        if self._x + width > 24 or panel["type"] == "row":
            self._newline()
        panel = {"id": len(self.panels) + 1, **panel}
        panel["gridPos"] = {"h": height, "w": width, "x": self._x, "y": self._y}
        self.panels.append(panel)
        self._x += width
        self._row_height = max(self._row_height, height)
        if panel["type"] == "row":
            self._newline()

    def _newline(self) -> None:
        self._y += self._row_height
        self._x = 0
        self._row_height = 0
