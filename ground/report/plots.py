"""The report's plots (PNG, matplotlib without a display), with the mission's events marked."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt
from matplotlib.axes import Axes

from ground.report.data import MissionData
from marsy.protocol import Device

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

# (file, title, [(device, field, label, scale)], y label)
PLOTS: Sequence[tuple[str, str, list[tuple[Device, str, str, float]], str]] = (
    (
        "altitude.png",
        "Altitude",
        [
            (Device.ROCKET, "altitude", "rocket", 1e-3),
            (Device.BOOSTER, "altitude", "booster", 1e-3),
            (Device.SATELLITE, "altitude", "satellite", 1e-3),
        ],
        "km",
    ),
    (
        "velocity.png",
        "Velocity",
        [
            (Device.ROCKET, "velocity", "rocket, Earth-relative", 1.0),
            (Device.ROCKET, "inertial_velocity", "rocket, inertial", 1.0),
            (Device.BOOSTER, "velocity", "booster", 1.0),
        ],
        "m/s",
    ),
    (
        "acceleration.png",
        "Acceleration",
        [
            (Device.ROCKET, "acceleration", "rocket", 1.0),
            (Device.BOOSTER, "acceleration", "booster", 1.0),
        ],
        "m/s²",
    ),
    (
        "fuel.png",
        "Propellant",
        [
            (Device.ROCKET, "fuel_stage1", "first stage", 1.0),
            (Device.ROCKET, "fuel_stage2", "second stage", 1.0),
            (Device.BOOSTER, "fuel", "booster (after separation)", 1.0),
        ],
        "%",
    ),
    (
        "dynamic_pressure.png",
        "Dynamic pressure",
        [(Device.ROCKET, "dynamic_pressure", "rocket", 1e-3)],
        "kPa",
    ),
    (
        "crew.png",
        "Crew: heart rate and g-load",
        [
            (Device.SUIT, "heart_rate", "heart rate (/min)", 1.0),
            (Device.SUIT, "g_load", "g-load (x10)", 10.0),
        ],
        "",
    ),
    (
        "booster.png",
        "Booster descent",
        [
            (Device.BOOSTER, "altitude", "altitude (km)", 1e-3),
            (Device.BOOSTER, "vertical_speed", "vertical speed (km/s)", 1e-3),
        ],
        "",
    ),
    (
        "crew_descent.png",
        "Crew: altitude and vertical speed (the capsule's after ejection)",
        [
            (Device.SUIT, "altitude", "altitude (km)", 1e-3),
            (Device.SUIT, "vertical_speed", "vertical speed (100 m/s)", 1e-2),
        ],
        "",
    ),
    (
        "satellite.png",
        "Satellite orbit",
        [
            (Device.SATELLITE, "apoapsis", "apoapsis", 1e-3),
            (Device.SATELLITE, "periapsis", "periapsis", 1e-3),
            (Device.SATELLITE, "altitude", "altitude", 1e-3),
        ],
        "km",
    ),
)


def draw(data: MissionData, folder: Path) -> list[Path]:
    """Write every plot that has data; returns the files written."""
    first: dict[str, float] = {}  # an event is reported by the vehicle and echoed by services
    for entry in data.timeline:
        if entry.kind == "event" and entry.text in MARKED:
            first.setdefault(entry.text, entry.ts - data.liftoff)
    events = [(t, label) for label, t in first.items()]
    written = []
    for name, title, curves, unit in PLOTS:
        fig, ax = plt.subplots(figsize=(9, 4.2), dpi=100)
        drawn = 0
        for device, field, label, scale in curves:
            series = data.devices[device]
            values = series.column(field)
            points = [
                (t, v * scale) for t, v in zip(series.t, values, strict=False) if v is not None
            ]
            if points:
                ax.plot([p[0] for p in points], [p[1] for p in points], label=label, lw=1.2)
                drawn += 1
        if not drawn:
            plt.close(fig)
            continue
        if name == "dynamic_pressure.png":
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
        ax.set_title(f"{title} — mission {data.mission.mission_id}")
        ax.set_xlabel("seconds after lift-off")
        ax.set_ylabel(unit)
        ax.grid(alpha=0.3)
        ax.legend(loc="best", fontsize=8)
        fig.tight_layout()
        path = folder / name
        fig.savefig(path)
        plt.close(fig)
        written.append(path)
    return written


def _mark_max_q(ax: Axes, data: MissionData) -> None:
    series = data.devices[Device.ROCKET]
    values = series.column("dynamic_pressure")
    points = [(t, v) for t, v in zip(series.t, values, strict=False) if v is not None]
    if points:
        t, q = max(points, key=lambda p: p[1])
        ax.plot([t], [q / 1e3], "o", color="crimson")
        ax.annotate(
            f"Max-Q {q / 1e3:.1f} kPa at T+{t:.0f} s",
            (t, q / 1e3),
            textcoords="offset points",
            xytext=(8, 4),
            fontsize=8,
            color="crimson",
        )
