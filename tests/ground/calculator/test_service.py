"""The calculator as a process on a real Mosquitto and influxd, through ground faults.

A frozen or killed broker and a store that stops answering are ground alerts, never a loss of
signal; a rocket silent on a live bus is lost. The rocket here is a plain bus client speaking at
10 Hz, without heartbeats: only the calculator's judgement keeps it from being declared lost.
"""

from __future__ import annotations

import os
import signal
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

import pytest

from devservers import LocalInfluxd, LocalMosquitto
from devservers.process import ServerProcess
from marsy.mqtt import MqttBus, MqttError
from marsy.protocol import (
    Alert,
    AlertRule,
    Channel,
    Device,
    DeviceTelemetry,
    FlightPhase,
    MissionState,
    MissionStatus,
    ServiceHealth,
    Severity,
    decode_as,
)
from tests.ground.conftest import Service
from tests.waiting import wait_for

pytestmark = pytest.mark.integration

FAST = {
    "MARSY_GROUND_EVALUATION_PERIOD": "0.5",
    "MARSY_GROUND_LOSS_OF_SIGNAL": "2",  # 3 s in effect: three of its own heartbeats
    "MARSY_GROUND_RECONNECT_GRACE": "2",
}


class Rocket:
    """Telemetry at 10 Hz from the rocket's login while ``speaking``; nothing else."""

    def __init__(self, broker: LocalMosquitto, mission: str) -> None:
        self.bus = MqttBus(broker.settings_for("rocket", reconnect_max=1.0))
        self.mission = mission
        self.speaking = True
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def start(self) -> None:
        self.bus.start()
        self._thread.start()

    def stop(self) -> None:
        self._stop.set()
        self._thread.join(timeout=5)
        self.bus.stop(timeout=1)

    def _run(self) -> None:
        seq = 0
        while not self._stop.wait(0.1):
            if not self.speaking:
                continue
            seq += 1
            sample = DeviceTelemetry(
                mission_id=self.mission,
                source="rocket",
                seq=seq,
                ts=time.time(),
                device=Device.ROCKET,
                phase=FlightPhase.ASCENT,
                values={"altitude": 1000.0 + seq},
            )
            try:
                self.bus.publish_message(sample)  # paho holds it while the broker is away
            except MqttError:
                pass


@dataclass
class Flight:
    broker: LocalMosquitto
    calc: Service
    rocket: Rocket
    watcher: MqttBus
    """The observer's view of the errors channel."""

    def health(self) -> dict[str, Any]:
        return self.calc.health()

    def alerts(self, rule: AlertRule, parameter: str | None = None) -> list[dict[str, Any]]:
        """Alerts of ``rule`` the calculator raised or cleared so far."""
        return [
            a
            for a in self.health()["recent_alerts"]
            if a["rule"] == rule and (parameter is None or a["parameter"] == parameter)
        ]

    def active(self, rule: AlertRule, parameter: str | None = None) -> list[dict[str, Any]]:
        return [
            a
            for a in self.health()["active_alerts"]
            if a["rule"] == rule and (parameter is None or a["parameter"] == parameter)
        ]

    def wait_live(self, timeout: float = 30.0) -> None:
        def live() -> bool:
            health = self.health()
            rocket = health["devices"]["rocket"]
            return bool(
                health["ground"]["view"] == "live"
                and rocket["spoke_this_mission"]
                and rocket["heard_ago"] is not None
                and rocket["heard_ago"] < 1.0
            )

        wait_for(live, timeout, "the calculator's view live, the rocket heard")

    def heard_on_bus(self, rule: AlertRule, timeout: float) -> Alert:
        def arrived() -> Alert | None:
            delivery = self.watcher.receive(0.5)
            if delivery is None:
                return None
            self.watcher.ack(delivery)
            alert = decode_as(Alert, delivery.payload)
            return alert if alert.rule is rule and not alert.cleared else None

        return wait_for(arrived, timeout, f"a {rule} alert on the bus")


@pytest.fixture
def flying(
    private_broker: LocalMosquitto, influxd: LocalInfluxd, serve: Callable[..., Service]
) -> Iterator[Callable[..., Flight]]:
    """``flying(ingest=True)``: the calculator (and the ingest) follow a mission whose rocket
    speaks on the bus."""
    made: list[MqttBus | Rocket] = []

    def start(ingest: bool = True) -> Flight:
        mission = f"M-svc-{int(time.time() * 1000)}"
        if ingest:
            serve("telemetry", private_broker, influxd)
        calc = serve("calculator", private_broker, influxd, **FAST)
        watcher = MqttBus(private_broker.settings_for("observer"))
        watcher.subscribe(watcher.topics.channel_filter(Channel.ERRORS))
        watcher.start()
        command = MqttBus(private_broker.settings_for("command"))
        command.start()
        made.extend([watcher, command])
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
        rocket = Rocket(private_broker, mission)
        rocket.start()
        made.append(rocket)
        return Flight(private_broker, calc, rocket, watcher)

    yield start
    for item in made:
        if isinstance(item, MqttBus):
            item.stop(timeout=1)
        else:
            item.stop()


@contextmanager
def frozen(process: ServerProcess) -> Iterator[None]:
    """SIGSTOP a server (alive, silent), SIGCONT it afterwards whatever happens."""
    assert process.pid is not None
    os.kill(process.pid, signal.SIGSTOP)
    try:
        yield
    finally:
        os.kill(process.pid, signal.SIGCONT)


def test_a_frozen_broker_is_a_ground_alert_not_a_loss_of_signal(
    flying: Callable[..., Flight],
) -> None:
    flight = flying()
    flight.wait_live()
    began = time.monotonic()
    with frozen(flight.broker.process):
        wait_for(lambda: flight.active(AlertRule.GROUND, "broker"), 15, "the broker alert")
        assert flight.health()["ground"]["view"] == "stale"
        while time.monotonic() - began < 10:  # the rocket silent on our side for 10 s
            time.sleep(0.2)
        assert flight.alerts(AlertRule.LOSS_OF_SIGNAL) == []
    ground = flight.heard_on_bus(AlertRule.GROUND, 15)  # published once the bus carries it
    assert (ground.parameter, ground.severity) == ("broker", Severity.YELLOW)
    assert "no view of the vehicles" in ground.message
    wait_for(lambda: not flight.active(AlertRule.GROUND, "broker"), 15, "the broker alert cleared")
    flight.wait_live()
    time.sleep(3.5)  # one more threshold with the rocket speaking
    assert flight.alerts(AlertRule.LOSS_OF_SIGNAL) == []


def test_a_killed_broker_is_a_ground_alert_not_a_loss_of_signal(
    flying: Callable[..., Flight],
) -> None:
    flight = flying()
    flight.wait_live()
    flight.broker.kill()
    try:
        (alert,) = wait_for(
            lambda: flight.active(AlertRule.GROUND, "broker"), 10, "the broker alert"
        )
        assert "disconnected" in alert["message"]
        time.sleep(6)
    finally:
        flight.broker.start()
    wait_for(lambda: not flight.active(AlertRule.GROUND, "broker"), 30, "the broker alert cleared")
    flight.wait_live(timeout=30)
    time.sleep(3.5)
    assert flight.alerts(AlertRule.LOSS_OF_SIGNAL) == []


def test_a_store_that_stops_answering_is_a_ground_alert_not_a_loss_of_signal(
    flying: Callable[..., Flight], influxd: LocalInfluxd
) -> None:
    flight = flying()
    flight.wait_live()
    with frozen(influxd.process):
        (store,) = wait_for(lambda: flight.active(AlertRule.GROUND, "store"), 15, "store alert")
        assert store["device"] == "rocket"
        assert store["message"].startswith("store unreachable")
        time.sleep(5)
        health = flight.health()
        assert health["read_failures"] > 0 and health["ground"]["view"] == "live"
        assert health["last_duration"] < 3.0  # a frozen store does not hold the cycle long
        assert flight.alerts(AlertRule.LOSS_OF_SIGNAL) == []
    wait_for(lambda: not flight.active(AlertRule.GROUND, "store"), 30, "the store alert cleared")
    assert flight.alerts(AlertRule.LOSS_OF_SIGNAL) == []


def test_an_ingest_far_behind_the_bus_is_a_ground_alert_not_a_loss_of_signal(
    flying: Callable[..., Flight],
) -> None:
    """No ingest stores anything; the ingest's heartbeat (sent here) says it is 60 s behind."""
    flight = flying(ingest=False)
    ingest = MqttBus(flight.broker.settings_for("telemetry"))
    ingest.start()
    try:
        for seq in range(1, 30):
            ingest.publish_message(
                ServiceHealth(
                    mission_id=flight.rocket.mission,
                    source="telemetry",
                    seq=seq,
                    ts=time.time(),
                    uptime=float(seq),
                    ingest_lag=60.0,
                    pending=5000,
                    store_ok=True,
                ),
                qos=0,
            )
            if flight.active(AlertRule.GROUND, "ingest"):
                break
            time.sleep(0.5)
        (stale,) = flight.active(AlertRule.GROUND, "ingest")
    finally:
        ingest.stop(timeout=1)
    assert stale["device"] == "rocket"
    assert stale["message"].startswith("ground data stale")
    assert "the telemetry ingest reports 60 s behind, 5000 pending" in stale["message"]
    flight.wait_live()
    assert flight.alerts(AlertRule.LOSS_OF_SIGNAL) == []


def test_a_rocket_silent_on_a_live_bus_is_lost(flying: Callable[..., Flight]) -> None:
    flight = flying()
    flight.wait_live()
    flight.rocket.speaking = False
    lost = flight.heard_on_bus(AlertRule.LOSS_OF_SIGNAL, 15)
    assert (lost.device, lost.severity) == (Device.ROCKET, Severity.RED)
    assert "no data from the rocket on the bus" in lost.message
    assert flight.alerts(AlertRule.GROUND) == []
    flight.rocket.speaking = True
    wait_for(lambda: not flight.active(AlertRule.LOSS_OF_SIGNAL), 10, "the loss of signal cleared")
    time.sleep(3.5)  # the store's gap is the rocket's silence, not a lagging ingest
    assert flight.alerts(AlertRule.GROUND) == []
