"""``marsy serve calculator``: the risk evaluation loop, on the mission clock, watching the bus.

It reads the store from ``influx.read_url`` when set (a replica) and evaluates every
``evaluation_period`` mission seconds. Liveness it judges on the bus itself, never from the
store: besides the retained mission status it hears presence (retained), every health heartbeat,
and telemetry, vitals and events, and it publishes its own heartbeat on ``health/calculator``
every wall second and hears it back: while that loopback works, its view of the vehicles is live.

Alerts go out on its errors topic without blocking the cycle and are logged at once: while the
broker is unreachable paho holds them, and sends them when the bus carries messages again.

Under time warp the store's data path (agent → broker → ingest → InfluxDB) takes a fixed wall
time, so the evaluated store window trails the clock by one wall second, and every threshold is
at least three wall seconds (three of our own heartbeats).
"""

from __future__ import annotations

import logging
import threading
import time
from dataclasses import asdict, dataclass
from typing import Any

from flask import Flask

from ground.calculator.evaluator import Evaluator
from ground.service_skeleton import Skeleton, serve
from ground.web import Api
from marsy.clock import MissionClock
from marsy.mqtt import MqttBus, MqttError
from marsy.protocol import (
    Alert,
    Channel,
    ContractError,
    Device,
    Service,
    ServiceHealth,
    Topics,
    decode_delivery,
)
from marsy.protocol.commanding import STANDBY
from marsy.settings import GroundSettings
from marsy.store import connect_store

logger = logging.getLogger(__name__)

SETTLE_WALL = 1.0
"""Wall seconds the evaluated store window trails the clock: the data path's own latency."""
BEACON_PERIOD = 1.0
"""Wall seconds between two of our own heartbeats (the loopback)."""
READ_TIMEOUT = 1.0
"""Wall seconds a store read may take (the adapter tries twice) before the store counts as
unreachable this cycle: a frozen InfluxDB must not hold the cycle for long."""


def subscriptions(topics: Topics) -> list[tuple[str, int]]:
    """What the calculator hears, at which QoS.

    QoS 1 for the retained state (mission status, presence): the latest word must arrive. QoS 0
    for the live stream (telemetry, vitals, health, events): only "when was it last heard"
    matters, and a restarted calculator must not chew through a backlog its persistent session
    kept (the broker queues no QoS-0 message for an absent client).
    """
    stream = (Channel.TELEMETRY, Channel.VITALS, Channel.HEALTH, Channel.EVENTS)
    return [
        (topics.mission_status, 1),
        (topics.channel_filter(Channel.PRESENCE), 1),
        *((topics.channel_filter(channel), 0) for channel in stream),
    ]


@dataclass
class ListenerStats:
    heard: int = 0
    malformed: int = 0


class Listener:
    """Decodes every delivery (origin checked) and tells the evaluator what the bus said."""

    def __init__(self, bus: MqttBus, evaluator: Evaluator, clock: MissionClock) -> None:
        self.bus = bus
        self.evaluator = evaluator
        self.clock = clock
        self.stats = ListenerStats()

    def run(self, stop: threading.Event) -> None:
        while not stop.is_set():
            delivery = self.bus.receive(timeout=0.5)
            if delivery is None:
                continue
            try:
                message = decode_delivery(self.bus.topics, delivery.topic, delivery.payload)
            except ContractError as exc:
                self.stats.malformed += 1
                if self.stats.malformed <= 10 or self.stats.malformed % 1000 == 0:
                    logger.warning(
                        "refused on %s (%d so far): %s", delivery.topic, self.stats.malformed, exc
                    )
            else:
                self.stats.heard += 1
                self.evaluator.hear(message, self.clock.now())
            self.bus.ack(delivery)


def beacon(bus: MqttBus, evaluator: Evaluator, clock: MissionClock, stop: threading.Event) -> None:
    """Every wall second: tell the evaluator the connection's state and our own backlog, and
    send our heartbeat, which comes back to us through the broker when the bus carries it."""
    started = time.monotonic()
    seq = int(time.time() * 1000)
    while True:
        connected = bus.connected.is_set()
        evaluator.connection(connected, clock.now(), bus.deliveries.qsize())
        if connected:
            seq += 1
            beat = ServiceHealth(
                mission_id=evaluator.mission_id or STANDBY,
                source=Service.CALCULATOR,
                seq=seq,
                ts=clock.now(),
                uptime=time.monotonic() - started,
            )
            try:
                # QoS 0: a heartbeat that did not come back is the news, not one to retry.
                bus.publish_message(beat, qos=0)
            except MqttError as exc:
                logger.debug("heartbeat not sent: %s", exc)
        if stop.wait(BEACON_PERIOD):
            return


class AlertOutlet:
    """Publishes alerts without waiting for the broker, and logs each at once."""

    def __init__(self, bus: MqttBus) -> None:
        self.bus = bus

    def publish(self, alert: Alert) -> None:
        state = "cleared" if alert.cleared else str(alert.severity)
        logger.warning("alert %s %s %s: %s", state, alert.rule, alert.device, alert.message)
        try:
            self.bus.publish_message(alert)
        except MqttError as exc:
            logger.error("alert not handed to the broker: %s", exc)
            return
        if not self.bus.connected.is_set():
            logger.warning("broker unreachable: the alert goes out when it carries messages again")


def create_app(evaluator: Evaluator, clock: MissionClock, listener: Listener) -> Flask:
    app = Flask("calculator")
    api = Api("MarsY calculator")

    def health() -> dict[str, Any]:
        return {
            "service": "calculator",
            "mission_id": evaluator.mission_id,
            **asdict(evaluator.stats),
            **evaluator.health(clock.now()),
            "bus": asdict(listener.stats),
            "active_alerts": [
                {
                    "device": f.device,
                    "rule": f.rule,
                    "parameter": f.parameter,
                    "severity": f.severity,
                    "message": f.message,
                }
                for f in evaluator.active()
            ],
            "recent_alerts": list(evaluator.recent),
        }

    api.install(app, health)
    return app


def run(settings: GroundSettings, stop: threading.Event) -> None:
    influx = settings.influx
    clock = settings.clock.clock()
    store = connect_store(influx.model_copy(update={"timeout": min(influx.timeout, READ_TIMEOUT)}))
    readers = dict.fromkeys(Device, store)
    service = Skeleton(str(Service.CALCULATOR))
    service.closing(store)
    bus = service.mqtt(settings, clock, presence=Service.CALCULATOR)
    for topic_filter, qos in subscriptions(bus.topics):
        bus.subscribe(topic_filter, qos)
    settle = SETTLE_WALL * clock.warp
    evaluator = Evaluator(
        readers,
        AlertOutlet(bus).publish,
        window=max(2 * settings.evaluation_period, 2 * settle),
        loss_of_signal=max(settings.loss_of_signal, 3 * clock.warp * BEACON_PERIOD, 3 * settle),
        heartbeat_timeout=settings.heartbeat_timeout * clock.warp,
        reconnect_grace=settings.reconnect_grace * clock.warp,
    )
    listener = Listener(bus, evaluator, clock)
    service.loop("bus", listener.run, join_timeout=2)
    service.loop("beacon", lambda stopping: beacon(bus, evaluator, clock, stopping), join_timeout=2)
    service.http(create_app(evaluator, clock, listener), settings)

    def cycle(stopping: threading.Event) -> None:
        """Evaluate every ``evaluation_period`` mission seconds, the window ``settle`` behind."""
        next_at = clock.now()
        while not stopping.is_set():
            next_at = max(next_at + settings.evaluation_period, clock.now())
            if clock.sleep(next_at - clock.now(), stopping):
                return
            now = clock.now()
            evaluator.connection(bus.connected.is_set(), now, bus.deliveries.qsize())
            try:
                evaluator.evaluate(now - settle, bus_now=now)
            except Exception:
                logger.exception("evaluation cycle failed")

    serve(service, stop, cycle)
