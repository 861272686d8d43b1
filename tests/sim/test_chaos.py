"""The chaos monkey's recovery is data flowing again, not a process respawned; and a run's
folder is its own even when two simulations start in the same second."""

from __future__ import annotations

import re
import sys
import threading
import time
import uuid
from pathlib import Path

import pytest

from devservers import LocalInfluxd, LocalMosquitto
from marsy.protocol import Device, FlightPhase, measurement
from marsy.store import connect_store, point_line
from marsy.store.users import TELEMETRY
from marsy_sim.chaos import BROKER, ChaosMonkey, Fault
from marsy_sim.children import Child, Supervisor
from marsy_sim.mission import new_run_folder
from marsy_sim.plan import Plan
from marsy_sim.servers import PrivateStore
from tests.waiting import wait_for

pytestmark = pytest.mark.integration


def test_runs_started_in_the_same_second_get_folders_of_their_own(tmp_path: Path) -> None:
    runs = tmp_path / "runs"
    start = threading.Barrier(8)
    folders: list[Path] = []

    def run() -> None:
        start.wait()
        folders.append(new_run_folder(runs))

    threads = [threading.Thread(target=run) for _ in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(10)
    assert len(set(folders)) == 8
    assert all(folder.is_dir() and folder.parent == runs.resolve() for folder in folders)
    assert all(re.fullmatch(r"\d{8}-\d{6}(-\d+)?", folder.name) for folder in folders)


def write_vitals(influxd: LocalInfluxd, mission_id: str, ts: float) -> None:
    sample = measurement(
        Device.SUIT,
        astronaut="Thomas",
        mission_id=mission_id,
        source="suit",
        seq=0,
        ts=ts,
        phase=FlightPhase.ASCENT,
        values={"heart_rate": 80.0},
    )
    settings = influxd.settings_for(TELEMETRY)
    with connect_store(settings) as store:
        store.write(settings.flight_db, [point_line(sample)])


def test_an_agent_is_back_when_its_samples_are_stored_again_not_when_it_runs(
    tmp_path: Path, private_broker: LocalMosquitto, influxd: LocalInfluxd
) -> None:
    supervisor = Supervisor(tmp_path / "logs")
    supervisor.start(Child("agent-suit", [sys.executable, "-c", "import time; time.sleep(600)"]))
    plan = Plan(tmp_path, private_broker, PrivateStore(influxd), time.time(), 1.0)
    lines: list[str] = []
    monkey = ChaosMonkey([Fault(0.0, "agent-suit")], supervisor, None, plan, lines.append)
    mission_id = f"chaos-{uuid.uuid4().hex[:8]}"
    monkey.begin(mission_id)
    write_vitals(influxd, mission_id, time.time() - 1)  # before the kill: does not count
    try:
        monkey.tick(1.0)
        struck = monkey.injected[0]

        def respawned() -> bool:
            supervisor.check()
            child = supervisor.children["agent-suit"]
            return child.proc is not None and child.started_at > struck.wall

        wait_for(respawned, 10, "the supervisor to restart the agent")
        deadline = time.monotonic() + 1.5
        while time.monotonic() < deadline:
            monkey.tick(2.0)
        assert struck.recovered_after is None, "running again, but nothing of it stored"
        write_vitals(influxd, mission_id, time.time())
        wait_for(lambda: monkey.tick(3.0) or struck.recovered_after, 10, "the recovery")
    finally:
        monkey.close()
        supervisor.stop()
    assert struck.recovered_after is not None and struck.recovered_after > 1.5
    assert monkey.summary() == [f"+0 s agent-suit: recovered in {struck.recovered_after:.1f} s"]


def test_the_broker_is_back_when_a_message_goes_through_it_again(
    tmp_path: Path, private_broker: LocalMosquitto, influxd: LocalInfluxd
) -> None:
    supervisor = Supervisor(tmp_path / "logs")
    plan = Plan(tmp_path, private_broker, PrivateStore(influxd), time.time(), 1.0)
    lines: list[str] = []
    monkey = ChaosMonkey([Fault(0.0, BROKER)], supervisor, private_broker, plan, lines.append)
    monkey.begin("chaos-broker")
    try:
        monkey.tick(1.0)
        struck = monkey.injected[0]
        assert private_broker.process.running(), "restarted at once"
        wait_for(lambda: monkey.tick(2.0) or struck.recovered_after, 20, "a round trip")
    finally:
        monkey.close()
    assert struck.recovered_after is not None and struck.recovered_after > 0.05
    assert any(line.startswith("chaos: broker back after") for line in lines)
