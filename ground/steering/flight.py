"""What a steering service knows of the flight: pure state built from bus messages, no I/O.

The current mission is the one on the retained mission status (Command publishes it), so a
service that starts mid-flight, or restarts, learns at once which mission it steers. Rocket
telemetry of any other mission (an agent still on ``standby``, a previous flight) is ignored.
The latest known value of each parameter is kept, so a sample missing a reading (a sensor
dropout) does not hide the last good one. A milestone is taken only from the vehicle that owns
it and after the milestones it follows (:data:`marsy.protocol.EVENT_PREREQUISITES`): the
satellite saying it is free before the stages are apart does not make the detach "done".
"""

from __future__ import annotations

from collections.abc import Collection, Mapping
from dataclasses import dataclass, field

from pydantic import BaseModel, ConfigDict

from marsy.protocol import (
    Device,
    DeviceTelemetry,
    EventType,
    FlightPhase,
    MissionEvent,
    MissionState,
    MissionStatus,
    believable,
    may_report,
)

FINISHED = frozenset({MissionState.SCRUBBED, MissionState.COMPLETE, MissionState.ABORTED})
"""Mission states after which no step is ordered any more."""


class RocketSample(BaseModel):
    """The rocket as last reported: phase, the source's timestamp and the latest value of each
    parameter."""

    model_config = ConfigDict(frozen=True)

    ts: float
    phase: FlightPhase
    phase_since: float
    """Timestamp of the first sample of the current phase."""
    values: Mapping[str, float]


@dataclass
class FlightView:
    mission_id: str | None = None
    state: MissionState | None = None
    rocket: RocketSample | None = None
    milestones: dict[EventType, float] = field(default_factory=dict)
    """Vehicle events of the current mission the service depends on (and those they follow),
    with their time."""

    @property
    def active(self) -> bool:
        """A mission is announced and not over."""
        return self.mission_id is not None and self.state not in FINISHED

    def on_status(self, status: MissionStatus) -> bool:
        """Follow the retained status; ``True`` when it names another mission than before."""
        changed = status.mission_id != self.mission_id
        if changed:
            self.mission_id = status.mission_id
            self.rocket = None
            self.milestones = {}
        self.state = status.state
        return changed

    def on_rocket(self, sample: DeviceTelemetry) -> bool:
        """Take a rocket sample of the current mission; ``False`` for anything else (another
        mission, another device, an older sample than the one held)."""
        if sample.device is not Device.ROCKET or sample.mission_id != self.mission_id:
            return False
        previous = self.rocket
        if previous is not None and sample.ts < previous.ts:
            return False  # redelivered or reordered: the newer sample stands
        values = {name: float(value) for name, value in sample.values.items()}
        if previous is None:
            since = sample.ts
        else:
            values = {**previous.values, **values}
            since = previous.phase_since if previous.phase is sample.phase else sample.ts
        self.rocket = RocketSample(
            ts=sample.ts, phase=sample.phase, phase_since=since, values=values
        )
        return True

    def on_milestone(self, event: EventType, at: float) -> bool:
        """Take a milestone of the current mission; ``False`` (not taken) when it comes before
        the milestones it follows."""
        if not believable(event, self.milestones.keys()):
            return False
        self.milestones.setdefault(event, at)
        return True


def vehicle_event(
    message: MissionEvent, watched: frozenset[EventType], believed: Collection[EventType]
) -> bool:
    """An event a step depends on, reported by the vehicle that owns it (not a ground service's
    echo, nor another device: only the rocket saying it separated proves the stages are apart),
    after the events it follows (``believed``: the milestones of its mission so far)."""
    return (
        message.event in watched
        and may_report(message.source, message.event)
        and believable(message.event, believed)
    )
