"""An agent stopped (SIGSTOP) while its board keeps sampling counts, once it runs again, exactly
the frames the board numbered and it never read: the gap in the board's frame numbers, and
nothing else as lost."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest

from devservers import LocalMosquitto
from firmware_sim.scenario import load_scenario
from firmware_sim.simulator import build_simulator
from marsy.protocol import AgentCounters, Device, DeviceCounters
from tests.edge.test_agents import Recorder

pytestmark = pytest.mark.integration

STOPPED_FOR = 3.0
"""Wall seconds: at warp 20 the board fills the pty's buffer in about one."""


def test_a_stopped_agent_counts_exactly_the_frames_its_board_numbered_and_it_never_read(
    private_broker: LocalMosquitto, tmp_path: Path
) -> None:
    recorder = Recorder(private_broker)
    # mission time starts in a few seconds: the board's frame 0 waits for an agent reading
    sim = build_simulator("marsy", load_scenario("nominal"), warp=20, seed=1, epoch=time.time() + 6)
    board = sim.runner.boards[Device.ROCKET]
    port = sim.runner.ports[Device.ROCKET]
    env = {
        **os.environ,
        "MARSY_EDGE_SERIAL_URL": port.path,
        "MARSY_EDGE_STATE_DIR": str(tmp_path / "state"),
        "MARSY_EDGE_HEARTBEAT_INTERVAL": "0.5",
        "MARSY_EDGE_CLOCK__EPOCH": repr(sim.runner.clock.epoch),
        "MARSY_EDGE_CLOCK__WARP": repr(sim.runner.clock.warp),
        "MARSY_EDGE_MQTT": json.dumps(
            {
                **private_broker.settings_for("rocket").model_dump(mode="json"),
                "password": private_broker.passwords["rocket"],
            }
        ),
    }
    agent = subprocess.Popen(
        [sys.executable, "-m", "marsy_cli", "agent", "rocket"],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    stop = threading.Event()
    runner = threading.Thread(target=sim.runner.run, args=(stop,), daemon=True)

    def counters() -> AgentCounters | None:
        said = [m for m in recorder.messages if isinstance(m, DeviceCounters)]
        return said[-1].counters if said else None

    try:
        recorder.until(lambda: counters() is not None, 30, "the agent's first counters")
        assert board.numbered == 0, "the agent was up before the board's first frame"
        runner.start()
        recorder.until(lambda: (c := counters()) is not None and c.frames_read > 50, 30, "frames")
        agent.send_signal(signal.SIGSTOP)
        time.sleep(STOPPED_FOR)  # the stretch itself: the board samples, nobody reads
        agent.send_signal(signal.SIGCONT)
        recorder.until(lambda: board.numbered > 3000, 30, "the flight after the stop")
        stop.set()
        runner.join(10)
        numbered = board.numbered  # the board is still: every number it gave is known
        recorder.until(
            lambda: (c := counters()) is not None and c.frames_read + c.frames_missed >= numbered,
            30,
            "the agent to read the line to its end",
        )
        recorder.drain(1.5)  # a heartbeat more: nothing moves once the line is read
    finally:
        agent.send_signal(signal.SIGCONT)
        agent.terminate()
        agent.wait(20)
        stop.set()
        sim.runner.close()
        recorder.stop()
    final = counters()
    assert final is not None
    assert port.dropped_bytes > 0, "the full line dropped frames while the agent was stopped"
    assert final.frames_missed > STOPPED_FOR * 20 * 10 / 2
    assert final.frames_read + final.frames_missed == numbered
    assert final.frames_refused == 0 and final.dropped_full == 0
    telemetry = final.streams["telemetry"]
    assert telemetry.numbered == final.frames_read and telemetry.dropped == 0
    # a frame the full line cut in two arrives damaged: counted bad (with the noise of its
    # remains), and missed
    assert final.frames_bad <= 4
