"""Every command that loads settings ends on a bad one with one line naming the key where it was
set, exit 2 and no traceback; an unknown variable is warned about and the program runs."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import urllib.request
from pathlib import Path

import pytest

from devservers import LocalMosquitto, free_port
from tests.waiting import wait_for

MARSY = str(Path(sys.executable).parent / "marsy")


def _environment(**extra: str) -> dict[str, str]:
    """This process's environment without any MarsY settings of its own, plus ``extra``."""
    clean = {
        name: value
        for name, value in os.environ.items()
        if not name.upper().startswith(("MARSY_GROUND_", "MARSY_EDGE_"))
    }
    return {**clean, **extra}


def marsy(*args: str, **env: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [MARSY, *args],
        env=_environment(**env),
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


def refused(result: subprocess.CompletedProcess[str]) -> str:
    """The one line a refused command printed."""
    assert "Traceback" not in result.stdout + result.stderr, result.stderr
    assert result.returncode == 2, result.stderr
    lines = result.stderr.splitlines()
    assert len(lines) == 1, result.stderr
    return lines[0]


@pytest.mark.parametrize(
    ("args", "env", "named"),
    [
        (
            ["serve", "weather"],
            {"MARSY_GROUND_API_TOKENS": "notjson"},
            "MARSY_GROUND_API_TOKENS: not valid JSON",
        ),
        (["serve", "weather"], {"MARSY_GROUND_MQTT": "{bad"}, "MARSY_GROUND_MQTT: not valid JSON"),
        (
            ["serve", "telemetry"],
            {"MARSY_GROUND_MQTT": json.dumps({"port": "x"})},
            "MARSY_GROUND_MQTT:port: Input should be a valid integer",
        ),
        (
            ["serve", "launchpad"],
            {"MARSY_GROUND_HTTP_HOST": "999.1.1.1"},
            "MARSY_GROUND_HTTP_HOST: not an IP address or a host name",
        ),
        (
            ["agent", "rocket"],
            {"MARSY_EDGE_MQTT__PORT": "0"},
            "MARSY_EDGE_MQTT__PORT: Input should be greater than or equal to 1",
        ),
        (
            ["sim", "--plain"],
            {"MARSY_GROUND_HTTP_HOST": "999.1.1.1"},
            "MARSY_GROUND_HTTP_HOST: not an IP address or a host name",
        ),
        (
            ["sim", "--plain"],
            {"MARSY_EDGE_BAUDRATE": "9"},
            "MARSY_EDGE_BAUDRATE: Input should be greater than or equal to 1200",
        ),
        (
            ["serve", "command"],
            {"MARSY_GROUND_LOG_LEVEL": "WARNING"},
            "services: command needs the URL of launchpad, weather",
        ),
    ],
)
def test_a_bad_variable_is_one_line_and_exit_2(
    args: list[str], env: dict[str, str], named: str
) -> None:
    line = refused(marsy(*args, **env))
    assert line.startswith("Error: ")
    assert named in line


def test_a_bad_file_value_is_named_in_the_file(tmp_path: Path) -> None:
    config = tmp_path / "ground.toml"
    config.write_text('[mqtt]\nhost = "broker.example.org"\nport = "x"\n')
    line = refused(marsy("serve", "weather", "--config", str(config)))
    assert f"{config}:mqtt.port: Input should be a valid integer" in line
    assert "MARSY_GROUND" not in line


def test_an_unknown_file_key_is_refused(tmp_path: Path) -> None:
    config = tmp_path / "agent.toml"
    config.write_text('serial = "/dev/ttyUSB1"\n')
    line = refused(marsy("agent", "suit", "--config", str(config)))
    assert f"{config}:serial: unknown setting" in line


def test_an_unknown_variable_is_warned_about_and_the_service_runs(
    broker: LocalMosquitto, tmp_path: Path
) -> None:
    port = free_port()
    mqtt = {**broker.settings_for("weather").model_dump(mode="json")}
    mqtt["password"] = broker.passwords["weather"]
    env = _environment(
        MARSY_GROUND_MQTT=json.dumps(mqtt),
        MARSY_GROUND_STATE_DIR=str(tmp_path / "state"),
        MARSY_GROUND_HTTP_PORT=str(port),
        MARSY_GROUND_BOGUS="1",
    )
    log = tmp_path / "weather.log"
    with log.open("wb") as out:
        proc = subprocess.Popen([MARSY, "serve", "weather"], env=env, stderr=out)
    try:

        def answers() -> bool:
            assert proc.poll() is None, log.read_text()
            try:
                with urllib.request.urlopen(f"http://127.0.0.1:{port}/health", timeout=2) as r:
                    return bool(r.status == 200)
            except OSError:
                return False

        wait_for(answers, 20, "weather to answer /health despite an unknown variable")
    finally:
        proc.send_signal(signal.SIGTERM)
        assert proc.wait(timeout=20) == 0, log.read_text()
    warnings = [line for line in log.read_text().splitlines() if "WARNING" in line]
    assert len(warnings) == 1, log.read_text()
    assert "ignoring environment MARSY_GROUND_BOGUS: no ground setting of that name" in warnings[0]
