"""Hardware in the loop: the agent's serial reader against the boards over real ptys."""

from __future__ import annotations

import csv
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from click.testing import CliRunner

from edge.runtime.serial_link import SerialLink
from firmware_sim.scenario import load_scenario
from firmware_sim.simulator import Simulator, build_simulator
from marsy.protocol import CommandAction, Device
from marsy.protocol.framing import AckFrame, CommandFrame, Frame, TelemetryFrame
from marsy_cli.main import cli


@pytest.fixture
def running(request: pytest.FixtureRequest) -> Iterator[Simulator]:
    scenario = getattr(request, "param", "nominal")
    sim = build_simulator("marsy", load_scenario(scenario), warp=20, autopilot=True, seed=4)
    stop = threading.Event()
    thread = threading.Thread(target=sim.runner.run, args=(stop,), daemon=True)
    thread.start()
    yield sim
    stop.set()
    thread.join(10)
    sim.runner.close()


def read_for(link: SerialLink, seconds: float) -> list[Frame]:
    frames: list[Frame] = []
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        frames += link.read(timeout=0.1)
    return frames


def test_every_board_streams_over_its_pty(running: Simulator) -> None:
    links = {d: SerialLink(running.runner.ports[d].path) for d in (Device.ROCKET, Device.SUIT)}
    try:
        for device, link in links.items():
            frames = read_for(link, 1.5)
            assert sum(isinstance(f, TelemetryFrame) for f in frames) > 100, device  # 10 Hz at 20x
            seqs = sorted({f.seq for f in frames})  # events repeat their frame: one number
            assert seqs == list(range(seqs[0], seqs[0] + len(seqs))), "no frame lost on the pty"
            assert link.stats.bad_frames == 0
    finally:
        for link in links.values():
            link.close()


def test_a_command_over_the_pty_is_acknowledged(running: Simulator) -> None:
    link = SerialLink(running.runner.ports[Device.SUIT].path)
    try:
        link.send(CommandFrame(Device.SUIT, 1, 0.0, CommandAction.STATUS, token=7))
        acks = [f for f in read_for(link, 1.0) if isinstance(f, AckFrame)]
    finally:
        link.close()
    assert [(a.token, a.accepted) for a in acks] == [(7, True)]
    assert acks[0].reason.startswith("board ok")


@pytest.mark.parametrize("running", ["rough-line"], indirect=True)
def test_line_garbage_is_counted_and_the_reader_never_stalls(running: Simulator) -> None:
    link = SerialLink(running.runner.ports[Device.ROCKET].path)
    board = running.boards[Device.ROCKET]
    try:
        frames = read_for(link, 5.0)  # T+40..50 s of the rough-line scenario is 5 % garbage
    finally:
        link.close()
    assert board.stats.corrupted_bytes > 0, "the flight did not reach the garbage window"
    assert link.stats.bad_frames > 0
    t_plus = [f.time - running.runner.start - 10.0 for f in frames if isinstance(f, TelemetryFrame)]
    assert any(40.0 < t < 50.0 for t in t_plus), "intact frames get through the noise"
    assert any(t > 50.0 for t in t_plus), "and keep coming after it"


def test_headless_mode_writes_the_true_trajectory(tmp_path: Path) -> None:
    out = tmp_path / "trajectory.csv"
    result = CliRunner().invoke(cli, ["firmware", "--trajectory", str(out)])
    assert result.exit_code == 0, result.output
    assert "payload_detached" in result.output
    with out.open() as handle:
        rows = list(csv.DictReader(handle))
    assert {r["body"] for r in rows} >= {"rocket", "booster", "satellite"}
    assert max(float(r["altitude_m"]) for r in rows if r["body"] == "rocket") > 150_000


def test_the_cli_opens_one_pty_per_board(tmp_path: Path) -> None:
    result = subprocess.run(
        [
            sys.executable,
            "-m",
            "marsy_cli",
            "firmware",
            "--warp",
            "50",
            "--duration",
            "5",
            "--links",
            str(tmp_path),
        ],
        capture_output=True,
        text=True,
        timeout=60,
        check=True,
    )
    for device in Device:
        assert f"{device}: /dev/pts/" in result.stdout
        assert (tmp_path / str(device)).is_symlink()


def test_an_unknown_board_name_is_refused() -> None:
    result = CliRunner().invoke(cli, ["firmware", "--board", "rocket2=/dev/ttyUSB0"])
    assert result.exit_code == 1
    assert "no board named 'rocket2'" in result.output
