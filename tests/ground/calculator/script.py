"""A scripted bus for the calculator's tests: it feeds the evaluator as the service's threads
would (the rocket's samples and heartbeats, our own heartbeat coming back, the connection's
state) and runs a cycle every 2 s."""

from __future__ import annotations

from dataclasses import dataclass, field

from ground.calculator.evaluator import Evaluator
from marsy.protocol import Alert, AlertRule, Device
from tests.ground.calculator.heard import MISSION, heartbeat, sample, service_health

STEP = 0.5
"""Mission seconds between two deliveries."""


@dataclass
class Bus:
    """What the bus does each half second: who speaks, whether it relays, whether we are on it."""

    calc: Evaluator
    alerts: list[Alert]
    t: float
    mission: str = MISSION
    rocket_speaks: bool = True
    rocket_beats: bool = False
    relays: bool = True
    connected: bool = True
    held: list[float] = field(default_factory=list)
    """Our own heartbeats a frozen broker keeps until it thaws."""

    def run(self, seconds: float) -> None:
        end = self.t + seconds
        while self.t < end - 1e-9:
            self.t += STEP
            self.calc.connection(self.connected, self.t)
            if self.connected:
                if self.relays:
                    for sent in [*self.held, self.t]:
                        self.calc.hear(service_health("calculator", sent), self.t)
                    self.held.clear()
                else:
                    self.held.append(self.t)
            if self.rocket_speaks and self.connected and self.relays:
                self.calc.hear(sample(Device.ROCKET, self.t, mission=self.mission), self.t)
            beat = round(self.t / STEP) % 10 == 0
            if self.rocket_beats and beat and self.connected and self.relays:
                self.calc.hear(heartbeat(Device.ROCKET, self.t, mission=self.mission), self.t)
            if round(self.t / STEP) % 4 == 0:
                self.calc.evaluate(self.t)

    def raised(self, rule: AlertRule) -> list[Alert]:
        return [a for a in self.alerts if a.rule is rule and not a.cleared]

    def cleared(self, rule: AlertRule) -> list[Alert]:
        return [a for a in self.alerts if a.rule is rule and a.cleared]
