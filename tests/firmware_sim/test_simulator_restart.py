"""A firmware simulator killed mid-flight and started again never flies a fresh rocket silently."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from edge.runtime.serial_link import SerialLink
from firmware_sim.simulator import FLYING_MARKER, LOST_DETAIL, mark_flying, was_flying
from ground.command.flight_rules import FLIGHT_RULES, FlightAction, Seen, Sighting, decide
from marsy.protocol import Device, EventType, parameter
from marsy.protocol.framing import EventFrame, Frame, TelemetryFrame

ALTITUDE = parameter(Device.ROCKET, "altitude")


@contextmanager
def firmware(state: Path, links: Path, epoch: float) -> Iterator[subprocess.Popen[str]]:
    """``marsy firmware`` on ptys at a high warp, with the autopilot, until the block ends."""
    proc = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "marsy_cli",
            "firmware",
            "--autopilot",
            "--warp",
            "50",
            "--epoch",
            repr(epoch),
            "--links",
            str(links),
            "--state",
            str(state),
        ],
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,
        text=True,
    )
    try:
        assert proc.stdout is not None
        for _ in Device:  # one "<device>: <pty>" line each, once the links exist
            assert proc.stdout.readline()
        yield proc
    finally:
        if proc.poll() is None:
            proc.kill()
        proc.wait(10)
        if proc.stdout is not None:
            proc.stdout.close()


def frames_until(link: SerialLink, seconds: float, done: type[Frame] | None = None) -> list[Frame]:
    """What the board sends within ``seconds``, or up to the first frame of type ``done``."""
    frames: list[Frame] = []
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        frames += link.read(timeout=0.1)
        if done is not None and any(isinstance(f, done) for f in frames):
            break
    return frames


def test_a_simulator_restarted_after_lift_off_reports_the_vehicle_lost(tmp_path: Path) -> None:
    state, epoch = tmp_path / "state", time.time()
    with firmware(state, tmp_path / "first", epoch) as first:
        link = SerialLink(str(tmp_path / "first" / str(Device.ROCKET)))
        climbed = 0.0
        deadline = time.monotonic() + 20
        while climbed < 500.0 and time.monotonic() < deadline:
            for frame in link.read(timeout=0.2):
                if isinstance(frame, TelemetryFrame):
                    climbed = max(climbed, float(frame.values.get(ALTITUDE.name, 0.0)))
        link.close()
        assert climbed >= 500.0, "the first simulator never flew"
        assert (state / FLYING_MARKER).exists()
        os.kill(first.pid, signal.SIGKILL)

    with firmware(state, tmp_path / "second", epoch):
        link = SerialLink(str(tmp_path / "second" / str(Device.ROCKET)))
        frames = frames_until(link, 10, done=EventFrame)
        frames += frames_until(link, 2.5)  # the report repeats; no rocket on the pad appears
        link.close()
    events = [f for f in frames if isinstance(f, EventFrame)]
    assert events, "the restarted simulator said nothing"
    assert {(e.event, e.detail) for e in events} == {(EventType.EXPLOSION, LOST_DETAIL)}
    assert len({e.seq for e in events}) == 1, "one report, repeated, not several explosions"
    assert not [f for f in frames if isinstance(f, TelemetryFrame)]


def test_a_marker_of_another_simulation_is_stale(tmp_path: Path) -> None:
    assert not was_flying(tmp_path, 1000.0)
    mark_flying(tmp_path, 1000.0, 12.5)
    assert was_flying(tmp_path, 1000.0)
    assert was_flying(tmp_path, None)
    assert not was_flying(tmp_path, 2000.0)


def test_command_terminates_the_flight_on_the_report_and_names_the_cause() -> None:
    seen = Seen()
    for event, detail in ((EventType.LIFTOFF, ""), (EventType.EXPLOSION, LOST_DETAIL)):
        seen = seen.with_event(Sighting(event, Device.ROCKET, 0.0, detail))
    decision = decide(FLIGHT_RULES, seen)
    assert decision.action is FlightAction.FLIGHT_TERMINATION
    assert decision.rule.id == "FR-1"
    assert LOST_DETAIL in decision.text
