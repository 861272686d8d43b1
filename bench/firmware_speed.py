"""How fast the firmware simulator runs: simulated seconds per wall second (target: 50x or more).

Flies the default MarsY mission with the autopilot and all four sensor boards sampling at 10 Hz
(noise, quantisation, framing, CRC: the bytes the ptys would carry), until every body has
settled; then an ascent abort, where the capsule under parachutes stays in the air the longest.
One core, no ports.

    .venv/bin/python bench/firmware_speed.py
    .venv/bin/python bench/firmware_speed.py --smoke      # the first simulated minute only
"""

from __future__ import annotations

import argparse
import time

from firmware_sim.boards.board import SensorBoard
from firmware_sim.physics import Autopilot, AutopilotConfig, World
from firmware_sim.vehicles import load_vehicle
from marsy.protocol.enums import Device, EventType

SAMPLE = 0.1
"""s between two samples of every board (10 Hz)."""
LAST = {
    "nominal": {EventType.PAYLOAD_DETACHED, EventType.BOOSTER_LANDED},
    "abort": {EventType.CAPSULE_LANDED},
}


def run(label: str, config: AutopilotConfig, limit: float) -> tuple[float, float, int, int]:
    """Simulated seconds, wall seconds, frames and bytes the boards produced for one mission
    (or its first ``limit`` simulated seconds)."""
    world = World(load_vehicle("marsy"), seed=1, autopilot=Autopilot(config))
    boards = {d: SensorBoard(d, world, time_origin=1.8e9, rate_hz=1 / SAMPLE) for d in Device}
    waiting = set(LAST[label])
    sent = 0
    start = time.perf_counter()
    while waiting and world.t < limit:
        world.step(SAMPLE)
        for event in world.pop_events():
            boards[event.device].on_event(event)
            waiting.discard(event.event)
        for board in boards.values():
            sent += len(board.poll())
    wall = time.perf_counter() - start
    frames = sum(board.stats.frames_sent for board in boards.values())
    return world.t, wall, frames, sent


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--smoke", action="store_true", help="a few seconds, small numbers")
    limit = 60.0 if parser.parse_args().smoke else 3_600.0
    for label, config in (
        ("nominal", AutopilotConfig()),
        ("abort", AutopilotConfig(eject_at=60.0)),
    ):
        simulated, wall, frames, sent = run(label, config, limit)
        print(
            f"{label:8s} {simulated:7.1f} s simulated in {wall:6.2f} s wall, four boards: "
            f"{frames} frames, {sent / 1e6:.2f} MB; real-time factor {simulated / wall:6.0f}x "
            f"(goal >= 50x)"
        )


if __name__ == "__main__":
    main()
