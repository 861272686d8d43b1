"""The astronaut reacts: launch stress, g-load, the ejection spike, calm under the mains."""

from __future__ import annotations

import random
import statistics

import pytest

from firmware_sim.physics.earth import G0
from firmware_sim.physics.physiology import Astronaut, Situation
from marsy.protocol.enums import Device, EventType, FlightPhase

from .flights import Recording


def mean_heart(flight: Recording, start: float, end: float) -> float:
    return statistics.fmean(
        float(s.truth["heart_rate"]) for s in flight.of(Device.SUIT) if start <= s.t < end
    )


def test_launch_raises_the_heart_rate(marsy_flight: Recording) -> None:
    liftoff = marsy_flight.first(EventType.LIFTOFF).t
    assert (
        mean_heart(marsy_flight, liftoff + 60, liftoff + 100)
        > mean_heart(marsy_flight, 0.0, liftoff) + 10.0
    )


def test_g_load_is_the_sensed_acceleration(marsy_flight: Recording) -> None:
    rocket = {s.t: s for s in marsy_flight.of(Device.ROCKET)}
    for suit in marsy_flight.of(Device.SUIT):
        expected = float(rocket[suit.t].truth["acceleration"]) / G0
        assert float(suit.truth["g_load"]) == pytest.approx(expected, rel=1e-9, abs=1e-9)
    in_orbit = [s for s in marsy_flight.of(Device.SUIT) if s.phase is FlightPhase.ORBIT]
    assert in_orbit and all(float(s.truth["g_load"]) < 0.01 for s in in_orbit)


def test_ejection_spike_then_recovery(abort_flight: Recording) -> None:
    ejected = abort_flight.first(EventType.EJECTION).t
    mains = abort_flight.first(EventType.MAIN_DEPLOYED).t
    before = mean_heart(abort_flight, ejected - 10.0, ejected)
    spike = max(
        float(s.truth["heart_rate"])
        for s in abort_flight.of(Device.SUIT)
        if ejected <= s.t < ejected + 30.0
    )
    assert spike > before + 15.0
    assert spike < 185.0
    calm = mean_heart(abort_flight, mains + 120.0, mains + 200.0)
    assert calm < spike - 20.0


def test_vitals_wobble_a_little_and_follow_the_seed() -> None:
    def heart_trace(seed: int) -> list[float]:
        person = Astronaut(random.Random(seed))
        trace = []
        for _ in range(600):
            person.update(0.1, Situation.ORBIT, 0.0)
            trace.append(person.vitals()[0])
        return trace

    one, again, other = heart_trace(1), heart_trace(1), heart_trace(2)
    assert one == again
    assert one != other
    assert 0.3 < statistics.pstdev(one[300:]) < 5.0


def test_heavy_g_lowers_spo2() -> None:
    person = Astronaut(random.Random(0))
    for _ in range(600):
        person.update(0.1, Situation.POWERED, 6.0)
    assert person.vitals()[2] < 96.0
