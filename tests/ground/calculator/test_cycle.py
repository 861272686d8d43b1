"""The evaluation cycle on the bus's word alone (no store): what it raises through ground faults.

A scripted bus feeds the evaluator as the service's threads would: the rocket's samples and
heartbeats, the calculator's own heartbeat coming back, the connection's state.
"""

from __future__ import annotations

from ground.calculator.evaluator import Evaluator
from marsy.protocol import Alert, AlertRule, Device, MissionState, PresenceState, Severity
from tests.ground.calculator.heard import presence, sample, service_health, status
from tests.ground.calculator.script import Bus

T0 = 1_000.0
LOS = 5.0


def flying(reconnect_grace: float = 0.0) -> Bus:
    alerts: list[Alert] = []
    calc = Evaluator(
        {},
        alerts.append,
        loss_of_signal=LOS,
        heartbeat_timeout=12.0,
        reconnect_grace=reconnect_grace,
    )
    calc.hear(status(), T0)
    bus = Bus(calc, alerts, T0)
    bus.run(10)
    assert alerts == []
    return bus


def test_a_frozen_broker_is_a_ground_alert_and_no_vehicle_is_lost() -> None:
    bus = flying()
    bus.relays = False  # SIGSTOP: connected, nothing comes back
    bus.run(20)
    (broker,) = bus.raised(AlertRule.GROUND)
    assert broker.parameter == "broker" and broker.device is Device.ROCKET
    assert "no view of the vehicles" in broker.message
    assert T0 + 10 + LOS < broker.ts <= T0 + 10 + LOS + 2
    bus.relays = True  # SIGCONT: the rocket speaks again
    bus.run(30)
    assert bus.raised(AlertRule.LOSS_OF_SIGNAL) == []
    (back,) = bus.cleared(AlertRule.GROUND)
    assert back.message.startswith("cleared after")


def test_silence_is_counted_only_up_to_our_newest_heartbeat_that_came_back() -> None:
    """The broker froze just after relaying our heartbeat and just before the rocket's next
    sample: the rocket's silence must not outrun the loopback's."""
    alerts: list[Alert] = []
    calc = Evaluator({}, alerts.append, loss_of_signal=3.0)
    calc.hear(status(), T0)
    calc.connection(True, T0)
    for i in range(101):
        t = T0 + i / 10
        calc.hear(sample(Device.ROCKET, t), t)
        if i % 10 == 0:
            calc.hear(service_health("calculator", t + 0.05), t + 0.05)
    calc.evaluate(T0 + 10 + 2.9)
    calc.evaluate(T0 + 10 + 3.04)  # the rocket silent 3.04 s, our heartbeat back 2.99 s ago
    assert alerts == []
    calc.evaluate(T0 + 10 + 3.1)
    assert [(a.rule, a.parameter) for a in alerts] == [(AlertRule.GROUND, "broker")]


def test_a_killed_broker_is_a_ground_alert_at_once() -> None:
    bus = flying()
    bus.connected = False
    bus.run(2)
    (broker,) = bus.raised(AlertRule.GROUND)
    assert "disconnected" in broker.message
    bus.run(28)
    bus.connected = True
    bus.run(30)
    assert bus.raised(AlertRule.LOSS_OF_SIGNAL) == []
    assert len(bus.cleared(AlertRule.GROUND)) == 1


def test_a_vehicle_silent_only_through_the_outage_gets_the_threshold_to_speak_again() -> None:
    bus = flying()
    bus.relays = False
    bus.rocket_speaks = False
    bus.run(20)
    bus.relays = True
    bus.run(LOS - 1)  # the view is back, the rocket not yet: no judgement before the threshold
    assert bus.raised(AlertRule.LOSS_OF_SIGNAL) == []
    bus.rocket_speaks = True
    bus.run(20)
    assert bus.raised(AlertRule.LOSS_OF_SIGNAL) == []


def test_a_rocket_silent_on_a_live_bus_is_lost_and_found_again() -> None:
    bus = flying()
    bus.rocket_speaks = False
    bus.run(10)
    (lost,) = bus.raised(AlertRule.LOSS_OF_SIGNAL)
    assert lost.device is Device.ROCKET and lost.severity is Severity.RED
    assert T0 + 10 + LOS < lost.ts <= T0 + 10 + LOS + 2
    assert bus.raised(AlertRule.GROUND) == []
    bus.rocket_speaks = True
    bus.run(4)
    assert len(bus.cleared(AlertRule.LOSS_OF_SIGNAL)) == 1


def test_after_our_connection_dropped_the_vehicles_also_get_time_to_reconnect() -> None:
    """A restarted broker: the agents back off before reconnecting, the calculator waits."""
    bus = flying(reconnect_grace=10.0)
    bus.connected = False
    bus.rocket_speaks = False
    bus.run(30)
    bus.connected = True
    bus.run(LOS + 9)
    assert bus.raised(AlertRule.LOSS_OF_SIGNAL) == []
    assert bus.calc.health(bus.t)["ground"]["view"] == "settling"
    bus.run(3)
    (lost,) = bus.raised(AlertRule.LOSS_OF_SIGNAL)
    assert lost.ts >= T0 + 40 + LOS + 10


def test_a_rocket_that_stays_silent_after_the_outage_is_lost_after_the_threshold() -> None:
    bus = flying()
    bus.relays = False
    bus.rocket_speaks = False
    bus.run(20)
    bus.relays = True
    bus.run(LOS + 2.5)
    (lost,) = bus.raised(AlertRule.LOSS_OF_SIGNAL)
    assert lost.ts >= T0 + 30 + LOS


def test_a_heartbeating_rocket_is_not_lost_when_its_board_falls_silent() -> None:
    bus = flying()
    bus.rocket_beats = True
    bus.calc.hear(presence(Device.ROCKET, PresenceState.ONLINE, 1), bus.t)
    bus.rocket_speaks = False
    bus.run(60)
    assert bus.raised(AlertRule.LOSS_OF_SIGNAL) == []


def test_its_last_will_makes_a_rocket_lost_after_the_threshold() -> None:
    bus = flying()
    bus.rocket_beats = True
    bus.rocket_speaks = False
    bus.calc.hear(presence(Device.ROCKET, PresenceState.OFFLINE, 3), bus.t)
    bus.run(10)
    (lost,) = bus.raised(AlertRule.LOSS_OF_SIGNAL)
    assert "offline (its last will)" in lost.message


def test_a_retired_mission_raises_no_loss_of_signal() -> None:
    bus = flying()
    bus.calc.hear(status(MissionState.COMPLETE), bus.t)
    bus.rocket_speaks = False
    bus.run(30)
    assert bus.raised(AlertRule.LOSS_OF_SIGNAL) == []


def test_an_evaluator_without_the_bus_judges_no_liveness() -> None:
    alerts: list[Alert] = []
    calc = Evaluator({}, alerts.append, loss_of_signal=LOS)
    calc.start_mission("M-store-only")
    calc.hear(sample(Device.ROCKET, T0, mission="M-store-only"), T0)
    for t in range(2, 60, 2):
        calc.evaluate(T0 + t)
    assert alerts == []
    assert calc.health(T0 + 60)["ground"]["view"] == "unwatched"
