"""The mission director: starts missions, polls go/no-go, orders the launch, keeps the log,
follows the flight and decides aborts.

Steps happen in order or not at all: no launch without a weather go and a rocket go, each answer
recorded; a mission starts only when none is flying. During the flight the director records
every event, alert, command, ack and webcast line, moves the retained mission status along, and
on a critical danger (the rocket's abort or explosion, or its loss of signal) orders the
self-destruct and makes sure the crew is ejected.
"""

from __future__ import annotations

import logging
import threading
import time
import uuid
from collections.abc import Callable

from ground.command.peers import Peer, PeerError
from ground.command.store import Entry, Mission, MissionStore
from ground.devices import NoAnswer
from ground.runtime import GroundBus
from marsy.protocol import (
    Alert,
    AlertRule,
    CommandAck,
    CommandAction,
    Device,
    DeviceCommand,
    EventType,
    FlightPhase,
    LogRecord,
    Message,
    MissionEvent,
    MissionState,
    MissionStatus,
    Severity,
    WebcastLine,
)

logger = logging.getLogger(__name__)

PHASE_AFTER: dict[EventType, FlightPhase] = {
    EventType.LIFTOFF: FlightPhase.ASCENT,
    EventType.MAX_Q: FlightPhase.ASCENT,
    EventType.THROTTLE_DOWN: FlightPhase.MAX_Q,
    EventType.STAGE_SEPARATION: FlightPhase.UPPER_STAGE,
    EventType.ORBIT: FlightPhase.ORBIT,
    EventType.ABORT: FlightPhase.ABORT,
    EventType.EJECTION: FlightPhase.ABORT,
    EventType.MAIN_DEPLOYED: FlightPhase.PARACHUTES,
    EventType.CAPSULE_LANDED: FlightPhase.LANDED,
}
CRITICAL_EVENTS = frozenset({EventType.ABORT, EventType.EXPLOSION, EventType.EXPLOSION_IMMINENT})


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
        self._start_lock = threading.Lock()
        self._abort_lock = threading.Lock()

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
        self._status(mission_id, MissionState.POLLING, FlightPhase.PAD, "go/no-go poll")
        self.bus.event(EventType.MISSION_STARTED, f"scenario {scenario}", mission_id)
        self.bus.say(f"Mission {mission_id} is starting: polling for go/no-go.", mission_id)
        reasons = self._poll(mission_id)
        if reasons:
            detail = "; ".join(reasons)
            self.store.update(
                mission_id, state=MissionState.SCRUBBED, ended=self.now(), detail=detail
            )
            self._status(mission_id, MissionState.SCRUBBED, FlightPhase.PAD, detail)
            self.bus.say(f"Launch scrubbed: {detail}", mission_id)
            return self._get(mission_id)
        try:
            result = self.launchpad.call("POST", "/launch", {"mission_id": mission_id})
        except PeerError as exc:
            self._decide(mission_id, "launch", False, str(exc))
            self.store.update(
                mission_id, state=MissionState.SCRUBBED, ended=self.now(), detail=str(exc)
            )
            self._status(mission_id, MissionState.SCRUBBED, FlightPhase.PAD, str(exc))
            return self._get(mission_id)
        self._decide(mission_id, "launch", True, result.get("reason", "ignition"))
        self.store.update(mission_id, state=MissionState.FLYING)
        self._status(mission_id, MissionState.FLYING, FlightPhase.PAD, "launched")
        self.bus.say("Ignition! We have lift-off.", mission_id)
        return self._get(mission_id)

    def _poll(self, mission_id: str) -> list[str]:
        reasons = []
        for name, peer, path in (
            ("weather", self.weather, "/go"),
            ("rocket", self.launchpad, "/rocket-check"),
        ):
            try:
                answer = peer.call("GET", path)
                go, why = bool(answer.get("go")), [_reason(r) for r in answer.get("reasons", [])]
            except PeerError as exc:
                go, why = False, [f"{peer.name} unreachable: {exc}"]
            self.store.record(
                mission_id,
                Entry(
                    self.now(),
                    "go_no_go",
                    name,
                    f"{name} {'go' if go else 'no-go'}",
                    {"go": go, "reasons": why},
                ),
            )
            self.bus.event(EventType.GO_NO_GO, f"{name}: {'go' if go else 'no-go'}", mission_id)
            if not go:
                reasons += [f"{name}: {reason}" for reason in why] or [f"{name}: no-go"]
                break  # weather, then launchpad: no rocket check on a weather no-go
        return reasons

    def _decide(self, mission_id: str, what: str, go: bool, detail: str) -> None:
        self.store.record(
            mission_id,
            Entry(
                self.now(),
                "decision",
                "command",
                f"{what}: {'go' if go else 'refused'}",
                {"what": what, "go": go, "detail": detail},
            ),
        )

    def _status(
        self, mission_id: str, state: MissionState, phase: FlightPhase, detail: str
    ) -> None:
        self.bus.publish(
            MissionStatus(
                state=state, phase=phase, detail=detail[:2000], **self.bus.envelope(mission_id)
            )
        )

    def _get(self, mission_id: str) -> Mission:
        mission = self.store.get(mission_id)
        assert mission is not None
        return mission

    # --- following the flight -----------------------------------------------------------------

    def observe(self, message: Message) -> None:
        """Record what concerns the current mission (also after it ended: the interview comes
        after the payload is away); move its status; decide aborts."""
        current = self.bus.mission_id
        if current is None or getattr(message, "mission_id", None) != current:
            return
        mission = self._get(current)
        mid = mission.mission_id
        if isinstance(message, MissionEvent):
            self._on_event(mission, message)
        elif isinstance(message, Alert):
            text = (
                f"{'cleared ' if message.cleared else ''}{message.severity} {message.rule} "
                f"{message.device} {message.parameter or ''}: {message.message}"
            )
            self.store.record(
                mid,
                Entry(message.ts, "alert", message.source, text, message.model_dump(mode="json")),
            )
            if self._critical_alert(message) and mission.state is MissionState.FLYING:
                self._abort(mission, f"critical alert: {message.message}")
        elif isinstance(message, DeviceCommand):
            self.store.record(
                mid,
                Entry(
                    message.ts,
                    "command",
                    message.source,
                    f"{message.action} -> {message.device}",
                    message.model_dump(mode="json"),
                ),
            )
        elif isinstance(message, CommandAck):
            verdict = "acked" if message.accepted else f"refused: {message.reason}"
            self.store.record(
                mid,
                Entry(
                    message.ts,
                    "ack",
                    message.source,
                    f"{message.action} {verdict}",
                    message.model_dump(mode="json"),
                ),
            )
        elif isinstance(message, LogRecord):
            self.store.record(
                mid,
                Entry(message.ts, "log", message.source, message.message, {"level": message.level}),
            )
        elif isinstance(message, WebcastLine):
            self.store.record(
                mid,
                Entry(
                    message.ts, "webcast", message.source, f"{message.speaker}: {message.text}", {}
                ),
            )

    def _seen(self, mission_id: str) -> set[str]:
        """Events the vehicles reported this mission, from the log: a restarted Command
        carries on where it was."""
        return {e.text for e in self.store.timeline(mission_id, {"event"}) if e.source != "command"}

    def _aborting(self, mission_id: str) -> bool:
        return any(e.text == "abort: go" for e in self.store.timeline(mission_id, {"decision"}))

    def _on_event(self, mission: Mission, event: MissionEvent) -> None:
        mid = mission.mission_id
        self.store.record(
            mid,
            Entry(
                event.ts,
                "event",
                event.source,
                str(event.event),
                {"detail": event.detail, "device": event.device},
            ),
        )
        if event.source == "command":
            return
        seen = self._seen(mid)
        phase = PHASE_AFTER.get(event.event)
        if phase is not None:
            self.store.update(mid, phase=phase)
            self._status(mid, MissionState.FLYING, phase, str(event.event))
        if event.event in CRITICAL_EVENTS and mission.state is MissionState.FLYING:
            self._abort(mission, f"{event.event}: {event.detail}")
        if event.event is EventType.EJECTION and self._aborting(mid):
            self._decide(mid, "crew ejection", True, "confirmed by the suit")
        if event.event is EventType.CAPSULE_LANDED and self._aborting(mid):
            self._finish(mid, MissionState.ABORTED, "the crew is down safely")
        if EventType.PAYLOAD_DETACHED in seen and seen & {
            EventType.BOOSTER_LANDED,
            EventType.BOOSTER_LOST,
        }:
            self._finish(mid, MissionState.COMPLETE, "payload away, booster down")

    def _critical_alert(self, alert: Alert) -> bool:
        return (
            not alert.cleared
            and alert.severity is Severity.RED
            and alert.device is Device.ROCKET
            and alert.rule is AlertRule.LOSS_OF_SIGNAL
        )

    def _abort(self, mission: Mission, why: str) -> None:
        mid = mission.mission_id
        with self._abort_lock:
            if self._aborting(mid):
                return
            self._decide(mid, "abort", True, why)
        self.bus.say(f"Abort! {why}", mid)
        threading.Thread(target=self._abort_orders, args=(mid,), daemon=True).start()

    def _abort_orders(self, mission_id: str) -> None:
        """Self-destruct the rocket and make sure the crew is out (the suit may be first)."""
        for device, action in (
            (Device.SUIT, CommandAction.EJECT),
            (Device.ROCKET, CommandAction.DESTRUCT),
        ):
            try:
                ack = self.bus.commander.request(
                    mission_id,
                    device,
                    action,
                    command_id=f"command-{action}-{mission_id}",
                    timeout=10.0,
                )
                detail = "acked" if ack.accepted else f"refused: {ack.reason}"
            except NoAnswer:
                detail = "no answer (the vehicle may be lost)"
            self._decide(mission_id, f"{action} order", True, detail)
        self.bus.event(EventType.SELF_DESTRUCT, "self-destruct ordered", mission_id)

    def _finish(self, mission_id: str, state: MissionState, detail: str) -> None:
        mission = self.store.get(mission_id)
        if mission is None or mission.state is not MissionState.FLYING:
            return
        self.store.update(mission_id, state=state, ended=self.now(), detail=detail)
        self._status(mission_id, state, mission.phase, detail)
        self.bus.event(EventType.MISSION_COMPLETE, f"{state}: {detail}", mission_id)
        self.bus.say(f"Mission {state}: {detail}.", mission_id)


def _reason(reason: object) -> str:
    """A no-go reason as text: a string, or an object with a ``message``."""
    if isinstance(reason, dict):
        return str(reason.get("message", reason))
    return str(reason)
