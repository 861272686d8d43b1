"""The calculator on a real influxd: a nominal flight raises nothing, danger is caught at once."""

from __future__ import annotations

import time
from collections.abc import Callable

import pytest

from devservers import LocalInfluxd, LocalMosquitto, free_port
from firmware_sim.boards.board import SensorBoard
from firmware_sim.physics import Autopilot, World
from firmware_sim.scenario import load_scenario
from firmware_sim.vehicles import load_vehicle
from ground.calculator.evaluator import Evaluator
from marsy.mqtt import MqttBus
from marsy.protocol import (
    Alert,
    AlertRule,
    AstronautVitals,
    Channel,
    Device,
    DeviceTelemetry,
    EventType,
    FlightPhase,
    MissionState,
    MissionStatus,
    Severity,
    decode_as,
)
from marsy.protocol.framing import TelemetryFrame, parse
from marsy.store import InfluxHttp, TelemetryReader, point_line
from tests.ground.calculator.script import Bus
from tests.ground.conftest import Service
from tests.waiting import wait_for

pytestmark = pytest.mark.integration

T0 = 1_800_000_000.0
MISSION = "M-calc"


def message(frame: TelemetryFrame, seq: int) -> DeviceTelemetry | AstronautVitals:
    common = {
        "mission_id": MISSION,
        "source": str(frame.device),
        "seq": seq,
        "ts": frame.time,
        "phase": frame.phase,
        "values": dict(frame.values),
    }
    if frame.device is Device.SUIT:
        return AstronautVitals(astronaut="Thomas", **common)  # type: ignore[arg-type]
    return DeviceTelemetry(device=frame.device, **common)  # type: ignore[arg-type]


def fly_into(http: InfluxHttp, database: str, scenario: str, until: float) -> World:
    """The firmware's boards (noise and all) fly a mission; every frame stored as ingest would."""
    world = World(load_vehicle("marsy"), seed=3, autopilot=Autopilot())
    for fault in load_scenario(scenario).world_faults():
        world.schedule_fault(fault)
    boards = {d: SensorBoard(d, world, time_origin=T0) for d in Device}
    seqs = dict.fromkeys(Device, 0)
    lines: list[str] = []
    while world.t < until:
        world.step(0.1)
        for event in world.pop_events():
            boards[event.device].on_event(event)
            if event.event is EventType.EXPLOSION_IMMINENT:
                world.eject()  # what the rocket and suit agents do on this event
        for device, board in boards.items():
            for frame in parse(board.poll()).frames:
                if isinstance(frame, TelemetryFrame):
                    lines.append(point_line(message(frame, seqs[device])))
                    seqs[device] += 1
        if len(lines) > 5000:
            http.write(database, "\n".join(lines).encode())
            lines = []
    if lines:
        http.write(database, "\n".join(lines).encode())
    return world


def evaluator(http: InfluxHttp, database: str, alerts: list[Alert]) -> Evaluator:
    calc = Evaluator({d: TelemetryReader(http, database) for d in Device}, alerts.append)
    calc.start_mission(MISSION)
    return calc


def test_a_clean_nominal_flight_raises_no_alert(influx_http: InfluxHttp, database: str) -> None:
    world = fly_into(influx_http, database, "nominal", until=600.0)
    assert world.phase(Device.ROCKET) is FlightPhase.ORBIT
    alerts: list[Alert] = []
    calc = evaluator(influx_http, database, alerts)
    for t in range(2, 600, 2):
        calc.evaluate(T0 + t)
    assert calc.stats.cycles == 299
    assert alerts == [], [a.message for a in alerts]


def test_a_store_behind_the_bus_is_a_ground_alert_never_a_loss_of_signal(
    influx_http: InfluxHttp, database: str
) -> None:
    """The store holds the flight up to T+30 s; the bus hears the rocket until T+70 s (a flood
    holding the ingest back): the ground is stale, the rocket is not lost."""
    fly_into(influx_http, database, "nominal", until=30.0)
    alerts: list[Alert] = []
    bus = Bus(evaluator(influx_http, database, alerts), alerts, T0, mission=MISSION)
    bus.run(70)
    (stale,) = bus.raised(AlertRule.GROUND)
    assert (stale.device, stale.parameter) == (Device.ROCKET, "ingest")
    assert stale.message.startswith("ground data stale")
    assert T0 + 30 + 5 < stale.ts <= T0 + 30 + 5 + 2.5
    assert bus.raised(AlertRule.LOSS_OF_SIGNAL) == []
    assert bus.calc.health(bus.t)["devices"]["rocket"]["store_trails_by"] > 35
    # the newest stored sample is found by one bounded read, however far behind it is
    assert bus.calc.stats.last_duration is not None and bus.calc.stats.last_duration < 0.5


def test_a_store_that_does_not_answer_is_a_ground_alert_and_the_bus_is_still_judged(
    database: str,
) -> None:
    nothing_there = InfluxHttp(f"http://127.0.0.1:{free_port()}", timeout=0.5)
    alerts: list[Alert] = []
    bus = Bus(evaluator(nothing_there, database, alerts), alerts, T0, mission=MISSION)
    bus.run(20)
    (store,) = bus.raised(AlertRule.GROUND)
    assert (store.parameter, store.device) == ("store", Device.ROCKET)
    assert store.message.startswith("store unreachable: reads of the rocket fail")
    assert bus.calc.stats.read_failures == bus.calc.stats.cycles
    bus.rocket_speaks = False  # and a vehicle silent on the live bus is still seen at once
    bus.run(10)
    (lost,) = bus.raised(AlertRule.LOSS_OF_SIGNAL)
    assert lost.device is Device.ROCKET


def test_a_red_value_is_caught_within_one_cycle_and_cleared_after(
    influx_http: InfluxHttp, database: str
) -> None:
    def rocket(seq: int, ts: float, q: float) -> str:
        return point_line(
            DeviceTelemetry(
                mission_id=MISSION,
                source="rocket",
                seq=seq,
                ts=ts,
                device=Device.ROCKET,
                phase=FlightPhase.MAX_Q,
                values={"dynamic_pressure": q},
            )
        )

    influx_http.write(
        database,
        "\n".join(
            [rocket(i, T0 + i / 10, 30_000.0) for i in range(30)]
            + [rocket(30, T0 + 3.05, 55_000.0)]
            + [rocket(i, T0 + i / 10, 30_000.0) for i in range(31, 100)]
        ).encode(),
    )
    alerts: list[Alert] = []
    calc = evaluator(influx_http, database, alerts)
    calc.evaluate(T0 + 2.0)
    assert alerts == []
    calc.evaluate(T0 + 4.0)
    assert [(a.rule, a.severity, a.parameter, a.cleared) for a in alerts] == [
        (AlertRule.LIMIT, Severity.RED, "dynamic_pressure", False)
    ]
    assert alerts[0].value == 55_000.0 and alerts[0].limit == 50_000.0
    calc.evaluate(T0 + 9.5)
    assert alerts[-1].cleared and alerts[-1].parameter == "dynamic_pressure"


def test_the_calculator_process_publishes_alerts(
    private_broker: LocalMosquitto, influxd: LocalInfluxd, serve: Callable[..., Service]
) -> None:
    """ingest and calculator as processes: a red value on the bus becomes an alert on it."""
    extra = {"MARSY_GROUND_EVALUATION_PERIOD": "0.5", "MARSY_GROUND_LOSS_OF_SIGNAL": "2"}
    serve("telemetry", private_broker, influxd)
    calc = serve("calculator", private_broker, influxd, **extra)
    watcher = MqttBus(private_broker.settings_for("observer"))
    watcher.subscribe(watcher.topics.channel_filter(Channel.ERRORS))
    watcher.start()
    command = MqttBus(private_broker.settings_for("command"))
    command.start()
    rocket = MqttBus(private_broker.settings_for("rocket"))
    rocket.start()
    mission = f"M-proc-{int(time.time())}"
    try:
        command.publish_message(
            MissionStatus(
                mission_id=mission,
                source="command",
                seq=1,
                ts=time.time(),
                state=MissionState.FLYING,
                phase=FlightPhase.ASCENT,
            )
        ).wait()
        for seq in range(40):
            q = 60_000.0 if seq == 20 else 30_000.0
            rocket.publish_message(
                DeviceTelemetry(
                    mission_id=mission,
                    source="rocket",
                    seq=seq,
                    ts=time.time(),
                    device=Device.ROCKET,
                    phase=FlightPhase.MAX_Q,
                    values={"dynamic_pressure": q},
                )
            ).wait()
            time.sleep(0.05)
        first = wait_for(lambda: watcher.receive(0.5), 10, "an alert")
        alert = decode_as(Alert, first.payload)
        assert (alert.mission_id, alert.device, alert.severity, alert.parameter) == (
            mission,
            Device.ROCKET,
            Severity.RED,
            "dynamic_pressure",
        )
        watcher.ack(first)
        # then the rocket goes silent: loss of signal
        lost = wait_for(
            lambda: [
                a
                for d in iter(lambda: watcher.receive(0.5), None)
                if (a := decode_as(Alert, d.payload)).rule is AlertRule.LOSS_OF_SIGNAL
            ],
            15,
            "loss of signal",
        )
        assert lost[0].device is Device.ROCKET
        assert calc.health()["cycles"] > 0
    finally:
        for bus in (watcher, command, rocket):
            bus.stop(timeout=1)
