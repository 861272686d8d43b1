"""How fast the flight model runs: simulated seconds per wall second (target: 50x or more).

Flies the default MarsY mission headless with the autopilot and samples every active device at
10 Hz, as the sensor boards do, until every body has settled. Also flies an ascent abort, where
the capsule under parachutes adds a body that stays in the air the longest.

    .venv/bin/python bench/firmware_speed.py
"""

from __future__ import annotations

import time

from firmware_sim.physics import Autopilot, AutopilotConfig, World
from firmware_sim.vehicles import load_vehicle
from marsy.protocol.enums import Device, EventType

SAMPLE = 0.1
"""s between two samples of every device (10 Hz)."""
LAST = {
    "nominal": {EventType.PAYLOAD_DETACHED, EventType.BOOSTER_LANDED},
    "abort": {EventType.CAPSULE_LANDED},
}


def run(label: str, config: AutopilotConfig) -> tuple[float, float, int]:
    """Simulated seconds, wall seconds and samples taken for one mission."""
    world = World(load_vehicle("marsy"), seed=1, autopilot=Autopilot(config))
    waiting = set(LAST[label])
    samples = 0
    start = time.perf_counter()
    while waiting and world.t < 3_600.0:
        world.step(SAMPLE)
        for device in Device:
            if world.active(device):
                world.truth(device)
                world.phase(device)
                samples += 1
        waiting -= {event.event for event in world.pop_events()}
    return world.t, time.perf_counter() - start, samples


def main() -> None:
    for label, config in (
        ("nominal", AutopilotConfig()),
        ("abort", AutopilotConfig(eject_at=60.0)),
    ):
        simulated, wall, samples = run(label, config)
        print(
            f"{label:8s} {simulated:7.1f} s simulated in {wall:6.2f} s wall, "
            f"{samples} device samples: real-time factor {simulated / wall:6.0f}x"
        )


if __name__ == "__main__":
    main()
