"""Following the flight: record what concerns the mission, believe each vehicle event only from
its owner and in its order, move the mission along on the vehicles' own milestones, and act by
the flight rules.

Every message of the current mission goes into the mission log. A vehicle event counts only
from the device that owns it (:data:`marsy.protocol.EVENT_REPORTERS`) and once the events it
follows were believed (:data:`marsy.protocol.EVENT_PREREQUISITES`): from another vehicle, or
before its steps (the satellite saying it is free while the stages are still together), it is
recorded as refused and never acted on; from a ground service (Staging's echo of an acked
separation) it is the ground's account, recorded, not evidence. After each event and alert the
flight rules (:mod:`ground.command.flight_rules`) read what was seen; a hold is announced and
lifted with its trigger, an abort is decided once and its orders sent
(:mod:`ground.command.orders`). Each decision names the rule that fired.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Collection, Mapping, Sequence
from typing import Any

from ground.command.flight_rules import (
    FLIGHT_RULES,
    Decision,
    FlightAction,
    FlightRule,
    Sighting,
    decide,
    rule_for_alert,
    rule_for_event,
)
from ground.command.mission_log import MissionLog
from ground.command.orders import AbortOrders
from ground.command.picture import Kind, Picture, What
from ground.command.store import Entry
from marsy.protocol import (
    EVENT_REPORTERS,
    Alert,
    CommandAck,
    Device,
    DeviceCommand,
    EventType,
    FlightPhase,
    LogLevel,
    LogRecord,
    Message,
    MissionEvent,
    MissionState,
    WebcastLine,
    is_vehicle,
    may_report,
    unmet,
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
"""The mission's phase after each vehicle event (believed from its owner only)."""
BOOSTER_DOWN = frozenset({EventType.BOOSTER_LANDED, EventType.BOOSTER_LOST})


def refusal(source: str, event: EventType, believed: Collection[EventType]) -> str | None:
    """Why a vehicle's ``event`` is not believed, or ``None`` when it is: the event is another
    device's, or it comes before the steps it follows (``believed``: this mission's so far)."""
    if not may_report(source, event):
        owners = " or ".join(str(d) for d in sorted(EVENT_REPORTERS.get(event, ()))) or "ground"
        return f"{event} is the {owners}'s to report, not the {source}'s"
    missing = unmet(event, believed)
    if missing:
        return f"{event} before {' and '.join(missing)}: out of order"
    return None


class FlightFollower:
    def __init__(
        self,
        log: MissionLog,
        orders: AbortOrders,
        rules: Sequence[FlightRule] = FLIGHT_RULES,
    ) -> None:
        self.log = log
        self.bus = log.bus
        self.orders = orders
        self.rules = rules
        self._picture: Picture | None = None
        self._lock = threading.Lock()

    def picture(self, mission_id: str) -> Picture:
        """The picture of ``mission_id``, rebuilt from its log when it is not the one held."""
        with self._lock:
            if self._picture is None or self._picture.mission_id != mission_id:
                self._picture = Picture.from_log(mission_id, self.log.store.timeline(mission_id))
            return self._picture

    def resume(self) -> None:
        """After a restart: send again the abort orders a previous run left unanswered."""
        mission_id = self.bus.mission_id
        mission = self.log.store.get(mission_id) if mission_id else None
        if mission is None or mission.state is not MissionState.FLYING:
            return
        picture = self.picture(mission.mission_id)
        if self.orders.due(picture):
            logger.warning("mission %s: resuming the %s orders", mission.mission_id, picture.taken)
            self.orders.start(picture)

    def observe(self, message: Message) -> None:
        """Record what concerns the current mission (also after it ended: the interview comes
        after the payload is away); move its status; act by the flight rules."""
        current = self.bus.mission_id
        if current is None or getattr(message, "mission_id", None) != current:
            return
        picture = self.picture(current)
        if isinstance(message, MissionEvent):
            self._on_event(picture, message)
        elif isinstance(message, Alert):
            self._on_alert(picture, message)
        elif isinstance(message, DeviceCommand):
            self._write(
                picture,
                Kind.COMMAND,
                message.source,
                f"{message.action} -> {message.device}",
                message.model_dump(mode="json"),
                message.ts,
            )
        elif isinstance(message, CommandAck):
            self._on_ack(picture, message)
        elif isinstance(message, LogRecord):
            level = {"level": message.level}
            self._write(picture, Kind.LOG, message.source, message.message, level, message.ts)
        elif isinstance(message, WebcastLine):
            text = f"{message.speaker}: {message.text}"
            self._write(picture, Kind.WEBCAST, message.source, text, {}, message.ts)

    def _write(
        self,
        picture: Picture,
        kind: Kind,
        source: str,
        text: str,
        data: Mapping[str, Any],
        ts: float | None = None,
    ) -> Entry:
        entry = self.log.record(picture.mission_id, kind, source, text, dict(data), ts)
        picture.take(entry)
        return entry

    # --- events -------------------------------------------------------------------------------

    def _on_event(self, picture: Picture, event: MissionEvent) -> None:
        source, kind = event.source, event.event
        why = refusal(source, kind, picture.seen.events.keys()) if is_vehicle(source) else None
        if why is not None:
            logger.warning(
                "mission %s: refused %s from the %s: %s", picture.mission_id, kind, source, why
            )
            refused = {"event": kind, "detail": event.detail, "why": why}
            text = f"{kind} from the {source}"
            self._write(picture, Kind.REFUSED, source, text, refused, event.ts)
            return
        data: dict[str, Any] = {"detail": event.detail, "device": event.device}
        rule = None
        if is_vehicle(source):
            sighting = Sighting(kind, Device(source), event.ts, event.detail)
            rule = rule_for_event(self.rules, sighting)
            data |= {"flight_rule": rule.id, "action": rule.action}
        self._write(picture, Kind.EVENT, source, str(kind), data, event.ts)
        if rule is None:
            return  # the ground's own account (or Command's): recorded, not evidence
        mid = picture.mission_id
        phase = PHASE_AFTER.get(kind)
        if phase is not None and self.log.get(mid).state is MissionState.FLYING:
            self.log.store.update(mid, phase=phase)
            self.log.status(mid, MissionState.FLYING, phase, picture.hold_detail or str(kind))
        self._apply(picture)
        if kind is EventType.EJECTION and picture.aborting:
            self.log.decision(mid, "crew ejection", True, "confirmed by the suit")
        if kind is EventType.CAPSULE_LANDED and picture.aborting:
            self.log.finish(mid, MissionState.ABORTED, "the crew is down safely")
        seen = picture.seen.events.keys()
        if not picture.aborting and EventType.PAYLOAD_DETACHED in seen and BOOSTER_DOWN & seen:
            self.log.finish(mid, MissionState.COMPLETE, "payload away, booster down")

    def _on_ack(self, picture: Picture, ack: CommandAck) -> None:
        verdict = "acked" if ack.accepted else f"refused: {ack.reason}"
        addressed = picture.addressed.get(ack.command_id)
        data = ack.model_dump(mode="json")
        if addressed is not None and addressed is not ack.device:
            text = f"{ack.action} {verdict} by the {ack.device}, sent to the {addressed}"
            self._write(picture, Kind.REFUSED, ack.source, text, data, ack.ts)
            return
        self._write(picture, Kind.ACK, ack.source, f"{ack.action} {verdict}", data, ack.ts)

    # --- alerts -------------------------------------------------------------------------------

    def _on_alert(self, picture: Picture, alert: Alert) -> None:
        rule = rule_for_alert(self.rules, alert)
        text = (
            f"{'cleared ' if alert.cleared else ''}{alert.severity} {alert.rule} "
            f"{alert.device} {alert.parameter or ''}: {alert.message}"
        )
        data = {**alert.model_dump(mode="json"), "flight_rule": rule.id, "action": rule.action}
        self._write(picture, Kind.ALERT, alert.source, text, data, alert.ts)
        self._apply(picture)

    # --- acting by the flight rules -----------------------------------------------------------

    def _apply(self, picture: Picture) -> None:
        """Act on what the flight rules call for now: abort once (a stronger action may follow
        a milder one), announce a hold and lift it when its trigger is gone."""
        mission = self.log.get(picture.mission_id)
        if mission.state is not MissionState.FLYING:
            return
        decision = decide(self.rules, picture.seen)
        if decision.action.destructive:
            if decision.action.rank > picture.taken.rank:
                self._abort(picture, decision, mission.phase)
            return
        if picture.aborting:
            return  # an abort under way is past holding
        if decision.action is FlightAction.HOLD:
            if picture.hold != decision.rule.id:
                self._hold(picture, decision, mission.phase)
        elif picture.hold is not None:
            self._lift(picture, decision, mission.phase)

    def _abort(self, picture: Picture, decision: Decision, phase: FlightPhase) -> None:
        mid, rule, action = picture.mission_id, decision.rule, decision.action
        picture.take(
            self.log.decision(
                mid,
                What.ABORT,
                True,
                decision.text,
                text=f"abort: go, {action} by {rule.id} ({rule.title})",
                action=action,
                flight_rule=rule.id,
            )
        )
        self.bus.log(LogLevel.CRITICAL, f"{action} by {decision.text}", mid)
        self.log.status(mid, MissionState.FLYING, phase, f"{action}: {decision.text}")
        self.bus.say(f"Abort! {decision.reason}.", mid)
        self.orders.start(picture)

    def _hold(self, picture: Picture, decision: Decision, phase: FlightPhase) -> None:
        mid, rule = picture.mission_id, decision.rule
        detail = f"HOLD {decision.text}"
        picture.take(
            self.log.decision(
                mid,
                What.HOLD,
                True,
                detail,
                text=f"hold: {rule.id} ({rule.title})",
                action=FlightAction.HOLD,
                flight_rule=rule.id,
            )
        )
        self.log.store.update(mid, detail=detail)
        self.log.status(mid, MissionState.FLYING, phase, detail)
        self.bus.log(LogLevel.WARNING, detail, mid)
        self.bus.say(f"Hold: {decision.reason}. Nothing happens by itself: {rule.why}.", mid)

    def _lift(self, picture: Picture, decision: Decision, phase: FlightPhase) -> None:
        mid, held = picture.mission_id, picture.hold
        detail = f"hold lifted: {held} no longer fires"
        picture.take(
            self.log.decision(
                mid,
                What.LIFTED,
                True,
                detail,
                text=f"hold lifted: {held}",
                action=decision.action,
                flight_rule=decision.rule.id,
            )
        )
        self.log.store.update(mid, detail=detail)
        self.log.status(mid, MissionState.FLYING, phase, detail)
        self.bus.log(LogLevel.INFO, detail, mid)
        self.bus.say("The hold is lifted.", mid)
