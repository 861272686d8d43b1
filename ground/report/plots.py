"""The report's plots (PNG, matplotlib without a display), with the mission's events marked.

Every plot has a dotted line at each event of :data:`MARKED`, labelled in rows that never
overlap (:mod:`ground.report.labels`); some plots also mark on a curve what an event did to it:
the crew's g-load kick at ejection, the capsule's altitude when each parachute opened.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt
from matplotlib.axes import Axes
from matplotlib.font_manager import FontProperties
from matplotlib.textpath import TextPath

from ground.report.data import MissionData
from ground.report.labels import Label, peak_after, place, value_at
from ground.report.units import display_unit, figure
from marsy.protocol import Device, EventType, Parameter, parameter

MARKED = (
    "liftoff",
    "max_q",
    "meco",
    "stage_separation",
    "seco",
    "orbit",
    "payload_detached",
    "abort",
    "ejection",
    "explosion",
    "drogue_deployed",
    "main_deployed",
    "capsule_landed",
    "booster_landed",
)

_R, _B, _S, _U = Device.ROCKET, Device.BOOSTER, Device.SATELLITE, Device.SUIT


@dataclass(frozen=True)
class Curve:
    """One parameter on a plot, multiplied by ``scale`` (its unit scaled to match)."""

    parameter: Parameter
    label: str
    scale: float = 1.0

    @property
    def unit(self) -> str:
        return display_unit(self.parameter.shown_unit, self.scale)


def _curve(device: Device, name: str, label: str, scale: float = 1.0) -> Curve:
    return Curve(parameter(device, name), label, scale)


@dataclass(frozen=True)
class Highlight:
    """What ``event`` did to ``curve``: its value then, or with ``within`` seconds its peak in
    that time after the event; written in the parameter's unit times ``scale``."""

    event: EventType
    curve: Curve
    name: str
    within: float = 0.0
    scale: float = 1.0


@dataclass(frozen=True)
class Plot:
    """One PNG. Its y axis carries the curves' unit when they share one; otherwise each curve's
    label says its own."""

    file: str
    title: str
    curves: tuple[Curve, ...]
    highlights: tuple[Highlight, ...] = ()

    @property
    def unit(self) -> str:
        units = {curve.unit for curve in self.curves}
        return units.pop() if len(units) == 1 else ""

    def label(self, curve: Curve) -> str:
        if self.unit or not curve.unit:
            return curve.label
        return f"{curve.label} ({curve.unit})"


KILO = 1e-3
DYNAMIC_PRESSURE = parameter(_R, "dynamic_pressure")
G_LOAD = _curve(_U, "g_load", "g-load", 10.0)
CAPSULE_ALTITUDE = _curve(_U, "altitude", "altitude", KILO)
EJECTION_KICK = 8.0
"""Seconds after the ejection event in which the crew's g-load peak is its kick: the abort
motor burns about 5 s (6 s on a Falcon 9), pushing harder as its propellant goes."""
NEAR = 2.0
"""Seconds from an event within which a sample still says where the curve was."""
PLOTS: Sequence[Plot] = (
    Plot(
        "altitude.png",
        "Altitude",
        (
            _curve(_R, "altitude", "rocket", KILO),
            _curve(_B, "altitude", "booster", KILO),
            _curve(_S, "altitude", "satellite", KILO),
        ),
    ),
    Plot(
        "velocity.png",
        "Velocity",
        (
            _curve(_R, "velocity", "rocket, Earth-relative"),
            _curve(_R, "inertial_velocity", "rocket, inertial"),
            _curve(_B, "velocity", "booster"),
        ),
    ),
    Plot(
        "acceleration.png",
        "Acceleration",
        (_curve(_R, "acceleration", "rocket"), _curve(_B, "acceleration", "booster")),
    ),
    Plot(
        "fuel.png",
        "Propellant",
        (
            _curve(_R, "fuel_stage1", "first stage"),
            _curve(_R, "fuel_stage2", "second stage"),
            _curve(_B, "fuel", "booster (after separation)"),
        ),
    ),
    Plot(
        "dynamic_pressure.png",
        "Dynamic pressure",
        (Curve(DYNAMIC_PRESSURE, "rocket", KILO),),
    ),
    Plot(
        "crew.png",
        "Crew: heart rate and g-load",
        (_curve(_U, "heart_rate", "heart rate"), G_LOAD),
        (Highlight(EventType.EJECTION, G_LOAD, "ejection kick", within=EJECTION_KICK),),
    ),
    Plot(
        "booster.png",
        "Booster descent",
        (
            _curve(_B, "altitude", "altitude", KILO),
            _curve(_B, "vertical_speed", "vertical speed", KILO),
        ),
    ),
    Plot(
        "crew_descent.png",
        "Crew: altitude and vertical speed (the capsule's after ejection)",
        (CAPSULE_ALTITUDE, _curve(_U, "vertical_speed", "vertical speed", 1e-2)),
        (
            Highlight(EventType.DROGUE_DEPLOYED, CAPSULE_ALTITUDE, "drogue", scale=KILO),
            Highlight(EventType.MAIN_DEPLOYED, CAPSULE_ALTITUDE, "main", scale=KILO),
        ),
    ),
    Plot(
        "satellite.png",
        "Satellite orbit",
        (
            _curve(_S, "apoapsis", "apoapsis", KILO),
            _curve(_S, "periapsis", "periapsis", KILO),
            _curve(_S, "altitude", "altitude", KILO),
        ),
    ),
)
"""Every plot's parameters come from the dictionary: a misspelt name fails at import."""


LABEL_SIZE = 7.0
"""Points: the events' labels."""
ROW = 9.0
"""Points from one row of labels to the next."""
_LABEL_FONT = FontProperties(family="sans-serif", size=LABEL_SIZE)


def text_width(text: str) -> float:
    """Width in points of ``text`` in the labels' font."""
    return float(TextPath((0, 0), text, prop=_LABEL_FONT).get_extents().width)


def first_events(data: MissionData) -> dict[str, float]:
    """Each marked event's first time (s after lift-off): a vehicle reports an event and
    services echo it."""
    first: dict[str, float] = {}
    for entry in data.timeline:
        if entry.kind == "event" and entry.text in MARKED:
            first.setdefault(entry.text, entry.ts - data.liftoff)
    return first


def draw(data: MissionData, folder: Path) -> list[Path]:
    """Write every plot that has data; returns the files written."""
    events = first_events(data)
    written = []
    for plot in PLOTS:
        fig, ax = plt.subplots(figsize=(9, 4.2), dpi=100)
        drawn = 0
        for curve in plot.curves:
            series = data.devices[curve.parameter.device]
            values = series.column(curve.parameter.name)
            points = [
                (t, v * curve.scale)
                for t, v in zip(series.t, values, strict=False)
                if v is not None
            ]
            if points:
                ax.plot(
                    [p[0] for p in points],
                    [p[1] for p in points],
                    label=plot.label(curve),
                    lw=1.2,
                )
                drawn += 1
        if not drawn:
            plt.close(fig)
            continue
        if any(curve.parameter == DYNAMIC_PRESSURE for curve in plot.curves):
            _mark_max_q(ax, data)
        for highlight in plot.highlights:
            _mark(ax, data, highlight, events.get(highlight.event))
        for t in events.values():
            ax.axvline(t, color="grey", lw=0.6, ls=":")
        ax.set_title(f"{plot.title} — mission {data.mission.mission_id}")
        ax.set_xlabel("seconds after lift-off")
        ax.set_ylabel(plot.unit)
        ax.grid(alpha=0.3)
        fig.tight_layout()
        _label(ax, [(t, name) for name, t in events.items()])
        ax.legend(loc="best", fontsize=8)
        path = folder / plot.file
        fig.savefig(path)
        plt.close(fig)
        written.append(path)
    return written


def _label(ax: Axes, marks: list[tuple[float, str]]) -> list[Label]:
    """Each event's name beside its line, in rows that never overlap, above the curves."""
    box = ax.get_window_extent()
    to_points = 72.0 / ax.figure.dpi
    width, height = box.width * to_points, box.height * to_points
    low, high = ax.get_xlim()
    labels = place(marks, (low, high), width, text_width)
    for label in labels:
        ax.annotate(
            label.text,
            (label.x, 1.0),
            xycoords=("data", "axes fraction"),
            xytext=(-2.0 if label.leftward else 2.0, -3.0 - label.row * ROW),
            textcoords="offset points",
            fontsize=LABEL_SIZE,
            va="top",
            ha="right" if label.leftward else "left",
            color="dimgrey",
        )
    if labels:
        rows = max(label.row for label in labels) + 1
        taken = min(0.6, (4.0 + rows * ROW) / height)
        bottom, top = ax.get_ylim()
        ax.set_ylim(bottom, top + (top - bottom) * taken / (1.0 - taken))
    ax.set_xlim(low, high)
    return labels


def _mark(ax: Axes, data: MissionData, highlight: Highlight, at: float | None) -> None:
    """The point of a curve an event made (the ejection's kick, a parachute's opening)."""
    if at is None:
        return
    curve = highlight.curve
    series = data.devices[curve.parameter.device]
    values = series.column(curve.parameter.name)
    point = (
        peak_after(series.t, values, at, highlight.within)
        if highlight.within
        else value_at(series.t, values, at, NEAR)
    )
    if point is None:
        return
    t, value = point
    ax.plot([t], [value * curve.scale], "o", color="crimson", ms=5)
    shown = figure(value, curve.parameter.shown_unit, highlight.scale)
    ax.annotate(
        f"{highlight.name} {shown} at T+{t:.0f} s",
        (t, value * curve.scale),
        textcoords="offset points",
        xytext=(8, -10),
        fontsize=8,
        color="crimson",
    )


def _mark_max_q(ax: Axes, data: MissionData) -> None:
    series = data.devices[DYNAMIC_PRESSURE.device]
    values = series.column(DYNAMIC_PRESSURE.name)
    points = [(t, v) for t, v in zip(series.t, values, strict=False) if v is not None]
    if points:
        t, q = max(points, key=lambda p: p[1])
        ax.plot([t], [q * KILO], "o", color="crimson")
        ax.annotate(
            f"Max-Q {figure(q, DYNAMIC_PRESSURE.unit, KILO)} at T+{t:.0f} s",
            (t, q * KILO),
            textcoords="offset points",
            xytext=(8, 4),
            fontsize=8,
            color="crimson",
        )
