"""The rocket's readings judged for the launch: red on the pad is no-go with its figures, yellow
is not; a check judges readings heard just before it, or waits a little for new ones."""

from __future__ import annotations

import threading

from ground.launchpad.readiness import LatestReadings, out_of_limits
from marsy.protocol import Device, FlightPhase
from marsy.protocol.parameters import values_for

NOMINAL = values_for(
    Device.ROCKET, cabin_pressure=101_300.0, fuel_stage1=100.0, chamber_pressure=0.0
)


def test_only_a_red_reading_on_the_pad_stands_against_the_launch() -> None:
    assert out_of_limits(NOMINAL) == [], "an engine at rest is no fault on the pad"
    yellow = {**NOMINAL, **values_for(Device.ROCKET, cabin_pressure=85_000.0)}
    assert out_of_limits(yellow) == []
    leak = {**NOMINAL, **values_for(Device.ROCKET, cabin_pressure=65_000.0)}
    assert out_of_limits(leak) == [
        "cabin_pressure 65000 Pa below its red limit 70000 Pa on the pad"
    ]
    over = {**NOMINAL, **values_for(Device.ROCKET, cabin_pressure=120_000.0)}
    assert out_of_limits(over) == [
        "cabin_pressure 120000 Pa above its red limit 115000 Pa on the pad"
    ]
    assert out_of_limits({}) == []
    assert out_of_limits(NOMINAL, FlightPhase.ASCENT) != [], "a silent engine in ascent is red"


def test_a_check_judges_fresh_readings_or_waits_for_new_ones() -> None:
    wall = [100.0]
    readings = LatestReadings(clock=lambda: wall[0])
    assert readings.fresh(max_age=2.0, wait=0.01) is None, "never heard"
    readings.take(NOMINAL)
    wall[0] += 1.5
    assert readings.fresh(max_age=2.0, wait=0.01) == NOMINAL
    wall[0] += 1.0
    assert readings.fresh(max_age=2.0, wait=0.01) is None, "too old, and nothing new came"

    later = values_for(Device.ROCKET, cabin_pressure=100_900.0)
    asked = threading.Event()
    answer: list[object] = []

    def check() -> None:
        asked.set()
        answer.append(readings.fresh(max_age=2.0, wait=10.0))

    thread = threading.Thread(target=check)
    thread.start()
    asked.wait(5)
    readings.take(later)
    thread.join(10)
    assert answer == [later]
