"""The agent's serial link with the shared codec: pyserial ``loop://`` and, when the environment
names one (``MARSY_SERIAL_LOOPBACK=/dev/ttyUSB0``, a port with a loopback plug), real hardware."""

from __future__ import annotations

import os
import random

import pytest

from edge.runtime.serial_link import SerialLink
from marsy.protocol import CommandAction, Device, EventType, FlightPhase
from marsy.protocol.framing import CommandFrame, EventFrame, TelemetryFrame, encode

PORTS = ["loop://"] + (
    [os.environ["MARSY_SERIAL_LOOPBACK"]] if os.environ.get("MARSY_SERIAL_LOOPBACK") else []
)


def read_until(link: SerialLink, count: int, attempts: int = 50) -> list[object]:
    frames: list[object] = []
    for _ in range(attempts):
        frames += link.read(timeout=0.05)
        if len(frames) >= count:
            break
    return frames


@pytest.mark.parametrize("url", PORTS)
def test_frames_round_trip_over_the_port(url: str) -> None:
    link = SerialLink(url)
    sent = [
        TelemetryFrame(
            Device.ROCKET, 1, 1.8e9, FlightPhase.ASCENT, {"altitude": 100.5, "engines_running": 9}
        ),
        CommandFrame(Device.ROCKET, 2, 1.8e9, CommandAction.THROTTLE, token=77, level=80.0),
        EventFrame(Device.ROCKET, 3, 1.8e9, EventType.MAX_Q, "q=31 kPa"),
    ]
    try:
        for frame in sent:
            assert link.send(frame)
        assert read_until(link, 3) == sent
        assert link.stats.bad_frames == 0
    finally:
        link.close()


@pytest.mark.parametrize("url", PORTS)
def test_garbage_on_the_line_is_counted_and_skipped(url: str) -> None:
    link = SerialLink(url)
    rng = random.Random(3)
    good = [
        TelemetryFrame(Device.SUIT, i, 1.8e9 + i, FlightPhase.PAD, {"heart_rate": 70.0 + i})
        for i in range(20)
    ]
    try:
        assert link.read(timeout=0.01) == []  # opens the port
        for frame in good:
            link._port.write(bytes(rng.randrange(256) for _ in range(rng.randrange(1, 30))))
            link._port.write(encode(frame))
        assert read_until(link, len(good)) == good
        assert link.stats.bad_frames > 0
        assert link.stats.dropped_bytes > 0
    finally:
        link.close()


def test_a_missing_port_is_retried_not_raised() -> None:
    link = SerialLink("/dev/marsy-no-such-port", reopen_delay=0.01)
    assert link.read(timeout=0.01) == []
    assert not link.send(EventFrame(Device.ROCKET, 1, 1.0, EventType.LIFTOFF))
    assert link.stats.write_errors == 1
