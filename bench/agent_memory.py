"""Resident memory of each onboard agent while it flies (goal: 60 MB or less on a Pi).

Runs the firmware simulator and the four agents as processes, as ``marsy sim`` does, flies the
nominal mission at 20x and samples each agent's VmRSS from /proc twice a second.

    .venv/bin/python bench/agent_memory.py
"""

from __future__ import annotations

import sys
import tempfile
import time
from pathlib import Path

from marsy.local import LocalMosquitto
from marsy.protocol import Device
from marsy.sim.children import Child, Supervisor
from marsy.sim.mission import agent_env, announce_mission, wait_for_ports

WARP = 20.0
SECONDS = 30.0


def rss_mb(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return 0.0


def main() -> None:
    with (
        tempfile.TemporaryDirectory(prefix="marsy-bench-") as tmp,
        LocalMosquitto(Path(tmp) / "mosquitto") as broker,
    ):
        run = Path(tmp)
        supervisor = Supervisor(run / "logs")
        epoch = time.time() + 2.0
        marsy = [sys.executable, "-m", "marsy.cli"]
        peaks: dict[Device, float] = dict.fromkeys(Device, 0.0)
        try:
            supervisor.start(
                Child(
                    "firmware",
                    [
                        *marsy,
                        "firmware",
                        "--warp",
                        str(WARP),
                        "--epoch",
                        repr(epoch),
                        "--links",
                        str(run / "ports"),
                        "--autopilot",
                    ],
                )
            )
            wait_for_ports(run / "ports")
            for device in Device:
                supervisor.start(
                    Child(
                        f"agent-{device}",
                        [*marsy, "agent", str(device)],
                        agent_env(broker, device, run, epoch, WARP),
                    )
                )
            announce_mission(broker, "bench-memory", epoch, "nominal")
            deadline = time.monotonic() + SECONDS
            while time.monotonic() < deadline:
                for device in Device:
                    proc = supervisor.children[f"agent-{device}"].proc
                    if proc is not None and proc.poll() is None:
                        peaks[device] = max(peaks[device], rss_mb(proc.pid))
                time.sleep(0.5)
        finally:
            supervisor.stop()
    print(f"agent resident memory, peak over {SECONDS * WARP:.0f} s of mission at {WARP:g}x:")
    for device, peak in peaks.items():
        print(f"  {device:<9} {peak:6.1f} MB   (goal <= 60 MB)")


if __name__ == "__main__":
    main()
