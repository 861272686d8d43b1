"""The simulation's observer: which alerts are open, what each says on the console's lines, and
where the mission stands by Command's status, told in bus order."""

from __future__ import annotations

from marsy.protocol import Device, EventType, FlightPhase, MissionState
from marsy_sim.observer import Fallback
from marsy_sim.watch import Watch
from tests.sim.messages import (
    MISSION,
    event,
    ground,
    limit,
    los,
    recorder,
    status,
    telemetry,
    vitals,
)


def watching() -> tuple[Watch, list[str]]:
    said: list[str] = []
    return Watch(said.append, mission_id=MISSION), said


def test_a_ground_alert_is_kept_and_told_apart_from_the_vehicles() -> None:
    watch, said = watching()
    watch.handle(ground("broker", "broker unreachable for 20 s"))
    watch.handle(limit(Device.ROCKET, "altitude", "altitude 1 m beyond the red limit"))

    assert [a.parameter for a in watch.ground_alerts()] == ["broker"]
    assert [a.parameter for a in watch.vehicle_alerts()] == ["altitude"]
    assert said[0].endswith("GROUND: broker unreachable for 20 s")
    assert "GROUND" not in said[1] and said[1].endswith(
        "alert red rocket altitude: altitude 1 m beyond the red limit"
    )

    watch.handle(ground("broker", "cleared: broker unreachable for 20 s", cleared=True))
    assert watch.ground_alerts() == []
    assert said[-1].endswith("GROUND cleared: broker")


def test_one_ground_part_is_one_line_whichever_devices_it_is_raised_for() -> None:
    watch, _ = watching()
    for device in (Device.ROCKET, Device.BOOSTER, Device.SUIT):
        watch.handle(ground("store", "ground data stale 20 s: store", device=device))
    watch.handle(ground("ingest", "ground data stale 20 s: ingest lag"))
    assert [a.parameter for a in watch.ground_alerts()] == ["ingest", "store"]

    watch.handle(ground("store", "cleared", device=Device.ROCKET, cleared=True))
    assert [a.parameter for a in watch.ground_alerts()] == ["ingest", "store"]


def test_loss_of_signal_is_shown_as_a_hold() -> None:
    watch, said = watching()
    watch.handle(los(Device.ROCKET))
    assert said[-1].endswith("alert LOS rocket (hold): no data from the rocket for 6 s")
    assert [a.device for a in watch.vehicle_alerts()] == [Device.ROCKET]
    assert watch.ground_alerts() == []


def test_a_retired_vehicle_raises_nothing() -> None:
    watch, said = watching()
    watch.handle(limit(Device.BOOSTER, "vertical_speed", "falling too fast"))
    watch.handle(ground("broker", "broker unreachable for 20 s", device=Device.BOOSTER))
    watch.handle(event(EventType.BOOSTER_LANDED, "booster", Device.BOOSTER))

    assert watch.retired == {Device.BOOSTER}
    assert watch.vehicle_alerts() == [], "its open alerts close with it"
    assert [a.parameter for a in watch.ground_alerts()] == ["broker"], "the ground's are not its"
    lines = len(said)
    watch.handle(los(Device.BOOSTER))
    assert watch.vehicle_alerts() == [] and len(said) == lines


def test_only_the_vehicle_itself_retires_it() -> None:
    watch, _ = watching()
    watch.handle(event(EventType.SELF_DESTRUCT, "command", Device.ROCKET))
    watch.handle(limit(Device.ROCKET, "altitude", "falling"))
    assert watch.retired == set() and len(watch.vehicle_alerts()) == 1

    watch.handle(telemetry(Device.ROCKET, FlightPhase.DESTROYED, altitude=900.0))
    assert watch.retired == {Device.ROCKET} and watch.vehicle_alerts() == []


def test_the_crew_never_retires() -> None:
    watch, _ = watching()
    watch.handle(vitals(FlightPhase.LANDED, heart_rate=150.0))
    watch.handle(limit(Device.SUIT, "heart_rate", "heart rate high"))
    assert watch.retired == set() and len(watch.vehicle_alerts()) == 1


def test_recorders_heartbeats_are_kept_whatever_their_mission() -> None:
    watch, said = watching()
    watch.mission_id = "another"
    watch.handle(recorder("telemetry", 0.4))
    assert watch.services["telemetry"].ingest_lag == 0.4
    assert said == []


# --- the mission's state, from Command's status ----------------------------------------------


def test_the_state_follows_commands_status_and_says_each_change_once() -> None:
    watch, said = watching()
    watch.handle(status(MissionState.POLLING, "go/no-go poll"))
    watch.handle(status(MissionState.FLYING, "launched"))
    watch.handle(status(MissionState.FLYING, "max_q", FlightPhase.MAX_Q))
    assert watch.state == "flying" and not watch.over
    assert said == [
        f"mission {MISSION}: polling (go/no-go poll)",
        f"mission {MISSION}: flying (launched)",
    ]

    watch.handle(status(MissionState.COMPLETE, "payload away, booster down"))
    assert watch.over and said[-1] == f"mission {MISSION} complete: payload away, booster down"
    watch.handle(status(MissionState.FLYING, "a late copy"))
    assert watch.state == "complete" and len(said) == 3, "a mission never leaves its end"


def test_another_missions_status_is_not_this_ones() -> None:
    watch, said = watching()
    watch.handle(status(MissionState.COMPLETE, "the one before", mission_id="m0"))
    assert watch.state == "planned" and not watch.over and said == []
    assert watch.heard == 0


def test_only_complete_aborted_and_scrubbed_end_a_mission() -> None:
    for state in ("planned", "polling", "held", "flying", "a state not yet known"):
        watch, _ = watching()
        watch.follow(state, "weather no-go: wind 14 m/s")
        assert not watch.over, state
    for end in MissionState.COMPLETE, MissionState.ABORTED, MissionState.SCRUBBED:
        watch, said = watching()
        watch.follow("held", "weather no-go")
        watch.follow(str(end))
        assert watch.over and said[-1] == f"mission {MISSION} {end}"


def test_the_end_is_told_after_what_the_bus_brought_before_it() -> None:
    watch, said = watching()
    for message in (
        status(MissionState.FLYING, "launched"),
        event(EventType.BOOSTER_LANDED, "booster", Device.BOOSTER, "touchdown"),
        event(EventType.ORBIT, "rocket", Device.ROCKET, "orbit 205 x 196 km"),
        event(EventType.PAYLOAD_DETACHED, "satellite", Device.SATELLITE, "released"),
        status(MissionState.COMPLETE, "payload away, booster down"),
        event(EventType.MISSION_COMPLETE, "command", None, "complete"),
    ):
        watch.handle(message)
    end = said.index(f"mission {MISSION} complete: payload away, booster down")
    told = [line.split()[1].rstrip(":") for line in said[1:end]]
    assert told == ["booster_landed", "orbit", "payload_detached"], said
    assert "mission_complete" in said[end + 1]


def test_commands_messages_of_the_mission_are_counted_as_heard() -> None:
    watch, _ = watching()
    watch.handle(event(EventType.MISSION_STARTED, "command"))
    watch.handle(telemetry(Device.ROCKET, FlightPhase.PAD, altitude=0.0))
    watch.handle(status(MissionState.POLLING))
    assert watch.heard == 2


def test_command_is_asked_only_after_a_quiet_spell_and_never_more_often() -> None:
    fallback = Fallback(since=100.0, quiet=5.0)
    assert not fallback.due(104.9, heard=0)
    assert fallback.due(105.0, heard=0)
    assert not fallback.due(106.0, heard=0) and not fallback.due(109.9, heard=0)
    assert fallback.due(110.0, heard=0)
    # a word from Command on the bus starts the quiet spell again
    assert not fallback.due(111.0, heard=1)
    assert not fallback.due(115.9, heard=1)
    assert fallback.due(116.0, heard=1)


def test_a_steady_bus_never_asks() -> None:
    fallback = Fallback(since=0.0, quiet=5.0)
    asked = [now for now in range(0, 120) if fallback.due(float(now), heard=now // 4)]
    assert asked == []


def test_a_mission_opens_with_its_separator() -> None:
    watch, said = watching()
    line = watch.begin("M2", "explosion")
    assert line == "── mission M2 (explosion) ──"
    assert watch.mission_id == "M2" and said == []
    assert watch.commentary == [line] and watch.log == [line]
