"""No child of the simulation survives it: not on Ctrl-C, not on SIGTERM."""

from __future__ import annotations

import signal
import subprocess
import sys
from pathlib import Path

import pytest

from tests.waiting import wait_for

pytestmark = pytest.mark.integration


def processes_mentioning(text: str) -> list[int]:
    """Processes whose command line or environment names ``text`` (a run folder)."""
    found = []
    for proc in Path("/proc").iterdir():
        if not proc.name.isdigit():
            continue
        try:
            blob = (proc / "cmdline").read_bytes() + (proc / "environ").read_bytes()
        except OSError:
            continue
        if text.encode() in blob:
            found.append(int(proc.name))
    return found


@pytest.mark.parametrize(
    ("sig", "servers"),
    [(signal.SIGINT, []), (signal.SIGTERM, []), (signal.SIGINT, ["--embedded"])],
    ids=["sigint", "sigterm", "sigint-embedded"],
)
def test_interrupted_simulation_leaves_no_process(
    tmp_path: Path, sig: signal.Signals, servers: list[str]
) -> None:
    sim = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "marsy_cli",
            "sim",
            "--plain",
            "--speed",
            "20",
            "--run-dir",
            str(tmp_path),
            *servers,
        ],
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    assert sim.stdout is not None
    lines = []
    for line in sim.stdout:
        lines.append(line)
        if "asking Command" in line or "Traceback" in line:
            break
    assert any("asking Command" in line for line in lines), "".join(lines)
    children = [p for p in processes_mentioning(str(tmp_path)) if p != sim.pid]
    assert len(children) >= 14, "firmware, 4 agents, 8 services, broker and influxd"
    sim.send_signal(sig)
    sim.communicate(timeout=60)
    wait_for(lambda: not processes_mentioning(str(tmp_path)), 20, "every child to be gone")
