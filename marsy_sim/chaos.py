"""The chaos monkey of the original design, built in: during the flight it SIGKILLs ground
services, the ingest or an agent, or restarts the broker, on a seeded schedule printed up
front. The supervisor restarts what was killed (as systemd would); the monkey measures how long
each recovery took, to the moment data flow again (:mod:`marsy_sim.recovery`): an agent's
samples stored again, a round trip through the broker, a service's health check answered. A
process that is back but passes nothing on has not recovered.
"""

from __future__ import annotations

import random
import signal
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Protocol

from devservers.process import LocalServer
from marsy.clock import MissionClock
from marsy.protocol import Device, Service
from marsy_sim.children import Supervisor
from marsy_sim.plan import GROUND, Plan
from marsy_sim.recovery import Probes

BROKER = "broker"
AGENT = "agent-"
TARGETS = (*[f"{AGENT}{d}" for d in Device], *GROUND, BROKER)


@dataclass(frozen=True)
class Fault:
    at: float
    """Mission seconds after the mission started."""
    target: str


PROBE_EVERY = 0.25
"""Wall seconds between two looks at the victims not yet recovered."""


@dataclass
class Injected:
    fault: Fault
    wall: float
    recovered_after: float | None = None
    """Wall seconds until the target's data flowed again."""
    back_at: float | None = None
    """Mission time the monkey saw the target's new process (a restarted child)."""


class Recovery(Protocol):
    """How a victim is seen back (:class:`marsy_sim.recovery.Probes`)."""

    mission_id: str | None

    def stored_since(self, device: Device, since: float) -> bool: ...

    def round_trip(self, since: float) -> bool: ...

    def answers(self, url: str) -> bool: ...

    def close(self) -> None: ...


def schedule(
    seed: int,
    count: int = 5,
    start: float = 20.0,
    end: float = 420.0,
    targets: tuple[str, ...] = TARGETS,
) -> list[Fault]:
    """The same seed draws the same faults. Without the broker among ``targets`` (a broker the
    simulation did not start), its draws go to the other targets."""
    rng = random.Random(seed)
    times = sorted(rng.uniform(start, end) for _ in range(count))
    faults = [Fault(round(t, 1), rng.choice(TARGETS)) for t in times]
    spare = [t for t in targets if t != BROKER]
    return [
        f if f.target in targets else Fault(f.at, spare[int(f.at * 10) % len(spare)])
        for f in faults
    ]


class ChaosMonkey:
    def __init__(
        self,
        faults: list[Fault],
        supervisor: Supervisor,
        broker: LocalServer | None,
        plan: Plan,
        say: Callable[[str], None],
        probes: Recovery | None = None,
    ) -> None:
        self.pending = list(faults)
        self.supervisor = supervisor
        self.broker = broker
        self.plan = plan
        self.say = say
        self.injected: list[Injected] = []
        self.clock = MissionClock(plan.epoch, plan.warp)
        self._probes = probes
        self._looked = float("-inf")

    @property
    def probes(self) -> Recovery:
        """Opened at the first use: a monkey that never strikes connects to nothing."""
        if self._probes is None:
            self._probes = Probes(
                self.plan.broker.settings_for(str(Service.OBSERVER)),
                self.plan.store.settings(),
                self.clock,
            )
        return self._probes

    def begin(self, mission_id: str) -> None:
        """The mission flown: an agent is back once its samples of it are stored again."""
        self.probes.mission_id = mission_id

    def tick(self, elapsed: float) -> None:
        """Inject what is due at ``elapsed`` mission seconds; note recoveries."""
        while self.pending and self.pending[0].at <= elapsed:
            fault = self.pending.pop(0)
            self.say(
                f"chaos: {'restarting' if fault.target == BROKER else 'SIGKILL'} "
                f"{fault.target} at +{fault.at:.0f} s"
            )
            struck = time.monotonic()  # the broker's restart is part of its recovery
            if fault.target == BROKER and self.broker is not None:
                self.broker.restart()
            else:
                self.supervisor.kill(fault.target, signal.SIGKILL)
            self.injected.append(Injected(fault, struck))
        if time.monotonic() - self._looked < PROBE_EVERY:
            return
        self._looked = time.monotonic()
        for item in self.injected:
            if item.recovered_after is None and self._recovered(item):
                item.recovered_after = time.monotonic() - item.wall
                self.say(f"chaos: {item.fault.target} back after {item.recovered_after:.1f} s")

    def settle(self, timeout: float = 30.0) -> None:
        """After the flight: give the last victims time to come back before the summary."""
        deadline = time.monotonic() + timeout
        while any(i.recovered_after is None for i in self.injected):
            if time.monotonic() > deadline:
                return
            self.supervisor.check()
            self.tick(float("-inf"))
            time.sleep(PROBE_EVERY)

    def _recovered(self, item: Injected) -> bool:
        """Whether the victim's data flow again since the fault."""
        target = item.fault.target
        if target == BROKER:
            running = self.broker is not None and self.broker.process.running()
            return running and self.probes.round_trip(item.wall)
        child = self.supervisor.children.get(target)
        if child is None or child.proc is None or child.proc.poll() is not None:
            return False
        if child.started_at < item.wall:
            return False  # still the killed process, not yet restarted
        if item.back_at is None:
            item.back_at = self.clock.now()
        if target.startswith(AGENT):
            device = Device(target.removeprefix(AGENT))
            return self.probes.stored_since(device, item.back_at)
        return self.probes.answers(f"{self.plan.url(target)}/health")

    def close(self) -> None:
        if self._probes is not None:
            self._probes.close()

    def summary(self) -> list[str]:
        return [
            f"+{i.fault.at:.0f} s {i.fault.target}: "
            + (
                f"recovered in {i.recovered_after:.1f} s"
                if i.recovered_after is not None
                else "not recovered"
            )
            for i in self.injected
        ]
