"""Where Mosquitto and influxd are not installed, the simulation flies on the embedded ones."""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

pytestmark = pytest.mark.integration


def marsy(args: list[str], path: str, timeout: float) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "marsy.cli", *args],
        env={**os.environ, "PATH": path},
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        timeout=timeout,
        check=False,
    )


def test_with_the_servers_hidden_from_path_the_sim_flies_on_the_embedded_ones(
    tmp_path: Path,
) -> None:
    path = str(Path(sys.executable).parent)  # the project's own programs, and nothing else
    assert shutil.which("mosquitto", path=path) is None
    assert shutil.which("influxd", path=path) is None
    runs = tmp_path / "runs"

    # with the chaos monkey: seed 8 restarts the (embedded) broker near Max-Q
    args = ["sim", "--plain", "--speed", "20", "--chaos", "--chaos-seed", "8"]
    flown = marsy([*args, "--run-dir", str(runs)], path, 300)
    out = flown.stdout
    assert flown.returncode == 0, out[-4000:]
    chaos = re.findall(r"chaos: \+\d+ s (\S+): (recovered in|not recovered)", out)
    assert ("broker", "recovered in") in chaos, out[-4000:]
    assert all(outcome == "recovered in" for _, outcome in chaos), chaos
    assert "embedded MQTT 5 broker" in out and "mosquitto is not installed" in out, out[:2000]
    assert "embedded time-series store" in out and "influxd is not installed" in out
    mission = re.search(r"mission (\S+) \(nominal\): complete", out)
    assert mission is not None, out[-4000:]
    ledger = re.findall(r"ledger (\w+)\s+(\d+) points stored, (\d+) missing", out)
    assert {source for source, _, _ in ledger} == {"rocket", "booster", "suit", "satellite"}
    assert all(int(stored) > 0 and missing == "0" for _, stored, missing in ledger), ledger
    (run,) = runs.iterdir()
    assert not (run / "mosquitto").exists() and not (run / "influxd").exists()

    # the report of that mission is rebuilt later from the embedded store it was kept in
    again = tmp_path / "again"
    rebuilt = marsy(
        ["report", mission.group(1), "--runs", str(runs), "--out", str(again)], path, 120
    )
    assert rebuilt.returncode == 0, rebuilt.stdout
    page = (again / "index.html").read_text()
    assert mission.group(1) in page
    assert (again / "altitude.png").stat().st_size > 10_000
