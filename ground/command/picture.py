"""What Command holds of the current mission to decide on it: what the flight rules read, what
it has already decided and ordered, and which device each command went to.

Everything here comes from the mission log: Command writes an entry, then the picture takes it
(:meth:`Picture.take`), and :meth:`Picture.from_log` takes them all again after a restart, so a
restarted Command decides as the one before it would have (no second abort, the same command
ids for its orders, a hold still held). No I/O.
"""

from __future__ import annotations

import threading
from collections.abc import Iterable
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any

from ground.command.flight_rules import FlightAction, Seen, Sighting
from ground.command.store import Entry
from marsy.protocol import (
    Alert,
    CommandAction,
    ContractError,
    Device,
    EventType,
    build,
    is_vehicle,
    may_report,
)

_ALERT_FIELDS = frozenset(Alert.model_fields)


class Kind(StrEnum):
    """The kinds of mission log entries Command writes (``Entry.kind``)."""

    GO_NO_GO = "go_no_go"
    DECISION = "decision"
    EVENT = "event"
    REFUSED = "refused"
    """A message acted on by nobody: an event from a device that does not own it or before the
    events it follows, an ack from a device the command was not sent to."""
    ALERT = "alert"
    ORDER = "order"
    """One of Command's own device orders, written with its command id before it is sent."""
    COMMAND = "command"
    ACK = "ack"
    LOG = "log"
    WEBCAST = "webcast"


class What(StrEnum):
    """``data["what"]`` of Command's decisions that the picture follows."""

    ABORT = "abort"
    HOLD = "hold"
    LIFTED = "hold lifted"


@dataclass
class Picture:
    mission_id: str
    seen: Seen = field(default_factory=Seen)
    taken: FlightAction = FlightAction.NOTE
    """The strongest destructive action decided (NOTE until an abort)."""
    hold: str | None = None
    """The id of the rule holding the flight, while a hold is on."""
    hold_detail: str = ""
    orders: dict[CommandAction, str] = field(default_factory=dict)
    """Command ids of Command's own orders this mission, by action."""
    settled: set[CommandAction] = field(default_factory=set)
    """Orders the device answered (accepted or refused): never sent again."""
    addressed: dict[str, Device] = field(default_factory=dict)
    """The device each command seen on the bus was sent to, by command id."""
    _lock: threading.Lock = field(default_factory=threading.Lock, repr=False, compare=False)

    @property
    def aborting(self) -> bool:
        return self.taken.destructive

    def take(self, entry: Entry) -> None:
        """Follow one log entry of this mission (in log order). Thread-safe: the abort orders
        write theirs from their own thread."""
        with self._lock:
            self._take(entry)

    def _take(self, entry: Entry) -> None:
        data = entry.data
        if entry.kind == Kind.EVENT and is_vehicle(entry.source):
            event = EventType(entry.text)
            if may_report(entry.source, event):
                sighting = Sighting(event, Device(entry.source), entry.ts, data.get("detail", ""))
                self.seen = self.seen.with_event(sighting)
        elif entry.kind == Kind.ALERT:
            alert = _alert(data)
            if alert is not None:
                self.seen = self.seen.with_alert(alert)
        elif entry.kind == Kind.DECISION:
            self._decided(data)
        elif entry.kind == Kind.ORDER:
            self.orders.setdefault(CommandAction(data["action"]), str(data["command_id"]))
        elif entry.kind == Kind.COMMAND and "command_id" in data:
            self.addressed[str(data["command_id"])] = Device(data["device"])

    def _decided(self, data: dict[str, Any]) -> None:
        what = data.get("what")
        if what == What.ABORT:
            action = FlightAction(data["action"])
            if action.rank > self.taken.rank:
                self.taken = action
            self.hold, self.hold_detail = None, ""
        elif what == What.HOLD:
            self.hold, self.hold_detail = str(data["flight_rule"]), str(data["detail"])
        elif what == What.LIFTED:
            self.hold, self.hold_detail = None, ""
        elif data.get("answered") and "order_action" in data:
            self.settled.add(CommandAction(data["order_action"]))

    @classmethod
    def from_log(cls, mission_id: str, entries: Iterable[Entry]) -> Picture:
        picture = cls(mission_id)
        for entry in entries:
            picture.take(entry)
        return picture


def _alert(data: dict[str, Any]) -> Alert | None:
    """The alert an entry recorded (its data is the alert, plus the rule that covered it)."""
    try:
        return build(Alert, **{k: v for k, v in data.items() if k in _ALERT_FIELDS})
    except ContractError:
        return None
