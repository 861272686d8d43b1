"""The chaos monkey of the original design, built in: during the flight it SIGKILLs ground
services, the ingest or an agent, or restarts the broker, on a seeded schedule printed up
front. The supervisor restarts what was killed (as systemd would); the monkey measures how long
each recovery took.
"""

from __future__ import annotations

import random
import signal
import time
import urllib.request
from collections.abc import Callable
from dataclasses import dataclass

from devservers.process import LocalServer
from marsy.protocol import Device
from marsy_sim.children import Supervisor
from marsy_sim.plan import GROUND, Plan

BROKER = "broker"
TARGETS = (*[f"agent-{d}" for d in Device], *GROUND, BROKER)


@dataclass(frozen=True)
class Fault:
    at: float
    """Mission seconds after the mission started."""
    target: str


@dataclass
class Injected:
    fault: Fault
    wall: float
    recovered_after: float | None = None
    """Wall seconds until the target answered again."""


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
    ) -> None:
        self.pending = list(faults)
        self.supervisor = supervisor
        self.broker = broker
        self.plan = plan
        self.say = say
        self.injected: list[Injected] = []

    def tick(self, elapsed: float) -> None:
        """Inject what is due at ``elapsed`` mission seconds; note recoveries."""
        while self.pending and self.pending[0].at <= elapsed:
            fault = self.pending.pop(0)
            self.say(
                f"chaos: {'restarting' if fault.target == BROKER else 'SIGKILL'} "
                f"{fault.target} at +{fault.at:.0f} s"
            )
            if fault.target == BROKER and self.broker is not None:
                self.broker.restart()
            else:
                self.supervisor.kill(fault.target, signal.SIGKILL)
            self.injected.append(Injected(fault, time.monotonic()))
        for item in self.injected:
            if item.recovered_after is None and self._alive(item):
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
            time.sleep(0.1)

    def _alive(self, item: Injected) -> bool:
        target = item.fault.target
        if target == BROKER:
            return self.broker is not None and self.broker.process.running()
        child = self.supervisor.children.get(target)
        if child is None or child.proc is None or child.proc.poll() is not None:
            return False
        if child.started_at < item.wall:
            return False  # still the killed process, not yet restarted
        if target.startswith("agent-"):
            return True
        try:
            with urllib.request.urlopen(f"{self.plan.url(target)}/health", timeout=0.5):
                return True
        except OSError:
            return False

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
