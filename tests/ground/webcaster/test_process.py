"""``marsy serve webcaster`` as its own process: killed mid-interview, it resumes, once."""

from __future__ import annotations

import json
import urllib.request
from collections.abc import Callable
from typing import Any

import pytest

from devservers import LocalMosquitto
from ground.webcaster.interview import QUESTIONS, command_id
from marsy.mqtt import MqttBus
from marsy.protocol import EventType
from tests.ground.conftest import Service
from tests.ground.webcaster.conftest import FakeSuit, Vehicles
from tests.ground.webcaster.messages import line
from tests.waiting import wait_for

pytestmark = pytest.mark.integration


def get(service: Service, path: str) -> Any:
    url = f"http://127.0.0.1:{service.port}{path}"
    with urllib.request.urlopen(url, timeout=5) as answer:
        return json.load(answer)


def test_killed_mid_interview_the_service_resumes_it_after_a_restart(
    broker: LocalMosquitto,
    serve: Callable[..., Service],
    fake_suit: Callable[..., FakeSuit],
    bus_factory: Callable[..., MqttBus],
    vehicles: Vehicles,
) -> None:
    suit = fake_suit(answering=False)
    webcaster = serve("webcaster", broker)
    with urllib.request.urlopen(f"http://127.0.0.1:{webcaster.port}/", timeout=5) as page:
        assert b"EventSource" in page.read()
    command = bus_factory(broker, "command")
    command.start()
    command.publish_message(line("Payload separation confirmed.")).wait()
    wait_for(lambda: get(webcaster, "/live")["lines"], 10, "the line on /live")

    vehicles.release("m-kill")
    wait_for(lambda: suit.commands, 10, "the first question")
    webcaster.kill()  # SIGKILL: no clean shutdown, the interview is half-way

    suit.answering.set()
    webcaster.start()

    def finished() -> dict[str, Any] | None:
        try:
            data: dict[str, Any] = get(webcaster, "/missions/m-kill/transcript")
        except OSError:
            return None
        return data if data["finished_at"] is not None else None

    transcript = wait_for(finished, 20, "the resumed interview to finish")
    assert transcript is not None
    asked = QUESTIONS[EventType.PAYLOAD_DETACHED]
    assert [x["question"] for x in transcript["exchanges"]] == list(asked)
    assert all(x["answer"] for x in transcript["exchanges"])
    assert {c.command_id for c in suit.commands} == {
        command_id("m-kill", i) for i in range(len(asked))
    }
    health = get(webcaster, "/health")
    assert health["interviews"]["resumed"] == 1 and health["interviews"]["started"] == 0
    webcaster.stop()  # SIGTERM: a clean exit
    assert webcaster.proc is not None and webcaster.proc.returncode == 0
