"""Every ground service, run as ``marsy serve <name>``, stops cleanly on SIGTERM: exit 0 within
seconds, no traceback, no loop left running, and its presence says "offline"."""

from __future__ import annotations

import json
import signal
import time
from collections.abc import Callable

import pytest

from devservers import LocalInfluxd, LocalMosquitto
from marsy.mqtt import MqttBus
from marsy.protocol import Channel, DevicePresence, PresenceState, decode_message
from marsy_cli.serve import SERVICES
from tests.ground.conftest import Service
from tests.waiting import wait_for

pytestmark = pytest.mark.integration

ON_THE_BUS = tuple(name for name in SERVICES if name != "weather")
"""The services with an MQTT connection (the weather service needs none)."""
STOP_WITHIN = 15.0
"""Wall seconds a service may take to stop after SIGTERM."""


def test_every_service_stops_cleanly_on_sigterm(
    private_broker: LocalMosquitto,
    influxd: LocalInfluxd,
    serve: Callable[..., Service],
    bus_factory: Callable[..., MqttBus],
) -> None:
    tokens = json.dumps({"operator": "op-secret", "command": "cmd-secret"})
    weather = serve("weather", private_broker, influxd, MARSY_GROUND_API_TOKENS=tokens)
    peers = {"weather": f"http://127.0.0.1:{weather.port}"}
    launchpad = serve(
        "launchpad",
        private_broker,
        influxd,
        MARSY_GROUND_API_TOKENS=tokens,
        MARSY_GROUND_SERVICES=json.dumps(peers),
    )
    peers["launchpad"] = f"http://127.0.0.1:{launchpad.port}"
    services = {"weather": weather, "launchpad": launchpad}
    for name in SERVICES:
        if name not in services:
            services[name] = serve(
                name,
                private_broker,
                influxd,
                MARSY_GROUND_API_TOKENS=tokens,
                MARSY_GROUND_SERVICES=json.dumps(peers),
            )

    observer = bus_factory(private_broker, "calculator", persistent=False)
    presence: dict[str, PresenceState] = {}
    observer.subscribe(observer.topics.channel_filter(Channel.PRESENCE))
    observer.start()

    def heard() -> dict[str, PresenceState]:
        while (delivery := observer.receive(timeout=0.1)) is not None:
            message = decode_message(delivery.payload)
            if isinstance(message, DevicePresence):
                presence[message.source] = message.state
            observer.ack(delivery)
        return presence

    wait_for(
        lambda: all(heard().get(n) is PresenceState.ONLINE for n in ON_THE_BUS),
        10,
        "every service online",
    )
    for service in services.values():
        assert service.proc is not None
        service.proc.send_signal(signal.SIGTERM)
    deadline = time.monotonic() + STOP_WITHIN
    for name, service in services.items():
        assert service.proc is not None
        code = service.proc.wait(max(0.1, deadline - time.monotonic()))
        log = service.log.read_text()
        assert code == 0, f"{name} ended with {code}:\n{log[-3000:]}"
        assert "Traceback" not in log, f"{name}:\n{log[-3000:]}"
        assert "still running after" not in log, f"{name}:\n{log[-3000:]}"
    wait_for(
        lambda: all(heard().get(n) is PresenceState.OFFLINE for n in ON_THE_BUS),
        10,
        "every service offline",
    )
