"""The live console as a terminal would draw it: ground faults in their own panel and colour."""

from __future__ import annotations

import io

from rich.console import Console

from marsy.protocol import Device
from marsy_sim.console import (
    FIGURES,
    GROUND_STYLE,
    addresses,
    ground_status,
    render,
    vehicle_alerts,
)
from marsy_sim.watch import Watch
from tests.sim.messages import MISSION, ground, limit, los, recorder


def panels(watch: Watch) -> dict[str, str]:
    """The console's text, cut into the bottom row's panels by their titles."""
    screen = Console(width=180, height=40, file=io.StringIO(), record=True, color_system=None)
    screen.print(render(watch))
    rows = screen.export_text().splitlines()
    top = next(i for i, row in enumerate(rows) if "vehicle alerts" in row)
    cut = [i for i, corner in enumerate(rows[top]) if corner == "╭"] + [len(rows[top])]
    assert len(cut) == 4, rows[top]
    return {
        title: "\n".join(row[cut[i] : cut[i + 1]] for row in rows[top:])
        for i, title in enumerate(("vehicle", "ground", "links"))
    }


def test_a_ground_alert_is_drawn_as_ground_never_among_the_vehicles() -> None:
    watch = Watch(lambda line: None, mission_id=MISSION)
    watch.handle(ground("broker", "broker unreachable 20 s"))
    watch.handle(limit(Device.SUIT, "heart_rate", "heart rate 190 /min beyond the red limit"))
    watch.handle(los(Device.ROCKET))

    drawn = panels(watch)
    assert "GROUND: broker unreachable 20 s" in drawn["ground"]
    assert "GROUND" not in drawn["vehicle"] and "broker" not in drawn["vehicle"]
    assert "LOS rocket (hold)" in drawn["vehicle"]
    assert "heart_rate" in drawn["vehicle"] and "heart_rate" not in drawn["ground"]

    [ground_span] = ground_status(watch).spans
    assert ground_span.style == GROUND_STYLE
    assert GROUND_STYLE not in {span.style for span in vehicle_alerts(watch).spans}


def test_the_ground_panel_says_nominal_and_how_far_behind_the_recorders_are() -> None:
    watch = Watch(lambda line: None, mission_id=MISSION)
    watch.handle(recorder("telemetry", 0.43, pending=12))
    watch.handle(recorder("payload", 3.0, store_ok=False))
    assert ground_status(watch).plain.splitlines() == [
        "ground: nominal",
        "payload: lag 3.0 s, 0 pending, store FAILING",
        "telemetry: lag 0.4 s, 12 pending, store ok",
    ]
    assert vehicle_alerts(watch).plain == "none"


def test_live_figures_are_written_in_their_dictionary_units_scaled() -> None:
    watch = Watch(lambda line: None, mission_id=MISSION)
    watch.latest[Device.ROCKET] = {"altitude": 12_345.0, "dynamic_pressure": 31_234.0}
    watch.latest[Device.SUIT] = {"heart_rate": 128.0, "g_load": 2.44}
    screen = Console(width=180, height=60, file=io.StringIO(), record=True, color_system=None)
    screen.print(render(watch))
    text = screen.export_text()
    assert "12.3 km" in text and "31.2 kPa" in text and "128.0 /min" in text
    assert "2.4 g" in text  # a g-load is a plain number in SI, read in g
    assert {f.parameter.device for figures in FIGURES.values() for f in figures} == set(Device)
    assert all(f.parameter.device is d for d, figures in FIGURES.items() for f in figures)


def test_the_live_page_is_given_and_grafana_only_where_its_address_is_known() -> None:
    page = "http://127.0.0.1:8123"
    assert addresses(page, {}) == ["live page: http://127.0.0.1:8123/"]
    grafana = {"MARSY_GRAFANA_URL": "http://ops.example/grafana/"}
    assert addresses(page, grafana) == [
        "live page: http://127.0.0.1:8123/",
        "Grafana: http://ops.example/grafana",
    ]
    assert addresses(page, {"MARSY_GRAFANA_URL": "ops"})[1].startswith("Grafana: no link")
