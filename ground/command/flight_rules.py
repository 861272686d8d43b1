"""Command's flight rules: one written table from what was seen to what Command does. Pure.

Each rule names a trigger (a vehicle's own event, an alert by rule, severity and device, or two
independent red alerts together), the evidence it needs and the action:

- NOTE: record it;
- HOLD: record and announce it; nothing destructive happens by itself, the flight director
  (or, for the crew's health, the flight surgeon) decides;
- CREW_ABORT: eject the crew, do not destroy the vehicle;
- FLIGHT_TERMINATION: eject the crew, then self-destruct the rocket.

Destructive actions need positive evidence from the vehicle itself: its own critical event on
its own topic, or red limits on two independent parameters at once. Silence, a loss of signal
and a ground fault never destroy anything: the ground being blind is not the vehicle failing.
:func:`decide` reads the table over what Command saw this mission (:class:`Seen`) and returns
the strongest action with the rule that fired and why. README.md ("Flight rules") restates the
table for people; the two must say the same.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from enum import StrEnum
from itertools import combinations

from marsy.protocol import (
    Alert,
    AlertRule,
    Device,
    EventType,
    Service,
    Severity,
    believable,
    may_report,
)


class FlightAction(StrEnum):
    """What a flight rule makes Command do, mildest first."""

    NOTE = "note"
    HOLD = "hold"
    CREW_ABORT = "crew_abort"
    FLIGHT_TERMINATION = "flight_termination"

    @property
    def rank(self) -> int:
        return list(FlightAction).index(self)

    @property
    def destructive(self) -> bool:
        return self.rank >= FlightAction.CREW_ABORT.rank


# --- what was seen ----------------------------------------------------------------------------


@dataclass(frozen=True)
class Sighting:
    """A vehicle event, believed: it came from a device that may report it, after the events it
    follows."""

    event: EventType
    reporter: Device
    ts: float
    detail: str = ""


AlertKey = tuple[str, Device, AlertRule, str | None]
"""(raised by, device, rule, parameter): one check of one alerting service."""


@dataclass(frozen=True)
class Seen:
    """What Command saw of one mission that the rules read: the vehicles' own events (first
    sighting of each) and the alerts still active (the latest word on each check)."""

    events: Mapping[EventType, Sighting] = field(default_factory=dict)
    alerts: Mapping[AlertKey, Alert] = field(default_factory=dict)

    def with_event(self, sighting: Sighting) -> Seen:
        """Also ``sighting``, if its reporter owns the event and the events it follows were
        seen (anything else is no evidence)."""
        event = sighting.event
        if (
            event in self.events
            or not may_report(sighting.reporter, event)
            or not believable(event, self.events.keys())
        ):
            return self
        return replace(self, events={**self.events, event: sighting})

    def with_alert(self, alert: Alert) -> Seen:
        """The latest word on the alert's check: raised (or changed severity), or cleared."""
        key: AlertKey = (alert.source, alert.device, alert.rule, alert.parameter)
        alerts = {k: v for k, v in self.alerts.items() if k != key}
        if not alert.cleared:
            alerts[key] = alert
        return replace(self, alerts=alerts)


# --- triggers ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class VehicleEvent:
    """One of ``events`` reported by ``reporter`` itself, over its own topic."""

    events: frozenset[EventType]
    reporter: Device

    def matches(self, seen: Seen) -> list[str]:
        return [
            f"the {s.reporter} reports {s.event}" + (f": {s.detail}" if s.detail else "")
            for s in seen.events.values()
            if s.event in self.events and s.reporter is self.reporter
        ]


@dataclass(frozen=True)
class AlertOn:
    """An active alert of one of ``rules`` on one of ``devices`` at ``severity`` (any if
    ``None``), raised by ``raised_by``: only the calculator's checks are flight evidence."""

    rules: frozenset[AlertRule]
    devices: frozenset[Device] = frozenset(Device)
    severity: Severity | None = None
    raised_by: str = Service.CALCULATOR

    def fits(self, alert: Alert) -> bool:
        return (
            alert.source == self.raised_by
            and alert.rule in self.rules
            and alert.device in self.devices
            and (self.severity is None or alert.severity is self.severity)
        )

    def matches(self, seen: Seen) -> list[str]:
        return [_alert_text(a) for a in seen.alerts.values() if self.fits(a)]


@dataclass(frozen=True)
class Corroborated:
    """``count`` alerts of ``alert`` on distinct parameters, all still active and raised within
    ``window`` seconds of each other: one failing sensor cannot make it, a failing vehicle
    does."""

    alert: AlertOn
    count: int = 2
    window: float = 10.0

    def matches(self, seen: Seen) -> list[str]:
        latest: dict[str, Alert] = {}
        for alert in seen.alerts.values():
            if self.alert.fits(alert) and alert.parameter is not None:
                held = latest.get(alert.parameter)
                if held is None or alert.ts > held.ts:
                    latest[alert.parameter] = alert
        for group in combinations(sorted(latest.values(), key=lambda a: a.ts), self.count):
            if group[-1].ts - group[0].ts <= self.window:
                return [" and ".join(_alert_text(a) for a in group)]
        return []


Trigger = VehicleEvent | AlertOn | Corroborated


def _alert_text(alert: Alert) -> str:
    what = alert.message or f"{alert.device} {alert.parameter or alert.rule}"
    return f"{alert.severity} {alert.rule} alert: {what}"


# --- the table --------------------------------------------------------------------------------


@dataclass(frozen=True)
class FlightRule:
    id: str
    title: str
    trigger: Trigger | None
    """``None``: the rule for everything no other rule covers."""
    evidence: str
    action: FlightAction
    why: str


_LIMITS = frozenset({AlertRule.LIMIT, AlertRule.RATE})
_ROCKET = frozenset({Device.ROCKET})
_SUIT = frozenset({Device.SUIT})

ROUTINE = FlightRule(
    "FR-0",
    "anything else",
    None,
    "any message",
    FlightAction.NOTE,
    "yellow alerts, the booster's and the satellite's alerts, the vehicles' other events, the "
    "ground services' announcements: the log keeps them, nobody has to act",
)

FLIGHT_RULES: tuple[FlightRule, ...] = (
    FlightRule(
        "FR-1",
        "the rocket's own critical event",
        VehicleEvent(
            frozenset(
                {
                    EventType.ABORT,
                    EventType.EXPLOSION_IMMINENT,
                    EventType.ENGINE_FAILURE,
                    EventType.EXPLOSION,
                }
            ),
            Device.ROCKET,
        ),
        "abort, explosion_imminent, engine_failure or explosion from the rocket, on its own topic",
        FlightAction.FLIGHT_TERMINATION,
        "the vehicle itself says it cannot fly on: an engine failure leaves a stack without "
        "thrust that falls back and breaks up (the rocket raises its own abort on it at once); "
        "the crew goes first, then the rocket is destroyed before it falls uncontrolled",
    ),
    FlightRule(
        "FR-2",
        "two independent red rocket limits",
        Corroborated(AlertOn(_LIMITS, _ROCKET, Severity.RED)),
        "red limit or rate alerts from the calculator on two distinct rocket parameters, both "
        "still active, raised within 10 s of each other",
        FlightAction.FLIGHT_TERMINATION,
        "two independent measurements failing together is a failing vehicle, not a bad sensor",
    ),
    FlightRule(
        "FR-3",
        "the crew left the rocket",
        VehicleEvent(frozenset({EventType.EJECTION}), Device.SUIT),
        "ejection from the suit, on its own topic",
        FlightAction.CREW_ABORT,
        "the capsule is away whatever the ground thought: the mission is now the crew's return; "
        "the rocket reported no fault, so nothing is destroyed",
    ),
    FlightRule(
        "FR-4",
        "loss of signal of the rocket",
        AlertOn(frozenset({AlertRule.LOSS_OF_SIGNAL}), _ROCKET, Severity.RED),
        "a red loss-of-signal alert from the calculator",
        FlightAction.HOLD,
        "silence is not evidence: the ground may be what went quiet; the crew's own path hears "
        "the rocket's abort without the ground; the flight director decides",
    ),
    FlightRule(
        "FR-5",
        "crew vitals or suit red",
        AlertOn(
            frozenset({AlertRule.VITALS, AlertRule.RATE, AlertRule.LOSS_OF_SIGNAL}),
            _SUIT,
            Severity.RED,
        ),
        "a red vitals, suit-pressure or loss-of-signal alert on the suit from the calculator",
        FlightAction.HOLD,
        "the astronaut's health is the flight surgeon's call, never an automatic ejection",
    ),
    FlightRule(
        "FR-6",
        "one red rocket limit",
        AlertOn(_LIMITS, _ROCKET, Severity.RED),
        "a red limit or rate alert from the calculator on one rocket parameter",
        FlightAction.HOLD,
        "one parameter alone may be its sensor; a second independent one makes FR-2",
    ),
    FlightRule(
        "FR-7",
        "ground fault",
        AlertOn(frozenset({AlertRule.GROUND})),
        "a ground alert (store, ingest or broker stale or cut), any severity",
        FlightAction.NOTE,
        "a ground fault is never a vehicle emergency",
    ),
)
"""Command's flight rules, in the order they are read; the strongest action that fires wins,
the earlier rule among equals."""


# --- deciding ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class Decision:
    action: FlightAction
    rule: FlightRule
    reason: str

    @property
    def text(self) -> str:
        return f"{self.rule.id} {self.rule.title}: {self.reason}"


def fired(rules: Iterable[FlightRule], seen: Seen) -> list[Decision]:
    """Every rule whose trigger ``seen`` meets, with what met it, in table order."""
    out = []
    for rule in rules:
        if rule.trigger is None:
            continue
        reasons = rule.trigger.matches(seen)
        if reasons:
            out.append(Decision(rule.action, rule, "; ".join(reasons)))
    return out


def decide(rules: Sequence[FlightRule], seen: Seen) -> Decision:
    """The strongest action the table calls for over what was seen, the rule and the reason
    (:data:`ROUTINE`'s note if none fires)."""
    best = Decision(FlightAction.NOTE, ROUTINE, "nothing calls for more than a note")
    for decision in fired(rules, seen):
        if decision.action.rank > best.action.rank or best.rule is ROUTINE:
            best = decision
    return best


def rule_for_alert(rules: Sequence[FlightRule], alert: Alert) -> FlightRule:
    """The rule that covers one alert on its own (the corroboration of FR-2 needs two)."""
    if alert.cleared:
        return ROUTINE
    return decide(rules, Seen().with_alert(alert)).rule


def rule_for_event(rules: Sequence[FlightRule], sighting: Sighting) -> FlightRule:
    """The rule that covers one believed vehicle event on its own (its order was judged when
    it was believed)."""
    return decide(rules, Seen(events={sighting.event: sighting})).rule
