"""``marsy serve calculator``: the risk evaluation loop, on the mission clock.

It reads from ``influx.read_url`` when set (a replica), learns the current mission from the
retained mission status, evaluates every ``evaluation_period`` mission seconds and publishes
alerts on its errors topic. Under time warp the data path (agent → broker → ingest → InfluxDB)
takes a fixed wall time, so the evaluated instant trails the clock by one wall second and a
device counts as silent only after ``loss_of_signal`` mission seconds and three wall seconds.
"""

from __future__ import annotations

import logging
import threading
from dataclasses import asdict
from typing import Any

from flask import Flask

from ground.calculator.evaluator import Evaluator
from ground.influx.http import InfluxError, InfluxHttp
from ground.influx.reads import TelemetryReader
from ground.influx.schema import database_for
from ground.web import Api, HttpServer
from marsy.mqtt import MqttBus, MqttError
from marsy.protocol import ContractError, Device, MissionStatus, decode_delivery
from marsy.settings import GroundSettings

logger = logging.getLogger(__name__)

SETTLE_WALL = 1.0
"""Wall seconds the evaluated instant trails the clock: the data path's own latency."""


def create_app(evaluator: Evaluator) -> Flask:
    app = Flask("calculator")
    api = Api("MarsY calculator")

    def health() -> dict[str, Any]:
        return {
            "service": "calculator",
            "mission_id": evaluator.mission_id,
            **asdict(evaluator.stats),
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
        }

    api.install(app, health)
    return app


def run(settings: GroundSettings, stop: threading.Event) -> None:
    influx = settings.influx
    clock = settings.clock.clock()
    http = InfluxHttp(
        influx.read_url or influx.url,
        username=influx.username,
        password=influx.password,
        timeout=influx.timeout,
    )
    readers = {d: TelemetryReader(http, database_for(d, influx)) for d in Device}
    bus = MqttBus(settings.mqtt, presence="calculator", clock=clock)
    bus.subscribe(bus.topics.mission_status)

    def publish(alert: Any) -> None:
        try:
            bus.publish_message(alert).wait(timeout=5)
        except MqttError as exc:
            logger.error("alert not confirmed by the broker: %s", exc)

    settle = SETTLE_WALL * clock.warp
    evaluator = Evaluator(
        readers,
        publish,
        window=max(2 * settings.evaluation_period, 2 * settle),
        loss_of_signal=max(settings.loss_of_signal, 3 * settle),
    )
    server = HttpServer(create_app(evaluator), settings.http_host, settings.http_port)
    bus.start(wait=None)
    server.start()
    listener = threading.Thread(target=_follow_missions, args=(bus, evaluator, stop), daemon=True)
    listener.start()
    next_at = clock.now()
    while not stop.is_set():
        next_at += settings.evaluation_period
        if clock.sleep(next_at - clock.now(), stop):
            break
        try:
            evaluator.evaluate(clock.now() - settle)
        except InfluxError as exc:
            logger.warning("evaluation skipped, InfluxDB unavailable: %s", exc)
    server.stop()
    bus.stop()
    http.close()


def _follow_missions(bus: MqttBus, evaluator: Evaluator, stop: threading.Event) -> None:
    while not stop.is_set():
        delivery = bus.receive(timeout=0.5)
        if delivery is None:
            continue
        try:
            message = decode_delivery(bus.topics, delivery.topic, delivery.payload)
        except ContractError as exc:
            logger.warning("malformed mission status: %s", exc)
        else:
            if isinstance(message, MissionStatus):
                evaluator.start_mission(message.mission_id)
        bus.ack(delivery)
