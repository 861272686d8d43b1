"""Resident memory of each onboard agent while it flies (goal: 60 MB or less on a Pi).

Runs the firmware simulator (flying on its own autopilot) and the four agents as processes, as
``marsy sim`` does, flies the nominal mission at 20x and samples each agent's VmRSS from /proc
twice a second.

    .venv/bin/python bench/agent_memory.py
"""

from __future__ import annotations

import tempfile
import time
from pathlib import Path

from devservers import LocalInfluxd, LocalMosquitto
from marsy.mqtt import MqttBus
from marsy.protocol import Device, FlightPhase, MissionState, MissionStatus
from marsy_sim.children import Supervisor
from marsy_sim.mission import wait_for_ports
from marsy_sim.plan import Plan

WARP = 20.0
SECONDS = 30.0


def rss_mb(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return 0.0


def main() -> None:
    peaks: dict[Device, float] = dict.fromkeys(Device, 0.0)
    with (
        tempfile.TemporaryDirectory(prefix="marsy-bench-") as tmp,
        LocalMosquitto(Path(tmp) / "mq") as broker,
        LocalInfluxd(Path(tmp) / "db") as influxd,
    ):
        plan = Plan(Path(tmp), broker, influxd, epoch=time.time() + 2.0, warp=WARP)
        supervisor = Supervisor(Path(tmp) / "logs")
        director = MqttBus(broker.settings_for("command"), persistent=False)
        try:
            supervisor.start(plan.firmware("nominal", "marsy", 0, autopilot=True))
            wait_for_ports(Path(tmp) / "ports")
            for device in Device:
                supervisor.start(plan.agent(device))
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
            deadline = time.monotonic() + SECONDS
            while time.monotonic() < deadline:
                for device in Device:
                    proc = supervisor.children[f"agent-{device}"].proc
                    if proc is not None and proc.poll() is None:
                        peaks[device] = max(peaks[device], rss_mb(proc.pid))
                time.sleep(0.5)
        finally:
            director.stop(timeout=1)
            supervisor.stop()
    print(f"agent resident memory, peak over {SECONDS * WARP:.0f} s of mission at {WARP:g}x:")
    for device, peak in peaks.items():
        print(f"  {device:<9} {peak:6.1f} MB   (goal <= 60 MB)")


if __name__ == "__main__":
    main()
