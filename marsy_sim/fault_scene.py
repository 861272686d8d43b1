"""What every fault of a plan shares while it plays: the mission's clock, the hands it acts
with, the mission being over, and the record it leaves.

Its own module so each family of faults (:mod:`marsy_sim.outages`, :mod:`marsy_sim.attacks`,
:mod:`marsy_sim.flood`) is written against this small scene and not against the runner
(:mod:`marsy_sim.injector`) that schedules them.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field

from devservers.process import LocalServer
from marsy.clock import MissionClock
from marsy_sim.children import Supervisor
from marsy_sim.faults import ScriptedFault
from marsy_sim.relay import Relay
from marsy_sim.servers import Broker


@dataclass
class FaultRecord:
    fault: ScriptedFault
    started: float | None = None
    """Mission clock (seconds since the epoch, as message timestamps) when it was caused."""
    ended: float | None = None
    """Mission clock when it was undone, or the attack was over."""
    notes: list[str] = field(default_factory=list)

    def __str__(self) -> str:
        head = f"+{self.fault.at:.0f} s {self.fault.name}"
        if self.fault.duration:
            head += f" for {self.fault.duration:.0f} s"
        if self.started is None:
            return f"{head}: not caused, the mission was over first"
        return f"{head}: {'; '.join(self.notes)}"


@dataclass(frozen=True)
class Hands:
    """What a fault plan acts on."""

    supervisor: Supervisor
    broker: LocalServer | None
    """The broker process, when this simulation started it."""
    store: LocalServer | None
    relay: Relay | None
    logins: Broker
    """The broker itself, not through the relay: an attacker is not on the vehicle's link."""
    urls: Callable[[str], str]
    """A ground service's base URL."""


class FaultScene:
    """The mission as a fault sees it: its id, its time, whether it is over, and a voice."""

    def __init__(self, hands: Hands, clock: MissionClock, say: Callable[[str], None]) -> None:
        self.hands = hands
        self.clock = clock
        self.say = say
        self.mission_id = ""
        self.began = time.monotonic()
        self.ending = threading.Event()
        """Set when the mission is over: every fault undoes what it caused and returns."""

    def elapsed(self) -> float:
        """Mission seconds since the mission began."""
        return (time.monotonic() - self.began) * self.clock.warp

    def wait_until(self, at: float) -> bool:
        """Until mission second ``at``; ``False`` if the mission was over first."""
        while not self.ending.is_set():
            remaining = (at - self.elapsed()) / self.clock.warp
            if remaining <= 0:
                return True
            self.ending.wait(min(remaining, 0.5))
        return False

    def note(self, record: FaultRecord, line: str) -> None:
        """What happened, in the record and said aloud with the mission second."""
        record.notes.append(line)
        self.say(f"fault {record.fault.name} at +{self.elapsed():.0f} s: {line}")

    def outage(
        self, record: FaultRecord, cause: Callable[[], str], undo: Callable[[], str]
    ) -> None:
        """Cause, hold for the fault's duration, undo: undone whatever happens meanwhile."""
        self.note(record, cause())
        try:
            if not self.wait_until(record.fault.ends):
                record.notes.append("undone early: the mission was over")
        finally:
            self.note(record, undo())


Handler = Callable[[FaultScene, FaultRecord], None]
"""Causes one fault (and undoes it, for an outage); raises when it cannot be caused."""
