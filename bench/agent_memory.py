"""Resident memory of each onboard agent while it flies (goal: 60 MB or less on a Pi).

Runs the firmware simulator (flying on its own autopilot) and the four agents as processes, as
``marsy sim`` does, flies the nominal mission at 20x and samples each agent's VmRSS from /proc
twice a second.

    .venv/bin/python bench/agent_memory.py
    .venv/bin/python bench/agent_memory.py --smoke      # a few seconds of flight
"""

from __future__ import annotations

import argparse
import dataclasses
import tempfile
import time
from pathlib import Path

from devservers import LocalInfluxd, LocalMosquitto
from marsy.mqtt import MqttBus
from marsy.protocol import Device, FlightPhase, MissionState, MissionStatus
from marsy_sim.children import Supervisor
from marsy_sim.plan import Plan
from marsy_sim.rollout import wait_for_ports

WARP = 20.0


def rss_mb(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return 0.0


def fly(seconds: float) -> dict[Device, float]:
    """Each agent's peak resident memory (MB) over ``seconds`` of wall time in flight."""
    peaks: dict[Device, float] = dict.fromkeys(Device, 0.0)
    with (
        tempfile.TemporaryDirectory(prefix="marsy-bench-") as tmp,
        LocalMosquitto(Path(tmp) / "mq") as broker,
        LocalInfluxd(Path(tmp) / "db") as influxd,
    ):
        plan = Plan(Path(tmp), broker, influxd, epoch=time.time() + 2.0, warp=WARP)
        vehicle = plan.vehicle(1)
        supervisor = Supervisor(Path(tmp) / "logs")
        director = MqttBus(broker.settings_for("command"), persistent=False)
        try:
            firmware = plan.firmware("nominal", "marsy", 0, vehicle)
            # No ground here: the boards ignite, stage and detach on their own.
            supervisor.start(dataclasses.replace(firmware, argv=[*firmware.argv, "--autopilot"]))
            wait_for_ports(vehicle.ports)
            for device in Device:
                supervisor.start(plan.agent(device, vehicle))
            director.start()
            director.publish_message(
                MissionStatus(
                    mission_id="bench-memory",
                    source="command",
                    seq=1,
                    ts=time.time(),
                    state=MissionState.FLYING,
                    phase=FlightPhase.PAD,
                )
            ).wait()
            deadline = time.monotonic() + seconds
            while time.monotonic() < deadline:
                for device in Device:
                    proc = supervisor.children[f"agent-{device}"].proc
                    if proc is not None and proc.poll() is None:
                        peaks[device] = max(peaks[device], rss_mb(proc.pid))
                time.sleep(0.5)
            if supervisor.check():
                raise SystemExit(f"an agent died during the bench; see {Path(tmp) / 'logs'}")
        finally:
            director.stop(timeout=1)
            supervisor.stop()
    return peaks


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=float, default=30.0, help="wall seconds of flight")
    parser.add_argument("--smoke", action="store_true", help="a few seconds, small numbers")
    args = parser.parse_args()
    seconds = 3.0 if args.smoke else args.seconds
    peaks = fly(seconds)
    print(f"agent resident memory, peak over {seconds * WARP:.0f} s of mission at {WARP:g}x:")
    for device, peak in peaks.items():
        print(f"  {device:<9} {peak:6.1f} MB   (goal <= 60 MB)")
    if not all(peaks.values()):
        raise SystemExit("an agent was never seen running: nothing measured")


if __name__ == "__main__":
    main()
