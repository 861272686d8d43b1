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

from devservers import free_port
from marsy.protocol import Device
from marsy.settings import InfluxSettings, MqttSettings
from marsy.store.users import SERVICE_USERS
from marsy_sim.children import Child
from marsy_sim.servers import Broker, Store

MARSY = [sys.executable, "-m", "marsy_cli"]
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


def _with_secret(settings: MqttSettings | InfluxSettings) -> str:
    """Settings as the JSON of an environment variable, the password in clear (a child's own)."""
    fields = settings.model_dump(mode="json")
    if settings.password is not None:
        fields["password"] = settings.password.get_secret_value()
    return json.dumps(fields)


@dataclass(frozen=True)
class Vehicle:
    """One vehicle's folders: a mission of a row flies a new rocket with fresh boards and agents
    (its serial ports and its agents' on-disk state), under the same ground."""

    number: int
    folder: Path

    @property
    def ports(self) -> Path:
        return self.folder / "ports"

    @property
    def state(self) -> Path:
        return self.folder / "state"


@dataclass
class Plan:
    run: Path
    broker: Broker
    store: Store
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

    def vehicle(self, number: int) -> Vehicle:
        return Vehicle(number, self.run / f"vehicle-{number}")

    def firmware(self, scenario: str, vehicle: str, seed: int, on: Vehicle) -> Child:
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
                str(on.ports),
                "--state",
                str(on.state),
            ],
        )

    def agent(self, device: Device, on: Vehicle) -> Child:
        env = {
            "MARSY_EDGE_SERIAL_URL": str(on.ports / str(device)),
            "MARSY_EDGE_STATE_DIR": str(on.state),
            "MARSY_EDGE_MQTT": _with_secret(self.broker.settings_for(str(device))),
            "MARSY_EDGE_HEARTBEAT_INTERVAL": "2",
            **self._clock("MARSY_EDGE_"),
        }
        return Child(f"agent-{device}", [*MARSY, "agent", str(device)], env)

    def service(self, name: str) -> Child:
        callers = {"operator": self.tokens["operator"]}
        if name == "launchpad":
            callers["command"] = self.tokens["command"]
        env = {
            "MARSY_GROUND_MQTT": _with_secret(self.broker.settings_for(name)),
            "MARSY_GROUND_STATE_DIR": str(self.run / "state"),
            "MARSY_GROUND_HTTP_PORT": str(self.ports[name]),
            "MARSY_GROUND_API_TOKENS": json.dumps(callers),
            "MARSY_GROUND_TOKEN": self.tokens[name],
            "MARSY_GROUND_SERVICES": json.dumps({s: self.url(s) for s in GROUND}),
            **self._clock("MARSY_GROUND_"),
        }
        if name in SERVICE_USERS:  # the others have no business with InfluxDB
            influx = self.store.settings_for(SERVICE_USERS[name])
            env["MARSY_GROUND_INFLUX"] = _with_secret(influx)
        return Child(name, [*MARSY, "serve", name], env)
