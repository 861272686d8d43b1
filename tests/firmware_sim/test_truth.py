"""Truth values: every dictionary parameter, typed and in range, for the whole flight; and
determinism: same seed, same flight, however the world is stepped."""

from __future__ import annotations

import pytest

from firmware_sim.physics import AutopilotConfig, World, explode, fail_engine
from firmware_sim.physics.autopilot import Autopilot
from firmware_sim.vehicles import Vehicle
from marsy.protocol.enums import Device
from marsy.protocol.parameters import coerce_value, parameters_of

from .flights import Recording, record


def assert_in_dictionary(flight: Recording) -> None:
    assert flight.samples
    for sample in flight.samples:
        params = parameters_of(sample.device)
        assert list(sample.truth) == [p.name for p in params], sample.device
        for param in params:
            value = sample.truth[param.name]
            try:
                coerce_value(param, value)
            except ValueError as exc:
                pytest.fail(f"{param.key} at t={sample.t:.2f} ({sample.phase}): {exc}")


def test_nominal_marsy_truth_is_valid(marsy_flight: Recording) -> None:
    assert_in_dictionary(marsy_flight)
    assert {s.device for s in marsy_flight.samples} == set(Device)


def test_abort_truth_is_valid(abort_flight: Recording) -> None:
    assert_in_dictionary(abort_flight)


def test_nominal_falcon9_truth_is_valid(falcon9: Vehicle) -> None:
    assert_in_dictionary(record(falcon9, dt=1.0, until=560.0))


@pytest.mark.parametrize("fault", [explode(45.0), fail_engine(100.0)])
def test_truth_stays_valid_through_faults(marsy: Vehicle, fault: object) -> None:
    assert_in_dictionary(record(marsy, faults=[fault], dt=1.0, until=400.0))  # type: ignore[list-item]


def test_late_abort_truth_is_valid(falcon9: Vehicle) -> None:
    assert_in_dictionary(
        record(falcon9, config=AutopilotConfig(eject_at=200.0), dt=1.0, until=900.0)
    )


def fingerprint(world: World, until: float, dt: float, every: float) -> list[object]:
    seen: list[object] = []
    next_look = every
    while world.t < until:
        world.step(dt)
        if world.t + 1e-9 >= next_look:
            next_look += every
            seen.append(round(world.t, 6))
            seen.extend(world.truth(d) for d in Device if world.active(d))
            seen.extend(world.pop_events())
    return seen


def test_same_seed_same_flight(marsy: Vehicle) -> None:
    one = fingerprint(World(marsy, seed=7, autopilot=Autopilot()), 200.0, 0.5, 1.0)
    two = fingerprint(World(marsy, seed=7, autopilot=Autopilot()), 200.0, 0.5, 1.0)
    assert one == two


def test_stepping_does_not_change_the_flight(marsy: Vehicle) -> None:
    fine = fingerprint(World(marsy, seed=3, autopilot=Autopilot()), 180.0, 0.1, 2.0)
    coarse = fingerprint(World(marsy, seed=3, autopilot=Autopilot()), 180.0, 2.0, 2.0)
    assert [x for x in fine if not hasattr(x, "event")] == [
        x for x in coarse if not hasattr(x, "event")
    ]


def test_the_seed_only_moves_the_astronaut(marsy: Vehicle) -> None:
    a = World(marsy, seed=1, autopilot=Autopilot())
    b = World(marsy, seed=2, autopilot=Autopilot())
    a.step(80.0)
    b.step(80.0)
    assert a.truth(Device.ROCKET) == b.truth(Device.ROCKET)
    assert a.truth(Device.SUIT)["heart_rate"] != b.truth(Device.SUIT)["heart_rate"]


def test_devices_without_a_body_yet(marsy: Vehicle) -> None:
    world = World(marsy)
    world.step(1.0)
    assert world.active(Device.ROCKET) and world.active(Device.SUIT)
    assert not world.active(Device.BOOSTER) and not world.active(Device.SATELLITE)
    with pytest.raises(LookupError):
        world.truth(Device.BOOSTER)
    assert world.truth(Device.ROCKET)["altitude"] == pytest.approx(0.0, abs=1e-6)
