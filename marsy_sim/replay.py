"""Replays a recorded mission through the bus, so the calculator (and a console) see it again.

The stored telemetry of every device is published again, in time order, by each device's own
MQTT user, under a new mission id (``<mission>-replay``) and on a warped clock, to a private
broker with the telemetry ingest and the calculator running as processes. At the end the
calculator's verdicts on the replay are put beside the ones it gave live.
"""

from __future__ import annotations

import heapq
import time
from collections import Counter
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import cast

from pydantic import BaseModel

from ground.report.data import MissionData, load
from marsy.mqtt import MqttBus
from marsy.protocol import (
    BY_DEVICE,
    ContractError,
    Device,
    FlightPhase,
    MissionState,
    MissionStatus,
    measurement,
)
from marsy.store import MissionReads, connect_store, schema
from marsy.store.schema import ALERT_TAGS, LEVEL_FIELD, PHASE_FIELD, SEQ_FIELD
from marsy_sim.children import Supervisor
from marsy_sim.plan import Plan
from marsy_sim.servers import Broker, open_store, private_broker

LEAD = 3.0
"""Wall seconds between the start and the first replayed sample (the services start)."""

Verdicts = Counter[tuple[str, str, str, str]]


@dataclass
class ReplayResult:
    mission_id: str
    replay_id: str
    published: int
    live: Verdicts
    replayed: Verdicts


def _messages(
    data: MissionData, replay_id: str, origin: float
) -> Iterator[tuple[float, BaseModel]]:
    """Every stored sample as a message of the replay, in time order across devices."""
    streams = []
    for device, series in data.devices.items():
        known = BY_DEVICE[device]
        rows = []
        for i, t in enumerate(series.t):
            values = {
                name: series.columns[name][i]
                for name in known
                if name in series.columns and series.columns[name][i] is not None
            }
            phase = series.columns.get(PHASE_FIELD, [None] * len(series.t))[i]
            seq = series.columns.get(SEQ_FIELD, [i] * len(series.t))[i]
            if not values or phase is None:
                continue
            fields = {
                "mission_id": replay_id,
                "source": str(device),
                "seq": int(seq),
                "ts": origin + t,
                "phase": FlightPhase(phase),
                "values": values,
            }
            try:
                message: BaseModel = measurement(device, astronaut="Thomas", **fields)
            except ContractError:
                continue
            rows.append((origin + t, str(device), message))
        streams.append(rows)
    for ts, _, message in heapq.merge(*streams, key=lambda row: (row[0], row[1])):
        yield ts, message


def _verdicts(reads: MissionReads, mission_id: str) -> Verdicts:
    """How many times the calculator gave each verdict on the mission."""
    counts: Verdicts = Counter()
    for row in reads.alerts(mission_id):
        raw = row.get(LEVEL_FIELD)
        level = {0: "cleared", 1: "yellow", 2: "red"}.get(int(raw), "?") if raw is not None else "?"
        device, rule, parameter = (row[tag] for tag in ALERT_TAGS)
        counts[(device, rule, parameter, level)] += 1
    return counts


def replay(
    mission_id: str,
    run: Path,
    speed: float,
    say: Callable[[str], None],
    influx_url: str | None = None,
) -> ReplayResult:
    """The recorded mission fed back through a private broker to a fresh ingest and calculator,
    which store into the run's own store beside the live mission."""
    folder = run / "replay" / time.strftime("%Y%m%d-%H%M%S")
    replay_id = schema.replay_id(mission_id)
    server, _, line = private_broker(folder)
    with (
        open_store(run, influx_url) as store,
        server,
        connect_store(store.settings()) as reads,
    ):
        say(f"broker: {line}")
        broker = cast(Broker, server)
        data = load(mission_id, run / "state" / "command" / "missions.db", reads)
        plan = Plan(folder, broker, store, epoch=time.time() + LEAD, warp=speed)
        supervisor = Supervisor(folder / "logs")
        buses: dict[str, MqttBus] = {}
        published = 0
        try:
            for name in ("telemetry", "calculator"):
                supervisor.start(plan.service(name))
            for user in [*(str(d) for d in Device), "command"]:
                buses[user] = MqttBus(broker.settings_for(user), persistent=False)
                buses[user].start()
            origin = plan.epoch + LEAD * speed
            buses["command"].publish_message(
                MissionStatus(
                    mission_id=replay_id,
                    source="command",
                    seq=1,
                    ts=plan.epoch,
                    state=MissionState.FLYING,
                    phase=FlightPhase.ASCENT,
                    detail=f"replay of {mission_id} at {speed:g}x",
                )
            ).wait()
            say(f"replaying {mission_id} as {replay_id} at {speed:g}x")
            for ts, message in _messages(data, replay_id, origin):
                delay = plan.epoch + (ts - plan.epoch) / speed - time.time()
                if delay > 0:
                    time.sleep(delay)
                buses[str(message.source)].publish_message(message)  # type: ignore[attr-defined]
                published += 1
            time.sleep(max(3.0, 3 * 2.0 / speed))  # the calculator's last cycles
            live, replayed = _verdicts(reads, mission_id), _verdicts(reads, replay_id)
        finally:
            for bus in buses.values():
                bus.stop(timeout=1)
            supervisor.stop()
    return ReplayResult(mission_id, replay_id, published, live, replayed)
