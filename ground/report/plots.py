"""The report's plots (PNG, matplotlib without a display), with the mission's events marked."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt
from matplotlib.axes import Axes

from ground.report.data import MissionData
from ground.report.units import display_unit, figure
from marsy.protocol import Device, Parameter, parameter

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
class Plot:
    """One PNG. Its y axis carries the curves' unit when they share one; otherwise each curve's
    label says its own."""

    file: str
    title: str
    curves: tuple[Curve, ...]

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
        (_curve(_U, "heart_rate", "heart rate"), _curve(_U, "g_load", "g-load", 10.0)),
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
        (
            _curve(_U, "altitude", "altitude", KILO),
            _curve(_U, "vertical_speed", "vertical speed", 1e-2),
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


def draw(data: MissionData, folder: Path) -> list[Path]:
    """Write every plot that has data; returns the files written."""
    first: dict[str, float] = {}  # an event is reported by the vehicle and echoed by services
    for entry in data.timeline:
        if entry.kind == "event" and entry.text in MARKED:
            first.setdefault(entry.text, entry.ts - data.liftoff)
    events = [(t, label) for label, t in first.items()]
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
        for t, label in events:
            ax.axvline(t, color="grey", lw=0.6, ls=":")
            ax.annotate(
                label,
                (t, 1.0),
                xycoords=("data", "axes fraction"),
                rotation=90,
                fontsize=7,
                va="top",
                ha="right",
                color="dimgrey",
            )
        ax.set_title(f"{plot.title} — mission {data.mission.mission_id}")
        ax.set_xlabel("seconds after lift-off")
        ax.set_ylabel(plot.unit)
        ax.grid(alpha=0.3)
        ax.legend(loc="best", fontsize=8)
        fig.tight_layout()
        path = folder / plot.file
        fig.savefig(path)
        plt.close(fig)
        written.append(path)
    return written


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
