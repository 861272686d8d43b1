"""Which processes a simulation runs, and with what settings: one function per kind of child.

Every program gets its settings the way it would on its device: environment variables with its
family's prefix. Each service and device connects to the broker as its own user; services get
bearer tokens so that, say, only Command may order the launch.
"""

from __future__ import annotations

import json
import secrets
import sys
from dataclasses import dataclass, field
from pathlib import Path

from marsy.local import LocalInfluxd, LocalMosquitto, free_port
from marsy.protocol import Device
from marsy.sim.children import Child

MARSY = [sys.executable, "-m", "marsy.cli"]
GROUND = (
    "weather",
    "launchpad",
    "telemetry",
    "calculator",
    "staging",
    "payload",
    "webcaster",
    "command",
)
"""Start order: the services Command calls come before it."""


@dataclass
class Plan:
    run: Path
    broker: LocalMosquitto
    influxd: LocalInfluxd
    epoch: float
    warp: float
    ports: dict[str, int] = field(default_factory=dict)
    tokens: dict[str, str] = field(default_factory=dict)

    def __post_init__(self) -> None:
        for name in (*GROUND, "operator"):
            self.tokens[name] = secrets.token_urlsafe(16)
        for name in GROUND:
            self.ports[name] = free_port()

    def url(self, service: str) -> str:
        return f"http://127.0.0.1:{self.ports[service]}"

    def _clock(self, prefix: str) -> dict[str, str]:
        return {f"{prefix}CLOCK__EPOCH": repr(self.epoch), f"{prefix}CLOCK__WARP": repr(self.warp)}

    def firmware(self, scenario: str, vehicle: str, seed: int) -> Child:
        return Child(
            "firmware",
            [
                *MARSY,
                "firmware",
                "--scenario",
                scenario,
                "--vehicle",
                vehicle,
                "--seed",
                str(seed),
                "--warp",
                repr(self.warp),
                "--epoch",
                repr(self.epoch),
                "--links",
                str(self.run / "ports"),
            ],
        )

    def agent(self, device: Device) -> Child:
        env = {
            "MARSY_EDGE_SERIAL_URL": str(self.run / "ports" / str(device)),
            "MARSY_EDGE_STATE_DIR": str(self.run / "state"),
            "MARSY_EDGE_MQTT__HOST": "127.0.0.1",
            "MARSY_EDGE_MQTT__PORT": str(self.broker.port),
            "MARSY_EDGE_MQTT__USERNAME": str(device),
            "MARSY_EDGE_MQTT__PASSWORD": self.broker.passwords[str(device)],
            "MARSY_EDGE_MQTT__TOPIC_ROOT": self.broker.topic_root,
            "MARSY_EDGE_HEARTBEAT_INTERVAL": "2",
            **self._clock("MARSY_EDGE_"),
        }
        return Child(f"agent-{device}", [*MARSY, "agent", str(device)], env)

    def service(self, name: str) -> Child:
        mqtt = {
            **self.broker.settings_for(name).model_dump(mode="json"),
            "password": self.broker.passwords[name],
        }
        influx = {
            **self.influxd.settings().model_dump(mode="json"),
            "password": self.influxd.password,
        }
        callers = {"operator": self.tokens["operator"]}
        if name == "launchpad":
            callers["command"] = self.tokens["command"]
        env = {
            "MARSY_GROUND_MQTT": json.dumps(mqtt),
            "MARSY_GROUND_INFLUX": json.dumps(influx),
            "MARSY_GROUND_STATE_DIR": str(self.run / "state"),
            "MARSY_GROUND_HTTP_PORT": str(self.ports[name]),
            "MARSY_GROUND_API_TOKENS": json.dumps(callers),
            "MARSY_GROUND_TOKEN": self.tokens[name],
            "MARSY_GROUND_SERVICES": json.dumps({s: self.url(s) for s in GROUND}),
            **self._clock("MARSY_GROUND_"),
        }
        return Child(name, [*MARSY, "serve", name], env)
