"""What the calculator keeps of the bus: vehicles heard, their presence, its own loopback."""

from __future__ import annotations

from ground.calculator.liveness import Liveness
from marsy.protocol import (
    Device,
    EventType,
    FlightPhase,
    MissionState,
    PresenceState,
)
from tests.ground.calculator.heard import (
    MISSION,
    event,
    heartbeat,
    presence,
    sample,
    service_health,
    status,
)

T = 1_000.0


def flying() -> Liveness:
    live = Liveness(threshold=5.0)
    live.hear(status(), T, T)
    return live


def test_any_message_counts_as_heard_but_only_this_mission_counts_as_spoken() -> None:
    live = flying()
    live.hear(heartbeat(Device.BOOSTER, T, mission="M-old"), T + 1, 5.0)
    booster = live.devices[Device.BOOSTER]
    assert (booster.heard, booster.heard_wall, booster.heartbeat) == (T + 1, 5.0, T + 1)
    assert not booster.spoke
    live.hear(sample(Device.ROCKET, T + 0.5, FlightPhase.MAX_Q), T + 2, 6.0)
    live.hear(sample(Device.ROCKET, T + 0.3, FlightPhase.ASCENT), T + 2.1, 6.1)  # a late one
    rocket = live.devices[Device.ROCKET]
    assert rocket.spoke and rocket.heard == T + 2.1
    assert (rocket.first_sample, rocket.newest_sample, rocket.phase) == (
        T + 0.5,
        T + 0.5,
        FlightPhase.MAX_Q,
    )


def test_a_new_mission_forgets_what_the_vehicles_said_not_when_they_were_heard() -> None:
    live = flying()
    live.hear(sample(Device.ROCKET, T, FlightPhase.DESTROYED), T, T)
    live.hear(status(mission="M-next"), T + 1, T + 1)
    rocket = live.devices[Device.ROCKET]
    assert live.mission_id == "M-next"
    assert (rocket.spoke, rocket.phase, rocket.newest_sample) == (False, None, None)
    assert rocket.heard == T


def test_the_mission_state_follows_the_status() -> None:
    live = flying()
    assert not live.mission_over
    live.hear(status(MissionState.ABORTED), T, T)
    assert live.mission_over and live.mission_id == MISSION


def test_retirement_is_believed_only_from_the_vehicle_itself() -> None:
    live = flying()
    live.hear(event("command", EventType.SELF_DESTRUCT, Device.ROCKET), T, T)
    live.hear(event("booster", EventType.BOOSTER_LANDED, Device.BOOSTER), T, T)
    assert live.devices[Device.ROCKET].retired is None
    assert live.devices[Device.BOOSTER].retired is EventType.BOOSTER_LANDED
    live.hear(event("rocket", EventType.EXPLOSION, Device.ROCKET), T, T)
    assert live.devices[Device.ROCKET].retired is EventType.EXPLOSION


def test_presence_keeps_the_latest_connection_word_and_when_it_changed() -> None:
    live = flying()
    live.hear(presence(Device.ROCKET, PresenceState.ONLINE, 10), T, T)
    live.hear(presence(Device.ROCKET, PresenceState.OFFLINE, 11), T + 3, T + 3)
    live.hear(presence(Device.ROCKET, PresenceState.ONLINE, 10), T + 4, T + 4)  # old, redelivered
    rocket = live.devices[Device.ROCKET]
    assert (rocket.presence, rocket.presence_since) == (PresenceState.OFFLINE, T + 3)
    live.hear(presence(Device.ROCKET, PresenceState.OFFLINE, 11), T + 5, T + 5)  # same word again
    assert rocket.presence_since == T + 3


def test_the_loopback_is_fresh_while_its_heartbeat_comes_back() -> None:
    live = flying()
    loop = live.loopback
    assert not loop.fresh(T, 5.0)  # nobody reports the bus: nothing is judged on it
    live.connection(True, T)
    for i in range(10):
        live.hear(service_health("calculator", T + i), T + i + 0.01, T)
    assert loop.fresh(T + 12, 5.0) and loop.fresh_since == T + 0.01
    assert loop.settled(T + 9, 5.0)
    assert not loop.fresh(T + 15, 5.0)  # not back for more than the threshold


def test_a_broken_run_of_echoes_starts_the_settling_again() -> None:
    live = flying()
    live.connection(True, T)
    live.hear(service_health("calculator", T), T, T)
    # the broker froze for 20 s; what it held comes back at once when it thaws
    live.hear(service_health("calculator", T + 1), T + 21, T)
    live.hear(service_health("calculator", T + 21), T + 21.01, T)
    loop = live.loopback
    assert loop.fresh_since == T + 21.01 and loop.echo_sent == T + 21
    assert loop.fresh(T + 22, 5.0) and not loop.settled(T + 22, 5.0)
    live.hear(service_health("calculator", T + 25), T + 25.01, T)
    assert loop.settled(T + 26.01, 5.0)
    live.connection(False, T + 30)
    assert loop.fresh_since is None and not loop.fresh(T + 30, 5.0)


def test_other_services_heartbeats_are_kept_as_recorder_health() -> None:
    live = flying()
    live.hear(service_health("telemetry", T, ingest_lag=42.0, store_ok=True), T + 0.1, T)
    assert live.recorders["telemetry"].message.ingest_lag == 42.0
    assert live.recorders["telemetry"].heard == T + 0.1
    assert live.loopback.echo_sent is None


def test_only_a_dropped_connection_gives_the_vehicles_time_to_reconnect() -> None:
    live = flying()
    live.connection(False, T)  # starting: not connected yet, nobody was cut off
    live.connection(True, T + 1)
    live.hear(service_health("calculator", T + 1), T + 1, T)
    assert not live.loopback.rejoined
    live.connection(False, T + 2)
    live.connection(True, T + 9)
    live.hear(service_health("calculator", T + 9), T + 9, T)
    live.hear(service_health("calculator", T + 14), T + 14, T)
    assert live.loopback.rejoined
    assert live.loopback.settled(T + 15, 5.0)
    assert not live.loopback.settled(T + 15, 5.0, reconnect_grace=10.0)
