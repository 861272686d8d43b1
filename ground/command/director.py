"""The mission director: starts missions, polls go/no-go, orders the launch, and hands the
flight to the follower that keeps the log and acts by the flight rules.

Steps happen in order or not at all: no launch without a weather go and a rocket go, each answer
recorded; a mission starts only when none is flying. During the flight
:class:`~ground.command.following.FlightFollower` records every event, alert, command, ack and
webcast line, moves the retained mission status along on the vehicles' own events, and holds or
aborts as the flight rules (:mod:`ground.command.flight_rules`) say.
"""

from __future__ import annotations

import logging
import threading
import time
import uuid
from collections.abc import Callable

from ground.command.following import FlightFollower
from ground.command.mission_log import MissionLog
from ground.command.orders import AbortOrders
from ground.command.peers import Peer, PeerError
from ground.command.picture import Kind
from ground.command.store import Mission, MissionStore
from ground.runtime import GroundBus
from marsy.protocol import EventType, FlightPhase, Message, MissionState

logger = logging.getLogger(__name__)


class Refused(Exception):
    """A request that does not fit the mission's state (answered 409)."""


class Director:
    def __init__(
        self,
        bus: GroundBus,
        store: MissionStore,
        weather: Peer,
        launchpad: Peer,
        now: Callable[[], float],
    ) -> None:
        self.bus = bus
        self.store = store
        self.weather = weather
        self.launchpad = launchpad
        self.now = now
        self.log = MissionLog(bus, store, now)
        self.flight = FlightFollower(self.log, AbortOrders(self.log))
        self._start_lock = threading.Lock()

    def observe(self, message: Message) -> None:
        """One message from the bus, for the flight follower."""
        self.flight.observe(message)

    def resume(self) -> None:
        """After a restart: carry on with what the previous run left under way."""
        self.flight.resume()

    # --- starting a mission -------------------------------------------------------------------

    def start(self, scenario: str) -> Mission:
        """A new mission: go/no-go poll (weather, then launchpad), then the launch order."""
        with self._start_lock:
            flying = self.store.flying()
            if flying is not None:
                raise Refused(f"mission {flying.mission_id} is {flying.state}; one at a time")
            mission_id = f"M{time.strftime('%Y%m%d-%H%M%S')}-{uuid.uuid4().hex[:6]}"
            self.store.create(
                Mission(
                    mission_id,
                    scenario,
                    MissionState.POLLING,
                    FlightPhase.PAD,
                    self.now(),
                    None,
                    "",
                )
            )
        self.bus.mission_id = mission_id
        self.log.status(mission_id, MissionState.POLLING, FlightPhase.PAD, "go/no-go poll")
        self.bus.event(EventType.MISSION_STARTED, f"scenario {scenario}", mission_id)
        self.bus.say(f"Mission {mission_id} is starting: polling for go/no-go.", mission_id)
        reasons = self._poll(mission_id)
        if reasons:
            self._scrub(mission_id, "; ".join(reasons))
            self.bus.say(f"Launch scrubbed: {'; '.join(reasons)}", mission_id)
            return self.log.get(mission_id)
        try:
            result = self.launchpad.call("POST", "/launch", {"mission_id": mission_id})
        except PeerError as exc:
            self.log.decision(mission_id, "launch", False, str(exc))
            self._scrub(mission_id, str(exc))
            return self.log.get(mission_id)
        self.log.decision(mission_id, "launch", True, result.get("reason", "ignition"))
        self.store.update(mission_id, state=MissionState.FLYING)
        self.log.status(mission_id, MissionState.FLYING, FlightPhase.PAD, "launched")
        self.bus.say("Ignition! We have lift-off.", mission_id)
        return self.log.get(mission_id)

    def _scrub(self, mission_id: str, detail: str) -> None:
        self.store.update(mission_id, state=MissionState.SCRUBBED, ended=self.now(), detail=detail)
        self.log.status(mission_id, MissionState.SCRUBBED, FlightPhase.PAD, detail)

    def _poll(self, mission_id: str) -> list[str]:
        reasons = []
        for name, peer, method, path, payload in (
            ("weather", self.weather, "GET", "/go", None),
            # a check of the rocket made now, for this mission (the open GET shares older ones)
            ("rocket", self.launchpad, "POST", "/rocket-check", {"mission_id": mission_id}),
        ):
            try:
                answer = peer.call(method, path, payload)
                go, why = bool(answer.get("go")), [_reason(r) for r in answer.get("reasons", [])]
            except PeerError as exc:
                go, why = False, [f"{peer.name} unreachable: {exc}"]
            self.log.record(
                mission_id,
                Kind.GO_NO_GO,
                name,
                f"{name} {'go' if go else 'no-go'}",
                {"go": go, "reasons": why},
            )
            self.bus.event(EventType.GO_NO_GO, f"{name}: {'go' if go else 'no-go'}", mission_id)
            if not go:
                reasons += [f"{name}: {reason}" for reason in why] or [f"{name}: no-go"]
                break  # weather, then launchpad: no rocket check on a weather no-go
        return reasons


def _reason(reason: object) -> str:
    """A no-go reason as text: a string, or an object with a ``message``."""
    if isinstance(reason, dict):
        return str(reason.get("message", reason))
    return str(reason)
