"""Fixtures for ground services run as their own processes (``marsy serve <name>``)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import urllib.request
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from devservers import LocalInfluxd, LocalMosquitto, free_port
from ground.web.statuses import UndeclaredStatus
from marsy.store.users import SERVICE_USERS
from tests.waiting import wait_for


def ground_env(
    broker: LocalMosquitto,
    user: str,
    influxd: LocalInfluxd | None,
    state: Path,
    port: int,
    **extra: str,
) -> dict[str, str]:
    mqtt = {**broker.settings_for(user).model_dump(mode="json"), "password": broker.passwords[user]}
    env = {
        **os.environ,
        "MARSY_GROUND_MQTT": json.dumps(mqtt),
        "MARSY_GROUND_STATE_DIR": str(state),
        "MARSY_GROUND_HTTP_PORT": str(port),
        "MARSY_GROUND_LOG_LEVEL": "INFO",
    }
    if influxd is not None and user in SERVICE_USERS:  # its role's InfluxDB user, as deployed
        settings = influxd.settings_for(SERVICE_USERS[user])
        assert settings.password is not None
        influx = {
            **settings.model_dump(mode="json"),
            "password": settings.password.get_secret_value(),
            "flush_interval": 0.05,
        }
        env["MARSY_GROUND_INFLUX"] = json.dumps(influx)
    env.update(extra)
    return env


UNDECLARED = UndeclaredStatus.__name__


@dataclass
class Service:
    name: str
    argv: list[str]
    env: dict[str, str]
    port: int
    log: Path
    proc: subprocess.Popen[bytes] | None = None

    def start(self) -> None:
        with self.log.open("ab") as out:
            self.proc = subprocess.Popen(
                self.argv, env=self.env, stdout=out, stderr=subprocess.STDOUT
            )
        wait_for(self.ready, 20, f"{self.name} to answer /health, subscribed")

    def ready(self) -> bool:
        """Answering, and (for a service on the bus) subscribed: nothing sent after is missed."""
        try:
            health = self.health()
        except OSError:
            assert self.proc is not None and self.proc.poll() is None, self.log.read_text()
            return False
        return bool(health.get("connected", health.get("mqtt_connected", True)))

    def health(self) -> dict[str, Any]:
        with urllib.request.urlopen(f"http://127.0.0.1:{self.port}/health", timeout=2) as r:
            data: dict[str, Any] = json.load(r)
            return data

    def kill(self) -> None:
        assert self.proc is not None
        self.proc.kill()
        self.proc.wait()

    def stop(self) -> None:
        if self.proc is not None and self.proc.poll() is None:
            self.proc.terminate()
            self.proc.wait(20)


@pytest.fixture
def serve(tmp_path: Path) -> Iterator[Callable[..., Service]]:
    """``serve(name, broker, influxd)`` runs ``marsy serve name`` as the ``name`` MQTT user."""
    started: list[Service] = []

    def start(
        name: str, broker: LocalMosquitto, influxd: LocalInfluxd | None = None, **extra: str
    ) -> Service:
        port = free_port()
        env = ground_env(broker, name, influxd, tmp_path / "state", port, **extra)
        service = Service(
            name,
            [sys.executable, "-m", "marsy_cli", "serve", name],
            env,
            port,
            tmp_path / f"{name}.log",
        )
        service.start()
        started.append(service)
        return service

    yield start
    for service in started:
        service.stop()
    for service in started:  # every status a service answered is one its contract lists
        undeclared = [line for line in service.log.read_text().splitlines() if UNDECLARED in line]
        assert not undeclared, f"{service.name}: {undeclared[:3]}"


# The firmware simulator and agent fixtures, for ground tests that fly a real rocket.
from tests.edge.conftest import fly, run_agent  # noqa: E402, F401
