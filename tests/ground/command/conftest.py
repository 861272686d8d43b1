"""Command, weather and launchpad as processes on a real broker (and influxd), and HTTP calls
to them."""

from __future__ import annotations

import json
import urllib.error
import urllib.request
from collections.abc import Callable
from typing import Any

import pytest

from devservers import LocalInfluxd, LocalMosquitto
from tests.ground.conftest import Service

TOKENS = {"operator": "op-secret", "command": "cmd-secret"}


def call(
    method: str, url: str, token: str | None = None, payload: Any = None, raw: bytes | None = None
) -> tuple[int, Any]:
    data = (
        raw if raw is not None else (json.dumps(payload).encode() if payload is not None else None)
    )
    request = urllib.request.Request(url, data=data, method=method)
    request.add_header("Content-Type", "application/json")
    if token:
        request.add_header("Authorization", f"Bearer {token}")
    try:
        with urllib.request.urlopen(request, timeout=60) as response:
            return response.status, json.load(response)
    except urllib.error.HTTPError as exc:
        return exc.code, json.load(exc)


def url(service: Service, path: str) -> str:
    return f"http://127.0.0.1:{service.port}{path}"


def start_ground(
    serve: Callable[..., Service],
    broker: LocalMosquitto,
    influxd: LocalInfluxd,
    **command_env: str,
) -> dict[str, Service]:
    """Weather, launchpad and Command (with ``command_env`` on top of its settings)."""
    tokens = json.dumps(TOKENS)
    weather = serve("weather", broker, influxd, MARSY_GROUND_API_TOKENS=tokens)
    launchpad = serve(
        "launchpad",
        broker,
        influxd,
        MARSY_GROUND_API_TOKENS=tokens,
        MARSY_GROUND_SERVICES=json.dumps({"weather": f"http://127.0.0.1:{weather.port}"}),
    )
    services = json.dumps(
        {
            "weather": f"http://127.0.0.1:{weather.port}",
            "launchpad": f"http://127.0.0.1:{launchpad.port}",
        }
    )
    command = serve(
        "command",
        broker,
        influxd,
        MARSY_GROUND_API_TOKENS=tokens,
        MARSY_GROUND_TOKEN=TOKENS["command"],
        MARSY_GROUND_SERVICES=services,
        **command_env,
    )
    return {"weather": weather, "launchpad": launchpad, "command": command}


@pytest.fixture
def ground(
    private_broker: LocalMosquitto, influxd: LocalInfluxd, serve: Callable[..., Service]
) -> dict[str, Service]:
    """The ground with no launch window: a no-go scrubs at the first poll."""
    return start_ground(serve, private_broker, influxd, MARSY_GROUND_LAUNCH_WINDOW="0")


@pytest.fixture
def held_ground(
    private_broker: LocalMosquitto, influxd: LocalInfluxd, serve: Callable[..., Service]
) -> dict[str, Service]:
    """The ground with a 30 s launch window polled every second (mission time is wall time)."""
    return start_ground(
        serve,
        private_broker,
        influxd,
        MARSY_GROUND_LAUNCH_WINDOW="30",
        MARSY_GROUND_GO_NO_GO_INTERVAL="1",
    )
