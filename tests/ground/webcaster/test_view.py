"""The live view and its stream, without a broker or a server."""

from __future__ import annotations

import json

from ground.webcaster.stream import KEEPALIVE, OPENING, Hub, encode
from ground.webcaster.view import HOST, KEY_FIGURES, LiveView, StreamEvent, Update
from marsy.protocol import AlertRule, Device, EventType, FlightPhase
from tests.ground.webcaster.messages import (
    alert,
    event,
    ground_alert,
    line,
    rocket,
    status,
    vehicle_alert,
    vitals,
)


def figure_values(update: Update) -> dict[str, float | None]:
    return {f["key"]: f["value"] for f in update.data["figures"]}


def test_commentary_lines_are_kept_and_sent() -> None:
    view = LiveView(history=2)
    for text in ("T minus 10", "Ignition", "Lift-off"):
        [update] = view.apply(line(text))
        assert update.event is StreamEvent.LINE and update.data["text"] == text
    assert [entry["text"] for entry in view.snapshot()["lines"]] == ["Ignition", "Lift-off"]


def test_figures_come_from_the_dictionary_and_are_taken_when_changed() -> None:
    view = LiveView()
    shown = view.snapshot()["figures"]
    assert [f["key"] for f in shown] == [f.parameter.key for f in KEY_FIGURES]
    assert [f["label"] for f in shown] == [
        "rocket altitude",
        "rocket speed",
        "crew heart rate",
        "crew g-load",
    ]
    assert view.take_figures() is None
    assert view.apply(rocket(FlightPhase.PAD, altitude=12.0, velocity=0.0, throttle=0.0)) == [
        Update(
            StreamEvent.MISSION,
            {
                "mission_id": None,
                "state": None,
                "phase": "pad",
                "crew": "rocket",
                "liftoff": None,
            },
        )
    ]
    assert view.apply(vitals(heart_rate=131.0, g_load=3.2, spo2=98.0)) == []
    update = view.take_figures()
    assert update is not None
    assert figure_values(update) == {
        "rocket.altitude": 12.0,
        "rocket.velocity": 0.0,
        "suit.heart_rate": 131.0,
        "suit.g_load": 3.2,
    }
    assert view.take_figures() is None
    assert view.astronaut == "Thomas"


def test_the_rockets_phase_moves_the_page_and_a_new_mission_starts_afresh() -> None:
    view = LiveView()
    [first] = view.apply(status("m1", FlightPhase.PAD))
    assert first.event is StreamEvent.SNAPSHOT and first.data["mission_id"] == "m1"
    assert view.apply(status("m1", FlightPhase.PAD)) == []
    [phase] = view.apply(rocket(FlightPhase.MAX_Q, altitude=11_000.0))
    assert phase.data["phase"] == FlightPhase.MAX_Q
    assert view.apply(rocket(FlightPhase.MAX_Q, altitude=11_500.0)) == []
    view.apply(alert())
    view.apply(event(EventType.MAX_Q))
    view.apply(line("Max-Q"))
    [fresh] = view.apply(status("m2", FlightPhase.PAD))
    assert fresh.event is StreamEvent.SNAPSHOT
    assert fresh.data["alerts"] == []
    assert all(f["value"] is None for f in fresh.data["figures"])
    # commentary and events carry on, each entry with its mission, for the page's separators
    assert [(e["event"], e["mission_id"]) for e in fresh.data["events"]] == [("max_q", "m1")]
    assert [(x["text"], x["mission_id"]) for x in fresh.data["lines"]] == [("Max-Q", "m1")]


def test_alerts_are_the_active_ones() -> None:
    view = LiveView()
    [raised] = view.apply(alert("heart_rate"))
    assert [a["parameter"] for a in raised.data["alerts"]] == ["heart_rate"]
    view.apply(alert("g_load"))
    [cleared] = view.apply(alert("heart_rate", cleared=True))
    assert [a["parameter"] for a in cleared.data["alerts"]] == ["g_load"]
    assert view.apply(alert("heart_rate", cleared=True)) == []


def test_a_ground_alert_is_shown_as_ground_and_said_in_the_commentary() -> None:
    view = LiveView()
    view.apply(alert("heart_rate"))
    raised, said = view.apply(ground_alert("broker", "broker unreachable for 20 s"))
    assert raised.event is StreamEvent.ALERTS
    assert [(a["kind"], a["headline"]) for a in raised.data["alerts"]] == [
        ("ground", "broker unreachable for 20 s"),
        ("vehicle", "heart rate: heart_rate 190 above 185"),
    ]
    assert said.event is StreamEvent.LINE
    assert said.data["speaker"] == HOST and said.data["mission_id"] == "m1"
    assert said.data["text"] == "Ground systems: broker unreachable; the vehicle is not affected."
    assert view.snapshot()["lines"][-1] == said.data

    # The same fault seen for another device is the same ground line, and no new commentary.
    [again] = view.apply(ground_alert("broker", device=Device.SUIT))
    assert [a["kind"] for a in again.data["alerts"]] == ["ground", "vehicle"]
    [still] = view.apply(ground_alert("broker", cleared=True))
    assert [a["kind"] for a in still.data["alerts"]] == ["ground", "vehicle"]
    cleared, back = view.apply(ground_alert("broker", device=Device.SUIT, cleared=True))
    assert [a["kind"] for a in cleared.data["alerts"]] == ["vehicle"]
    assert back.data["text"] == (
        "Ground systems: broker back to normal; the vehicle was not affected."
    )


def test_loss_of_signal_is_a_hold_of_the_vehicle() -> None:
    view = LiveView()
    [update] = view.apply(vehicle_alert(Device.ROCKET, AlertRule.LOSS_OF_SIGNAL))
    [shown] = update.data["alerts"]
    assert (shown["kind"], shown["device"], shown["headline"]) == (
        "vehicle",
        "rocket",
        "LOS rocket (hold)",
    )


def test_a_retired_vehicle_raises_nothing() -> None:
    view = LiveView()
    view.apply(vehicle_alert(Device.BOOSTER, AlertRule.LIMIT, "vertical_speed"))
    view.apply(ground_alert("store", "ground data stale 20 s: store", device=Device.BOOSTER))
    # Command saying so is not the booster saying so.
    landed = EventType.BOOSTER_LANDED
    assert len(view.apply(event(landed, source="command", device=Device.BOOSTER))) == 1
    assert len(view.alerts) == 2

    _, closed = view.apply(event(landed, source="booster", device=Device.BOOSTER))
    assert [a["kind"] for a in closed.data["alerts"]] == ["ground"], "the ground's are not its"
    assert view.apply(vehicle_alert(Device.BOOSTER, AlertRule.LOSS_OF_SIGNAL)) == []

    view.apply(vehicle_alert(Device.ROCKET, AlertRule.RATE, "altitude"))
    gone, _ = view.apply(rocket(FlightPhase.DESTROYED, altitude=900.0))
    assert [a["kind"] for a in gone.data["alerts"]] == ["ground"]
    assert view.retired == {Device.BOOSTER, Device.ROCKET}


def test_an_event_is_one_compact_sse_message() -> None:
    encoded = encode(Update(StreamEvent.LINE, {"text": "two\nlines", "speaker": "x"}))
    head, data, end = encoded.split(b"\n", 2)
    assert head == b"event: line"
    assert json.loads(data.removeprefix(b"data: "))["text"] == "two\nlines"
    assert end == b"\n"


def test_the_stream_opens_at_once_with_a_comment_then_the_snapshot() -> None:
    hub = Hub(LiveView(), keepalive=0.05)
    hub.apply(line("already said"))
    stream = hub.stream()
    assert next(stream) == OPENING and OPENING.startswith(b":")
    snapshot = next(stream)
    assert snapshot.startswith(b"event: snapshot\n") and b"already said" in snapshot
    assert next(stream) == KEEPALIVE
    hub.apply(line("new"))
    assert next(stream).startswith(b"event: line\n")
    assert hub.pages == 1
    hub.close()
    assert list(stream) == []
    assert hub.pages == 0


def test_figures_are_sent_at_their_own_pace() -> None:
    now = [0.0]
    hub = Hub(LiveView(), figure_interval=0.25, monotonic=lambda: now[0])
    page = hub.subscribe()
    assert page.next(0) is not None  # the snapshot
    hub.apply(rocket(altitude=100.0))
    hub.apply(rocket(altitude=200.0))
    sent = [u for u in iter(lambda: page.next(0), None) if u.event is StreamEvent.FIGURES]
    assert [figure_values(u)["rocket.altitude"] for u in sent] == [100.0]
    now[0] = 0.3
    hub.flush()  # the trailing value goes out even if nothing new arrives
    [latest] = [u for u in iter(lambda: page.next(0), None) if u.event is StreamEvent.FIGURES]
    assert figure_values(latest)["rocket.altitude"] == 200.0


def test_a_page_that_falls_behind_is_cut_off_not_buffered_forever() -> None:
    hub = Hub(LiveView(), queue_size=3)
    slow, fast = hub.subscribe(), hub.subscribe()
    for text in ("a", "b", "c"):
        hub.apply(line(text))
        assert fast.next(0) is not None
    assert slow.closed and hub.stats.pages_cut_off == 1
    assert hub.pages == 1
    drained = list(iter(lambda: slow.next(0), None))
    assert [u.event for u in drained] == [StreamEvent.SNAPSHOT, StreamEvent.LINE, StreamEvent.LINE]


def test_after_an_abort_the_page_shows_the_capsule_not_the_frozen_rocket() -> None:
    view = LiveView()
    view.apply(status("m1", FlightPhase.ASCENT))
    view.apply(rocket(FlightPhase.ASCENT, altitude=6_200.0, velocity=310.0))
    view.apply(vitals(phase=FlightPhase.ASCENT, altitude=6_200.0, vertical_speed=250.0, g_load=2.1))
    mission, figures, _ = view.apply(event(EventType.ABORT))
    assert mission.event is StreamEvent.MISSION
    assert (mission.data["state"], mission.data["phase"], mission.data["crew"]) == (
        "abort",
        "abort",
        "capsule",
    )
    assert figures.event is StreamEvent.FIGURES
    assert [(f["label"], f["value"]) for f in figures.data["figures"]] == [
        ("capsule altitude", 6_200.0),
        ("capsule vertical speed", 250.0),
        ("crew heart rate", None),
        ("capsule g-load", 2.1),
    ]
    view.apply(rocket(FlightPhase.DESTROYED, altitude=5_000.0, velocity=0.0))
    falling = vitals(phase=FlightPhase.PARACHUTES, altitude=2_400.0, vertical_speed=-80.0)
    [moved] = view.apply(falling)
    assert moved.data["phase"] == "parachutes"
    update = view.take_figures()
    assert update is not None
    assert figure_values(update) == {
        "suit.altitude": 2_400.0,
        "suit.vertical_speed": -80.0,
        "suit.heart_rate": None,
        "suit.g_load": 2.1,
    }


def test_the_lift_off_is_the_rockets_and_other_flights_vehicles_are_not_shown() -> None:
    view = LiveView()
    view.apply(status("m2", FlightPhase.PAD))
    assert view.apply(event(EventType.LIFTOFF, "m2", ts=1000.0, source="command", device=None))
    assert view.mission()["liftoff"] is None, "Command's word is not the rocket's"
    [moved, _] = view.apply(event(EventType.LIFTOFF, "m2", ts=1001.5))
    assert moved.data["liftoff"] == 1001.5
    assert view.snapshot()["liftoffs"] == {"m2": 1001.5}
    # the previous flight's capsule still talking: not this mission's figures or phase
    assert view.apply(vitals(phase=FlightPhase.LANDED, mission="m1", altitude=0.0)) == []
    assert view.apply(event(EventType.EJECTION, "m1", source="suit", device=Device.SUIT))
    assert view.state == "flying"
