"""Which behaviour each device's agent runs."""

from __future__ import annotations

from edge.astronaut_suit.behaviour import SuitBehaviour
from edge.rocket.behaviour import RocketBehaviour
from edge.runtime.behaviour import Behaviour, PlainBehaviour
from marsy.protocol import Device


def behaviour_for(device: Device) -> Behaviour:
    """The rocket and the suit have their own rules; booster and satellite only report."""
    if device is Device.ROCKET:
        return RocketBehaviour()
    if device is Device.SUIT:
        return SuitBehaviour()
    return PlainBehaviour(device)
