"""The live console, laid out like the original tmux demo: the flight phase as a state line, the
command log, the webcast commentary, live figures of every vehicle and of the astronaut, alerts
and link health. It draws :class:`~marsy_sim.watch.Watch`'s state with rich, a few times a second.

Vehicle alerts and the ground's own faults sit in separate panels and colours, so nobody reads
a stale store or a cut broker link as trouble on board.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass

from rich.console import Group
from rich.layout import Layout
from rich.panel import Panel
from rich.table import Table
from rich.text import Text

from ground.grafana.links import URL_SETTING, grafana_url
from ground.report.units import figure
from marsy.protocol import Device, Parameter, parameter
from marsy_sim.watch import Watch, ground_line, vehicle_line

GROUND_STYLE = "bold cyan"
"""Ground faults: a colour no vehicle alert uses (those are yellow and red)."""
VEHICLE_STYLE = {"yellow": "yellow", "red": "bold red"}
NOMINAL = ("pad", "ascent", "max_q", "upper_stage", "orbit")
ABORT = ("abort", "parachutes", "landed")
KILO = 1e-3


@dataclass(frozen=True)
class Figure:
    """A live figure: a parameter of the dictionary (a misspelt name fails at import), its
    label, and the scale it is read at (its unit scaled to match)."""

    parameter: Parameter
    label: str
    scale: float = 1.0

    def text(self, value: float | None) -> str:
        return "—" if value is None else figure(value, self.parameter.shown_unit, self.scale)


def _shown(device: Device, *shown: tuple[str, str, float]) -> tuple[Figure, ...]:
    """The figures of ``device`` from (parameter name, label, scale)."""
    return tuple(Figure(parameter(device, name), label, scale) for name, label, scale in shown)


FIGURES: dict[Device, tuple[Figure, ...]] = {
    Device.ROCKET: _shown(
        Device.ROCKET,
        ("altitude", "altitude", KILO),
        ("velocity", "speed", 1.0),
        ("dynamic_pressure", "q", KILO),
        ("fuel_stage1", "fuel 1", 1.0),
        ("fuel_stage2", "fuel 2", 1.0),
        ("throttle", "throttle", 1.0),
    ),
    Device.BOOSTER: _shown(
        Device.BOOSTER,
        ("altitude", "altitude", KILO),
        ("vertical_speed", "v/speed", 1.0),
        ("fuel", "fuel", 1.0),
    ),
    Device.SATELLITE: _shown(
        Device.SATELLITE,
        ("apoapsis", "apoapsis", KILO),
        ("periapsis", "periapsis", KILO),
        ("battery", "battery", 1.0),
    ),
    Device.SUIT: _shown(
        Device.SUIT,
        ("heart_rate", "heart", 1.0),
        ("g_load", "g-load", 1.0),
        ("spo2", "SpO2", 1.0),
        ("suit_pressure", "suit p", KILO),
    ),
}


def addresses(live_page: str, environ: Mapping[str, str] | None = None) -> list[str]:
    """Where else the flight can be watched, said once when the ground is up: the live page,
    and Grafana when its address is set (the simulation starts no Grafana of its own)."""
    lines = [f"live page: {live_page}/"]
    if (os.environ if environ is None else environ).get(URL_SETTING):
        try:
            lines.append(f"Grafana: {grafana_url(environ)}")
        except ValueError as exc:
            lines.append(f"Grafana: no link, {exc}")
    return lines


def phase_line(watch: Watch) -> Text:
    current = watch.phases.get(Device.SUIT) or watch.phases.get(Device.ROCKET) or "pad"
    steps = ABORT if current in ABORT else NOMINAL
    line = Text(f"mission {watch.mission_id or '-'} [{watch.state}]  ")
    for step in steps:
        line.append(f" {step} ", style="bold reverse" if step == current else "dim")
        line.append("→" if step != steps[-1] else "")
    return line


def _figures(watch: Watch, device: Device) -> Table:
    table = Table(show_header=False, box=None, pad_edge=False)
    latest = watch.latest.get(device, {})
    for shown in FIGURES[device]:
        table.add_row(shown.label, shown.text(latest.get(shown.parameter.name)))
    table.add_row("phase", watch.phases.get(device, "—"))
    return table


def vehicle_alerts(watch: Watch) -> Text:
    """Open alerts about the vehicles and the crew, coloured by severity; never a ground one."""
    text = Text()
    for alert in watch.vehicle_alerts():
        text.append(("\n" if text else "") + vehicle_line(alert), VEHICLE_STYLE[alert.severity])
    return text or Text("none", style="dim")


def ground_status(watch: Watch) -> Text:
    """The ground's own faults, one line per part, then how far behind the recorders are."""
    text = Text()
    for alert in watch.ground_alerts():
        text.append(ground_line(alert) + "\n", GROUND_STYLE)
    if not text:
        text.append("ground: nominal\n", style="dim")
    for name, health in sorted(watch.services.items()):
        if health.ingest_lag is None and health.store_ok is None:
            continue
        lag = "—" if health.ingest_lag is None else f"{health.ingest_lag:.1f} s"
        store = {None: "—", True: "ok", False: "FAILING"}[health.store_ok]
        text.append(f"{name}: lag {lag}, {health.pending} pending, store {store}\n")
    text.rstrip()
    return text


def render(watch: Watch) -> Layout:
    layout = Layout()
    layout.split_column(
        Layout(name="phase", size=3), Layout(name="middle"), Layout(name="bottom", size=9)
    )
    layout["phase"].update(Panel(phase_line(watch), title="MarsY"))
    layout["middle"].split_row(Layout(name="log", ratio=3), Layout(name="figures", ratio=2))
    layout["log"].split_column(
        Layout(Panel(Text("\n".join(watch.log[-14:])), title="command log")),
        Layout(Panel(Text("\n".join(watch.commentary[-8:])), title="webcast")),
    )
    layout["figures"].update(
        Panel(
            Group(*[Panel(_figures(watch, device), title=str(device)) for device in Device]),
            title="live",
        )
    )
    links = Table(show_header=True, box=None)
    for column in ("device", "frames ok", "bad", "queue", "dropped", "reconnects"):
        links.add_column(column)
    for name, health in sorted(watch.health.items()):
        links.add_row(
            name,
            str(health.frames_ok),
            str(health.frames_bad),
            str(health.queue_depth),
            str(health.dropped),
            str(health.reconnects),
        )
    layout["bottom"].split_row(
        Layout(Panel(vehicle_alerts(watch), title="vehicle alerts")),
        Layout(Panel(ground_status(watch), title="ground", border_style="cyan")),
        Layout(Panel(links, title="link health")),
    )
    return layout
