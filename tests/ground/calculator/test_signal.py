"""Loss of signal and the broker view, on hand-made liveness."""

from __future__ import annotations

from ground.calculator.liveness import DeviceLiveness, Loopback
from ground.calculator.signal import signal_finding, view_finding
from marsy.protocol import AlertRule, Device, EventType, FlightPhase, PresenceState, Severity

T = 1_000.0
LOS = 5.0
BEAT = 12.0


def live_loop(echo_sent: float = T, backlog: int = 0) -> Loopback:
    return Loopback(
        watched=True,
        connected=True,
        changed=T - 100,
        echo_sent=echo_sent,
        fresh_since=T - 100,
        backlog=backlog,
    )


def spoke(heard: float, **kw: object) -> DeviceLiveness:
    fields: dict[str, object] = {"spoke": True, "phase": FlightPhase.ASCENT, **kw}
    return DeviceLiveness(heard=heard, **fields)  # type: ignore[arg-type]


def lost(device: Device, heard: DeviceLiveness, now: float, *, over: bool = False) -> bool:
    finding = signal_finding(device, heard, now, LOS, BEAT, mission_over=over)
    assert finding.rule is AlertRule.LOSS_OF_SIGNAL
    return finding.severity is Severity.RED


def test_nobody_watching_the_bus_judges_nothing() -> None:
    assert view_finding(Loopback(), T, LOS) is None


def test_a_live_loopback_is_a_nominal_view() -> None:
    finding = view_finding(live_loop(echo_sent=T - 4), T, LOS)
    assert finding is not None and finding.severity is Severity.NOMINAL


def test_a_frozen_broker_is_a_ground_alert_about_the_broker() -> None:
    finding = view_finding(live_loop(echo_sent=T - 20), T, LOS)
    assert finding is not None
    assert (finding.rule, finding.parameter, finding.severity) == (
        AlertRule.GROUND,
        "broker",
        Severity.YELLOW,
    )
    assert finding.message.startswith("broker unreachable for 20 s")
    assert "own heartbeat not relayed" in finding.message
    assert finding.message.endswith("no view of the vehicles")


def test_a_disconnected_bus_is_stale_at_once() -> None:
    loop = live_loop(echo_sent=T - 0.5)
    loop.connected, loop.changed = False, T - 0.2
    finding = view_finding(loop, T, LOS)
    assert finding is not None and finding.severity is Severity.YELLOW
    assert "broker unreachable (disconnected)" in finding.message


def test_our_own_backlog_is_named_in_the_ground_alert() -> None:
    finding = view_finding(live_loop(echo_sent=T - 9, backlog=52_000), T, LOS)
    assert finding is not None and "52000 messages waiting in the calculator" in finding.message


def test_a_vehicle_silent_on_a_live_bus_is_lost() -> None:
    assert not lost(Device.ROCKET, spoke(T - 4), T)
    assert lost(Device.ROCKET, spoke(T - 6), T)
    finding = signal_finding(Device.ROCKET, spoke(T - 6), T, LOS, BEAT)
    assert (finding.value, finding.limit) == (6.0, LOS)
    assert "no data from the rocket on the bus for 6 s" in finding.message


def test_a_device_online_and_heartbeating_is_never_lost() -> None:
    # no telemetry for minutes (a dead board), the agent beats every 5 s: 10 s since the last
    beating = spoke(T + 90, heartbeat=T + 90, presence=PresenceState.ONLINE)
    assert not lost(Device.ROCKET, beating, T + 100)
    # its heartbeats stopped too: lost once the last one is older than the heartbeat timeout
    assert not lost(Device.ROCKET, beating, T + 90 + BEAT)
    assert lost(Device.ROCKET, beating, T + 90 + BEAT + 1)


def test_offline_for_the_threshold_is_lost_even_just_after_a_heartbeat() -> None:
    gone = spoke(T - 1, heartbeat=T - 1, presence=PresenceState.OFFLINE, presence_since=T - 1)
    assert not lost(Device.SUIT, gone, T)
    assert lost(Device.SUIT, gone, T + 4)
    message = signal_finding(Device.SUIT, gone, T + 4, LOS, BEAT).message
    assert "offline (its last will) for 5 s" in message


def test_no_loss_for_a_vehicle_that_never_spoke_this_mission() -> None:
    assert not lost(Device.BOOSTER, DeviceLiveness(heard=T - 60), T)


def test_no_loss_once_landed_destroyed_or_retired() -> None:
    assert not lost(Device.BOOSTER, spoke(T - 60, phase=FlightPhase.LANDED), T)
    assert not lost(Device.ROCKET, spoke(T - 60, phase=FlightPhase.DESTROYED), T)
    assert not lost(Device.ROCKET, spoke(T - 60, retired=EventType.EXPLOSION), T)


def test_no_loss_at_all_once_the_mission_is_over() -> None:
    assert not lost(Device.ROCKET, spoke(T - 60), T, over=True)
