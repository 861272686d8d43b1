"""The webcaster on a real broker: the event stream, the interview and its transcript.

The suit here is a real MQTT client answering as the ``suit`` user (fast and in our hands);
``test_suit_interview.py`` runs the real suit agent.
"""

from __future__ import annotations

import json
import urllib.error
import urllib.request
from collections.abc import Callable
from typing import Any

import pytest

from devservers import LocalMosquitto
from ground.webcaster.commentary import BOOSTER_LINES
from ground.webcaster.interview import QUESTIONS, command_id
from ground.webcaster.view import HOST
from marsy.mqtt import MqttBus
from marsy.protocol import Channel, Device, EventType, FlightPhase
from tests.ground.webcaster.conftest import EventStream, FakeSuit, MakeWebcaster, Vehicles
from tests.ground.webcaster.messages import alert, booster, event, line, rocket, status, vitals
from tests.waiting import wait_for

pytestmark = pytest.mark.integration

ASKED = QUESTIONS[EventType.PAYLOAD_DETACHED]


def get(url: str) -> Any:
    with urllib.request.urlopen(url, timeout=5) as answer:
        return json.load(answer)


def test_what_is_published_on_the_bus_appears_on_the_stream(
    broker: LocalMosquitto,
    make_webcaster: MakeWebcaster,
    bus_factory: Callable[..., MqttBus],
) -> None:
    webcaster = make_webcaster(broker)
    stream = EventStream(webcaster.http.port).start()
    wait_for(lambda: stream.of("snapshot"), 5, "the snapshot")
    assert stream.first_bytes.startswith(b":"), "the stream must open with a comment at once"
    assert stream.first_byte_after is not None and stream.first_byte_after < 1.0

    command = bus_factory(broker, "command")
    command.start()
    command.publish_message(status("m1", FlightPhase.PAD)).wait()
    command.publish_message(line("T minus 10, all systems go")).wait()
    stream.wait_line("T minus 10, all systems go")
    assert stream.of("snapshot")[-1]["mission_id"] == "m1"

    launchpad = bus_factory(broker, "launchpad")
    launchpad.start()
    launchpad.publish(launchpad.topics.topic(Channel.WEBCAST, "launchpad"), b"{junk").wait()
    rocket_bus, suit_bus = bus_factory(broker, "rocket"), bus_factory(broker, "suit")
    rocket_bus.start()
    suit_bus.start()
    rocket_bus.publish_message(rocket(FlightPhase.MAX_Q, altitude=11_800.0, velocity=420.0)).wait()
    suit_bus.publish_message(vitals(heart_rate=128.0, g_load=2.4)).wait()
    rocket_bus.publish_message(event(EventType.MAX_Q)).wait()
    calculator = bus_factory(broker, "calculator")
    calculator.start()
    calculator.publish_message(alert("heart_rate")).wait()
    launchpad.publish_message(line("Max-Q, throttling down", speaker="launchpad")).wait()
    stream.wait_line("Max-Q, throttling down")

    def figures() -> dict[str, Any] | None:
        for data in reversed(stream.of("figures")):
            values = {f["key"]: f["value"] for f in data["figures"]}
            if values["rocket.altitude"] is not None and values["suit.heart_rate"] is not None:
                return values
        return None

    values = wait_for(figures, 5, "the rocket's and the suit's figures")
    assert values is not None
    assert values["rocket.velocity"] == 420.0 and values["suit.g_load"] == 2.4
    assert any(m["phase"] == "max_q" for m in stream.of("mission"))
    assert [e["event"] for e in stream.of("event")] == ["max_q"]
    assert stream.of("alerts")[-1]["alerts"][0]["parameter"] == "heart_rate"
    health = get(f"{webcaster.url}/health")
    assert health["malformed"] == 1 and health["pages"] == 1
    told = stream.wait_line("Max-Q: the rocket is through the hardest push of the air.")
    assert (told["speaker"], told["source"]) == (HOST, "webcaster"), "the rocket's own Max-Q"
    live = get(f"{webcaster.url}/live")
    assert sorted(entry["text"] for entry in live["lines"]) == [
        "Max-Q, throttling down",
        "Max-Q: the rocket is through the hardest push of the air.",
        "T minus 10, all systems go",
    ]
    stream.close()

    def let_go() -> bool:
        # A hang-up is noticed when a write fails, which may take a write or two.
        command.publish_message(line("Anyone there?")).wait()
        return webcaster.hub.pages == 0

    wait_for(let_go, 5, "the closed page to be let go", interval=0.1)


def test_the_astronaut_is_interviewed_once_and_the_transcript_is_stored(
    broker: LocalMosquitto,
    make_webcaster: MakeWebcaster,
    fake_suit: Callable[..., FakeSuit],
    bus_factory: Callable[..., MqttBus],
    vehicles: Vehicles,
) -> None:
    suit = fake_suit()
    webcaster = make_webcaster(broker)
    stream = EventStream(webcaster.http.port).start()
    wait_for(lambda: stream.of("snapshot"), 5, "the snapshot")
    with pytest.raises(urllib.error.HTTPError) as missing:
        get(f"{webcaster.url}/missions/m1/transcript")
    assert missing.value.code == 404

    suit_bus = bus_factory(broker, "suit")
    suit_bus.start()
    suit_bus.publish_message(vitals("Ada", heart_rate=120.0)).wait()
    wait_for(lambda: webcaster.hub.astronaut() == "Ada", 5, "the astronaut's name from vitals")
    vehicles.release()

    def finished() -> dict[str, Any] | None:
        try:
            data: dict[str, Any] = get(f"{webcaster.url}/missions/m1/transcript")
        except urllib.error.HTTPError:
            return None
        return data if data["finished_at"] is not None else None

    transcript = wait_for(finished, 15, "the finished transcript")
    assert transcript is not None
    assert transcript["astronaut"] == "Ada" and transcript["trigger"] == "payload_detached"
    assert [x["question"] for x in transcript["exchanges"]] == list(ASKED)
    assert [x["answer"] for x in transcript["exchanges"]] == [
        suit.answers[command_id("m1", i)] for i in range(len(ASKED))
    ]
    assert [c.text for c in suit.commands] == list(ASKED)
    for exchange in transcript["exchanges"]:
        asked = stream.wait_line(exchange["question"])
        answered = stream.wait_line(exchange["answer"])
        assert (asked["speaker"], answered["speaker"]) == (HOST, "Ada")
        assert asked["source"] == answered["source"] == "webcaster"
    announced = wait_for(
        lambda: [e for e in stream.of("event") if e["event"] == "interview"],
        5,
        "the interview event on the bus",
    )
    assert announced[0]["source"] == "webcaster"
    assert announced[0]["detail"].startswith("Ada answered 3 of 3 questions")

    # A second trigger, a redelivery, a restart: none of them asks again.
    vehicles.splash_down()
    wait_for(lambda: webcaster.interviewer.stats.skipped == 1, 5, "the landing to be skipped")
    webcaster.stop()
    again = make_webcaster(broker)
    vehicles.say(Device.SATELLITE, EventType.PAYLOAD_DETACHED)
    wait_for(lambda: again.interviewer.stats.skipped == 1, 5, "the repeat to be skipped")
    assert again.interviewer.stats.refused == 0, "the steps it follows were kept"
    assert again.interviewer.stats.started == again.interviewer.stats.resumed == 0
    assert len(suit.commands) == len(ASKED)
    assert get(f"{again.url}/missions/m1/transcript") == transcript
    stream.close()


def test_an_interview_cut_short_resumes_after_a_restart(
    broker: LocalMosquitto,
    make_webcaster: MakeWebcaster,
    fake_suit: Callable[..., FakeSuit],
    vehicles: Vehicles,
) -> None:
    suit = fake_suit(answering=False)
    webcaster = make_webcaster(broker, resend_every=0.2)
    vehicles.splash_down("m7")
    wait_for(lambda: len(suit.commands) >= 2, 10, "the first question, sent and resent")
    assert {c.command_id for c in suit.commands} == {command_id("m7", 0)}
    webcaster.stop()  # mid-question: nothing answered yet

    suit.answering.set()
    again = make_webcaster(broker, resend_every=0.2)
    assert again.interviewer.stats.resumed == 1
    wait_for(lambda: again.interviewer.stats.finished == 1, 10, "the resumed interview")
    transcript = again.store.transcript("m7")
    assert transcript is not None and transcript.finished
    assert transcript.astronaut == "astronaut"  # no vitals seen: the generic name
    assert [x.question for x in transcript.exchanges] == list(QUESTIONS[EventType.CAPSULE_LANDED])
    assert all(x.answer for x in transcript.exchanges)


def test_an_interview_moves_on_when_the_suit_is_silent(
    broker: LocalMosquitto,
    make_webcaster: MakeWebcaster,
    vehicles: Vehicles,
) -> None:
    webcaster = make_webcaster(broker, answer_timeout=0.3, resend_every=0.1)
    vehicles.release("m9")
    wait_for(lambda: webcaster.interviewer.stats.finished == 1, 10, "the interview to end")
    transcript = webcaster.store.transcript("m9")
    assert transcript is not None
    assert [x.answer for x in transcript.exchanges] == [None] * len(ASKED)
    assert {x.note for x in transcript.exchanges} == {"no answer from the suit"}
    assert webcaster.interviewer.stats.unanswered == len(ASKED)


def test_the_interview_follows_only_a_release_the_flight_allows(
    broker: LocalMosquitto,
    make_webcaster: MakeWebcaster,
    fake_suit: Callable[..., FakeSuit],
    bus_factory: Callable[..., MqttBus],
    vehicles: Vehicles,
) -> None:
    """A stolen satellite login says it is free at T+40, the payload service echoes a release,
    the suit says it landed without an ejection: no interview. The real release starts one."""
    suit = fake_suit()
    webcaster = make_webcaster(broker)
    vehicles.say(Device.ROCKET, EventType.LIFTOFF, "m3")
    vehicles.say(Device.SATELLITE, EventType.PAYLOAD_DETACHED, "m3")
    payload = bus_factory(broker, "payload")
    payload.start()
    echo = event(EventType.PAYLOAD_DETACHED, "m3", source="payload", device=None)
    payload.publish_message(echo).wait()
    vehicles.say(Device.SUIT, EventType.CAPSULE_LANDED, "m3")
    wait_for(lambda: webcaster.interviewer.stats.refused == 3, 5, "three triggers refused")
    assert webcaster.store.transcript("m3") is None and suit.commands == []
    assert webcaster.interviewer.stats.started == 0

    vehicles.release("m3")
    wait_for(lambda: webcaster.interviewer.stats.finished == 1, 15, "the interview")
    transcript = webcaster.store.transcript("m3")
    assert transcript is not None and transcript.trigger is EventType.PAYLOAD_DETACHED
    assert [c.text for c in suit.commands] == list(ASKED)


def test_the_commentary_tells_the_booster_home_once_even_across_a_restart(
    broker: LocalMosquitto,
    make_webcaster: MakeWebcaster,
    bus_factory: Callable[..., MqttBus],
    vehicles: Vehicles,
) -> None:
    webcaster = make_webcaster(broker)
    stream = EventStream(webcaster.http.port).start()
    wait_for(lambda: stream.of("snapshot"), 5, "the snapshot")
    command = bus_factory(broker, "command")
    command.start()
    on_board = vehicles.buses[Device.BOOSTER]

    def fly(phase: FlightPhase) -> None:
        on_board.publish_message(booster(phase, altitude=40_000.0)).wait()

    fly(FlightPhase.COAST)  # still on the stack: the rocket's coast after MECO
    vehicles.say(Device.ROCKET, EventType.STAGE_SEPARATION)  # Staging's to tell
    fly(FlightPhase.COAST)
    coasting = stream.wait_line(BOOSTER_LINES[FlightPhase.COAST])
    assert (coasting["speaker"], coasting["source"]) == (HOST, "webcaster")
    assert webcaster.narrator.said == 1
    webcaster.stop()

    again = make_webcaster(broker)
    stream = EventStream(again.http.port).start()
    wait_for(lambda: stream.of("snapshot"), 5, "the snapshot")
    for phase in (FlightPhase.COAST, FlightPhase.REENTRY, FlightPhase.LANDING_BURN):
        fly(phase)
    stream.wait_line("Landing burn: the booster lights up for touchdown.")
    fly(FlightPhase.LANDED)
    vehicles.say(Device.BOOSTER, EventType.BOOSTER_LANDED)
    command.publish_message(line("That is all from the booster.")).wait()
    stream.wait_line("That is all from the booster.")  # handled after everything before it
    assert again.narrator.said == 3, "re-entry, landing burn, down: nothing said twice"
    hosted = [x["text"] for x in stream.of("line") if x["speaker"] == HOST]
    assert "The booster has landed!" not in hosted
    assert again.store.told("m1") == {
        "booster:coast",
        "event:entry_burn",  # the re-entry's line and the entry burn's are one telling
        "event:landing_burn",
        "event:booster_landed",
    }
    stream.close()
