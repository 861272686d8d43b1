"""The simulation's observer: which alerts are open, and what each says on the console's lines."""

from __future__ import annotations

from marsy.protocol import Device, EventType, FlightPhase
from marsy_sim.watch import Watch
from tests.sim.messages import MISSION, event, ground, limit, los, recorder, telemetry, vitals


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
