"""The generated dashboards and datasources: current in grafana/, derived from the dictionary."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
import yaml
from click.testing import CliRunner

from ground.grafana import datasources, render
from ground.grafana.dashboards import plot
from ground.grafana.panels import MIXED, display_limits, grafana_unit, thresholds
from ground.grafana.provisioning import DATASOURCES_FILE, ENVIRONMENT, yaml_text
from marsy.protocol import PARAMETERS, Device, FlightPhase, parameter
from marsy.protocol.parameters import Limits
from marsy_cli.main import cli
from tests.grafana.dashboards import COMMITTED, all_queries, committed_dashboards, panels


def test_committed_files_are_current() -> None:
    """Regenerate with `marsy deploy dashboards --out grafana` when this fails."""
    generated = render()
    for relative, text in generated.items():
        assert (COMMITTED / relative).read_text() == text, relative
    on_disk = {p.relative_to(COMMITTED) for p in COMMITTED.rglob("*") if p.is_file()}
    assert on_disk - {Path("README.md")} == {Path(p) for p in generated}


def test_every_parameter_of_the_dictionary_has_a_panel() -> None:
    texts = [query.text for query in all_queries()]
    missing = [
        p.key
        for p in PARAMETERS
        if not any(f'FROM "{p.device}"' in text and f'("{p.name}")' in text for text in texts)
    ]
    assert not missing


def test_a_panel_draws_the_dictionarys_limits() -> None:
    acceleration = parameter(Device.ROCKET, "acceleration")
    shown = display_limits(acceleration)
    assert shown is not None
    assert shown[1] == "ascent, max_q, upper_stage"
    flight = next(b for b in committed_dashboards() if b["uid"] == "marsy-flight")
    panel = next(p for p in panels(flight) if p["title"] == "Acceleration")
    defaults = panel["fieldConfig"]["defaults"]
    assert defaults["unit"] == "accMS2"
    assert defaults["thresholds"]["steps"] == [
        {"color": "green", "value": None},
        {"color": "yellow", "value": 45.0},
        {"color": "red", "value": 60.0},
    ]
    assert defaults["custom"]["thresholdsStyle"]["mode"] == "line"


def test_thresholds_colour_both_sides() -> None:
    heart = parameter(Device.SUIT, "heart_rate").default_limits
    assert [(s["color"], s["value"]) for s in thresholds(heart)["steps"]] == [
        ("red", None),
        ("yellow", 35.0),
        ("green", 45.0),
        ("yellow", 150.0),
        ("red", 185.0),
    ]
    low_red_only = Limits(red_low=1.0)
    assert [s["color"] for s in thresholds(low_red_only)["steps"]] == ["red", "green"]
    assert thresholds(None)["steps"] == [{"color": "green", "value": None}]


def test_limits_of_a_later_phase_are_shown_when_no_default() -> None:
    vertical = parameter(Device.BOOSTER, "vertical_speed")
    shown = display_limits(vertical)
    assert shown is not None
    assert shown[0] == vertical.limits[FlightPhase.LANDED]
    assert shown[1] == "landed"
    assert display_limits(parameter(Device.ROCKET, "altitude")) is None


def test_units_map_to_grafanas_and_unknown_ones_become_a_suffix() -> None:
    assert grafana_unit("m/s") == "velocityms"
    assert grafana_unit("Pa") == "pressurepa"
    assert grafana_unit("/min") == "suffix:/min"


def test_a_panel_refuses_what_the_dictionary_does_not_have() -> None:
    with pytest.raises(KeyError, match="no parameter 'thrust'"):
        plot("Thrust", [(Device.ROCKET, ["thrust"])])
    with pytest.raises(ValueError, match="one unit"):
        plot("Mixed", [(Device.ROCKET, ["altitude", "velocity"])])


def test_every_query_shows_one_mission_in_the_displayed_range() -> None:
    for query in all_queries():
        if query.where == "$mission":
            continue  # the list of missions itself
        assert "\"mission\" = '$mission'" in query.text, query.id
        assert "$timeFilter" in query.text, query.id


def test_every_dashboard_has_the_mission_variable_and_the_events() -> None:
    for board in committed_dashboards():
        (variable,) = board["templating"]["list"]
        assert variable["name"] == "mission"
        (events,) = board["annotations"]["list"]
        assert 'FROM "events"' in events["query"]
        assert board["tags"] == ["marsy"]


def test_panels_do_not_overlap() -> None:
    for board in committed_dashboards():
        taken: set[tuple[int, int]] = set()
        for panel in panels(board):
            grid = panel["gridPos"]
            cells = {
                (x, y)
                for x in range(grid["x"], grid["x"] + grid["w"])
                for y in range(grid["y"], grid["y"] + grid["h"])
            }
            assert grid["x"] + grid["w"] <= 24
            assert not cells & taken, f"{board['uid']}: {panel['title']} overlaps"
            taken |= cells


def test_the_datasource_file_reads_back_and_names_every_uid_the_panels_use() -> None:
    provisioned: dict[str, Any] = yaml.safe_load((COMMITTED / DATASOURCES_FILE).read_text())
    assert provisioned == datasources()
    uids = {source["uid"] for source in provisioned["datasources"]}
    used = {query.datasource for query in all_queries()}
    assert used <= uids
    for board in committed_dashboards():
        for panel in panels(board):
            if "datasource" in panel:
                assert panel["datasource"]["uid"] in uids | {MIXED["uid"]}
    text = (COMMITTED / DATASOURCES_FILE).read_text()
    assert {f"${{{name}}}" for name in ENVIRONMENT} <= {
        word for word in text.replace('"', " ").split() if word.startswith("${")
    }


def test_yaml_text_round_trips_nested_data() -> None:
    data = {"a": [{"b": "x: y", "c": [1, 2]}, "z"], "d": {"e": None, "f": True}}
    assert yaml.safe_load(yaml_text(data, "header\nline")) == data


def test_the_command_writes_the_files_and_drops_stale_dashboards(tmp_path: Path) -> None:
    stale = tmp_path / "dashboards" / "marsy-retired.json"
    stale.parent.mkdir(parents=True)
    stale.write_text("{}")
    result = CliRunner().invoke(cli, ["deploy", "dashboards", "--out", str(tmp_path)])
    assert result.exit_code == 0, result.output
    assert not stale.exists()
    for relative, text in render().items():
        assert (tmp_path / relative).read_text() == text
    flight = json.loads((tmp_path / "dashboards" / "marsy-flight.json").read_text())
    assert flight["title"] == "MarsY flight"
