"""The mission director: starts missions, polls go/no-go, holds for the weather, orders the
launch, and hands the flight to the follower that keeps the log and acts by the flight rules.

Steps happen in order or not at all: no launch without a weather go and a rocket go, each answer
recorded; a mission starts only when none is flying. A weather no-go holds the launch and the
weather is polled again until the launch window closes (:mod:`ground.command.hold`); the hold
runs on its own loop, so the request that started the mission answers at once, and a restarted
Command picks the hold up from the mission log. During the flight
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
from ground.command.hold import (
    ROCKET,
    WEATHER,
    Answer,
    LaunchWindow,
    Step,
    Verdict,
    hold,
    judge,
    poll_round,
    spoken,
)
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
        *,
        window: float = 0.0,
        every: float = 10.0,
    ) -> None:
        """``window``: mission seconds a weather no-go is waited out (0: scrubbed at once);
        ``every``: mission seconds between two polls while held."""
        self.bus = bus
        self.store = store
        self.weather = weather
        self.launchpad = launchpad
        self.now = now
        self.window = window
        self.every = every
        self.log = MissionLog(bus, store, now)
        self.flight = FlightFollower(self.log, AbortOrders(self.log))
        self._start_lock = threading.Lock()
        self._held = threading.Event()

    def observe(self, message: Message) -> None:
        """One message from the bus, for the flight follower."""
        self.flight.observe(message)

    def resume(self) -> None:
        """After a restart: carry on with what the previous run left under way (a poll cut
        short is held, and polled again by :meth:`holds`)."""
        latest = self.store.flying()
        if latest is not None and latest.state is MissionState.POLLING:
            self._hold(latest.mission_id, "polling again after a restart of Command")
        self.flight.resume()

    # --- starting a mission -------------------------------------------------------------------

    def start(self, scenario: str) -> Mission:
        """A new mission: go/no-go poll (weather, then launchpad), then the launch order, a
        hold (polled on by :meth:`holds`) or the scrub."""
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
        window = LaunchWindow(self.now(), self.window, self.every)
        step = judge(self._poll(mission_id, window), window, self.now())
        self._act(mission_id, step)
        return self.log.get(mission_id)

    def holds(self, stopping: threading.Event) -> None:
        """The hold loop: polls the held mission until its launch or its scrub, until
        ``stopping`` (the mission stays held, for the next run)."""
        while not stopping.is_set():
            mission = self.store.flying()
            if mission is None or mission.state is not MissionState.HELD:
                if self._held.wait(1.0):
                    self._held.clear()
                continue
            step = self._hold_out(mission, stopping)
            if step is None:
                return
            self._act(mission.mission_id, step)

    def _hold_out(self, mission: Mission, stopping: threading.Event) -> Step | None:
        """Poll a held mission until the weather lets it go or the window closes."""
        window, last = self._window(mission)
        return hold(
            window,
            lambda: self._poll(mission.mission_id, window),
            self.now,
            lambda seconds: self.bus.clock.sleep(seconds, stopping),
            first=self.now() if last is None else last + window.every,
        )

    def _act(self, mission_id: str, step: Step) -> None:
        if step.verdict is Verdict.LAUNCH:
            self._launch(mission_id)
        elif step.verdict is Verdict.SCRUB:
            # said before the status that ends the mission: whoever follows the bus in order
            # hears why before hearing that it is over
            self.bus.say(f"Launch scrubbed: {step.detail}", mission_id)
            self._scrub(mission_id, step.detail)
        else:
            self._hold(mission_id, step.detail)

    def _launch(self, mission_id: str) -> None:
        try:
            result = self.launchpad.call("POST", "/launch", {"mission_id": mission_id})
        except PeerError as exc:
            self.log.decision(mission_id, "launch", False, str(exc))
            self._scrub(mission_id, str(exc))
            return
        self.log.decision(mission_id, "launch", True, result.get("reason", "ignition"))
        self.store.update(mission_id, state=MissionState.FLYING)
        self.log.status(mission_id, MissionState.FLYING, FlightPhase.PAD, "launched")
        self.bus.say("Ignition! We have lift-off.", mission_id)

    def _hold(self, mission_id: str, detail: str) -> None:
        """Hold the launch; the retained status says so once per change of its reasons."""
        mission = self.log.get(mission_id)
        if mission.state is not MissionState.HELD or mission.detail != detail:
            self.store.update(mission_id, state=MissionState.HELD, detail=detail)
            self.log.status(mission_id, MissionState.HELD, FlightPhase.PAD, detail)
        self._held.set()

    def _scrub(self, mission_id: str, detail: str) -> None:
        self.store.update(mission_id, state=MissionState.SCRUBBED, ended=self.now(), detail=detail)
        self.log.status(mission_id, MissionState.SCRUBBED, FlightPhase.PAD, detail)

    def _window(self, mission: Mission) -> tuple[LaunchWindow, float | None]:
        """The held mission's window and when it was last polled, from its log (the window
        of the settings from its start when none was recorded)."""
        polls = self.store.timeline(mission.mission_id, {Kind.GO_NO_GO})
        for entry in reversed(polls):
            window = LaunchWindow.from_data(entry.data.get("window") or {})
            if window is not None:
                return window, entry.ts
        return LaunchWindow(mission.started, self.window, self.every), None

    # --- the poll -----------------------------------------------------------------------------

    def _poll(self, mission_id: str, window: LaunchWindow) -> tuple[Answer, ...]:
        """One round of go/no-go; each answer recorded, put on the bus and said once per
        change (the mission log keeps the last one heard from each)."""
        heard: dict[str, Answer] = {}
        for entry in self.store.timeline(mission_id, {Kind.GO_NO_GO}):
            reasons = tuple(str(r) for r in entry.data.get("reasons", []))
            heard[entry.source] = Answer(entry.source, bool(entry.data.get("go")), reasons)

        def ask(who: str) -> Answer:
            answer = self._ask(who, mission_id)
            self._heard(mission_id, answer, heard.get(answer.who), window)
            return answer

        return poll_round(ask)

    def _ask(self, who: str, mission_id: str) -> Answer:
        if who == WEATHER:
            peer, method, path, payload = self.weather, "GET", "/go", None
        elif who == ROCKET:
            # a check of the rocket made now, for this mission (the open GET shares older ones)
            peer, method, path = self.launchpad, "POST", "/rocket-check"
            payload = {"mission_id": mission_id}
        else:
            raise ValueError(f"no one to ask for {who!r}")
        try:
            answer = peer.call(method, path, payload)
            reasons = tuple(_reason(r) for r in answer.get("reasons", []))
            return Answer(who, bool(answer.get("go")), reasons)
        except PeerError as exc:
            return Answer(who, False, (f"{peer.name} unreachable: {exc}",))

    def _heard(
        self, mission_id: str, answer: Answer, before: Answer | None, window: LaunchWindow
    ) -> None:
        if answer.same_as(before):
            logger.info("mission %s: %s (unchanged)", mission_id, answer.detail)
            return
        self.log.record(
            mission_id,
            Kind.GO_NO_GO,
            answer.who,
            f"{answer.who} {answer.verdict}",
            {"go": answer.go, "reasons": list(answer.reasons), "window": window.as_data()},
        )
        self.bus.event(EventType.GO_NO_GO, answer.detail, mission_id)
        line = spoken(answer, before, window, self.now())
        if line is not None:
            self.bus.say(line, mission_id)


def _reason(reason: object) -> str:
    """A no-go reason as text: a string, or an object with a ``message``."""
    if isinstance(reason, dict):
        return str(reason.get("message", reason))
    return str(reason)
