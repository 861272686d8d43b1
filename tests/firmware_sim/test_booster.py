"""The booster after staging: coast, entry burn, landing burn, gentle touchdown or a crash."""

from __future__ import annotations

from firmware_sim.physics import BodyName
from firmware_sim.vehicles import Vehicle
from marsy.protocol.enums import Device, EventType, FlightPhase

from .flights import Recording, record


def test_booster_phases_in_order(marsy_flight: Recording) -> None:
    phases = list(dict.fromkeys(s.phase for s in marsy_flight.of(Device.BOOSTER)))
    assert phases == [
        FlightPhase.COAST,
        FlightPhase.REENTRY,
        FlightPhase.LANDING_BURN,
        FlightPhase.LANDED,
    ]
    landed = [s for s in marsy_flight.of(Device.BOOSTER) if s.phase is FlightPhase.LANDED]
    assert all(s.truth["engines_running"] == 0 for s in landed)
    assert all(abs(float(s.truth["altitude"])) < 1e-6 for s in landed)
    speed = marsy_flight.world.touchdown_speed(BodyName.BOOSTER)
    assert speed is not None and speed < 3.0


def test_reentry_air_load_stays_below_the_red_line(marsy_flight: Recording) -> None:
    reentry = [s for s in marsy_flight.of(Device.BOOSTER) if s.phase is FlightPhase.REENTRY]
    assert max(float(s.truth["dynamic_pressure"]) for s in reentry) < 60_000.0


def test_a_booster_without_landing_propellant_is_lost(marsy: Vehicle) -> None:
    greedy = marsy.model_copy(
        update={"booster": marsy.booster.model_copy(update={"entry_burn_end_speed": 150.0})}
    )
    flight = record(greedy, dt=1.0, until=500.0)
    lost = flight.first(EventType.BOOSTER_LOST)
    assert EventType.BOOSTER_LANDED not in {e.event for e in flight.events}
    assert flight.world.phase(Device.BOOSTER) is FlightPhase.DESTROYED
    assert not flight.world.active(Device.BOOSTER)
    assert "0 kg left" in lost.detail
