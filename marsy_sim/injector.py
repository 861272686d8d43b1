"""Carries out a fault plan during a mission: one thread per fault, each on the mission's time.

An outage (broker killed or frozen, store killed, link cut, agent frozen;
:mod:`marsy_sim.outages`) is caused at its time and undone after its duration, whatever happens
in between: :meth:`FaultRunner.settle` undoes what is still in force when the mission is over.
An attack (:mod:`marsy_sim.attacks`) opens the satellite's real login (:mod:`marsy_sim.intruder`)
and sends its forgeries (:mod:`marsy_sim.forgeries`); a flood (:mod:`marsy_sim.flood`) takes
the satellite's computer over: its agent is stopped while the junk goes out through its login,
and the recorders' health is watched meanwhile. Every fault leaves a :class:`FaultRecord`: when
it began and ended on the mission clock (to find it in Command's timeline) and what happened,
in words.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable

from marsy.clock import MissionClock
from marsy_sim.attacks import ATTACK_HANDLERS
from marsy_sim.fault_scene import FaultRecord, FaultScene, Handler, Hands
from marsy_sim.faults import FaultKind, ScriptedFault
from marsy_sim.flood import flood
from marsy_sim.outages import OUTAGE_HANDLERS

__all__ = ["FaultRecord", "FaultRunner", "Hands"]

logger = logging.getLogger(__name__)

HANDLERS: dict[FaultKind, Handler] = {**OUTAGE_HANDLERS, **ATTACK_HANDLERS, FaultKind.FLOOD: flood}
"""Every kind of fault, and what causes it."""


class FaultRunner:
    def __init__(
        self,
        faults: tuple[ScriptedFault, ...],
        hands: Hands,
        clock: MissionClock,
        say: Callable[[str], None],
    ) -> None:
        self.records = [FaultRecord(f) for f in sorted(faults, key=lambda f: f.at)]
        self.scene = FaultScene(hands, clock, say)
        self._threads: list[threading.Thread] = []

    def begin(self, mission_id: str, began: float) -> None:
        """The mission started at wall time ``began`` (monotonic): schedule every fault."""
        self.scene.mission_id = mission_id
        self.scene.began = began
        for record in self.records:
            thread = threading.Thread(
                target=self._run, args=(record,), name=f"fault-{record.fault.name}", daemon=True
            )
            self._threads.append(thread)
            thread.start()

    def elapsed(self) -> float:
        return self.scene.elapsed()

    def settle(self, timeout: float = 60.0) -> None:
        """The mission is over: undo what is still in force, let the attacks finish."""
        self.scene.ending.set()
        deadline = time.monotonic() + timeout
        for thread in self._threads:
            thread.join(max(0.1, deadline - time.monotonic()))

    def summary(self) -> list[str]:
        return [str(record) for record in self.records]

    def _run(self, record: FaultRecord) -> None:
        scene = self.scene
        if not scene.wait_until(record.fault.at):
            return
        record.started = scene.clock.now()
        name = record.fault.name
        try:
            HANDLERS[record.fault.kind](scene, record)
        except Exception as exc:  # a fault that could not be caused says so; the flight goes on
            logger.exception("fault %s failed", name)
            record.notes.append(f"failed: {exc}")
        finally:
            record.ended = scene.clock.now()
            scene.say(f"fault {name} over at +{scene.elapsed():.0f} s")
