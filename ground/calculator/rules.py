"""The calculator's rules, pure: recent samples of one device in, findings out.

- limits: every parameter with yellow/red limits in the dictionary, for the phase each sample
  was taken in; the worst sample of the window counts. Suit parameters are crew vitals.
- rates: altitude falling during powered ascent, cabin or suit pressure dropping, first-stage
  propellant burning abnormally fast.

Loss of signal and the ground's own health are judged elsewhere (:mod:`.signal`,
:mod:`.freshness`): never from the store, which a ground fault can leave stale.

A finding is NOMINAL when its check passed: the evaluator clears an alert on it.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from marsy.protocol import BY_DEVICE, AlertRule, Device, FlightPhase, Parameter, Severity, parameter


@dataclass(frozen=True)
class Sample:
    ts: float
    """Mission time, seconds."""
    phase: FlightPhase
    values: Mapping[str, float]


@dataclass(frozen=True)
class Finding:
    device: Device
    rule: AlertRule
    parameter: str | None
    severity: Severity
    value: float | None = None
    limit: float | None = None
    message: str = ""

    @property
    def key(self) -> tuple[Device, AlertRule, str | None]:
        return (self.device, self.rule, self.parameter)


FIRST_STAGE = frozenset({FlightPhase.ASCENT, FlightPhase.MAX_Q})
"""Powered flight on the first stage. The upper stage may trade a little altitude for speed
near orbit insertion, so a falling altitude is only an alarm below staging."""


@dataclass(frozen=True)
class RateRule:
    """A parameter whose rate of change (per second, over the window) is watched."""

    watched: Parameter
    """From the dictionary: a misspelt name fails when this module is imported."""
    phases: frozenset[FlightPhase] | None
    """Only in these phases (``None``: always)."""
    yellow: float
    red: float
    falling: bool
    """True: alarm when it falls faster than the thresholds; False: when it rises faster."""
    what: str

    @property
    def device(self) -> Device:
        return self.watched.device

    @property
    def parameter(self) -> str:
        return self.watched.name


RATE_RULES: tuple[RateRule, ...] = (
    RateRule(
        parameter(Device.ROCKET, "altitude"),
        FIRST_STAGE,
        yellow=20.0,
        red=50.0,
        falling=True,
        what="altitude falling during powered ascent",
    ),
    RateRule(
        parameter(Device.ROCKET, "cabin_pressure"),
        None,
        yellow=200.0,
        red=1000.0,
        falling=True,
        what="cabin pressure dropping",
    ),
    RateRule(
        parameter(Device.SUIT, "suit_pressure"),
        None,
        yellow=500.0,
        red=2000.0,
        falling=True,
        what="suit pressure dropping",
    ),
    RateRule(
        parameter(Device.ROCKET, "fuel_stage1"),
        FIRST_STAGE,
        yellow=1.6,
        red=3.0,
        falling=True,
        what="abnormal first-stage propellant burn",
    ),
)
MIN_RATE_SPAN = 1.0
"""Seconds of data a rate needs, so that sensor noise is not read as a trend."""


def limit_findings(device: Device, samples: Sequence[Sample]) -> list[Finding]:
    """One finding per limited parameter seen in the window: its worst sample."""
    rule = AlertRule.VITALS if device is Device.SUIT else AlertRule.LIMIT
    worst: dict[str, Finding] = {}
    for sample in samples:
        for name, value in sample.values.items():
            param = BY_DEVICE[device].get(name)
            if param is None or (param.default_limits is None and not param.limits):
                continue
            severity, bound = param.classify(sample.phase, value)
            current = worst.get(name)
            if current is None or severity.rank > current.severity.rank:
                message = (
                    ""
                    if bound is None
                    else (
                        f"{device} {name} {value:g} {param.unit} beyond the {severity} limit "
                        f"{bound:g} in {sample.phase}"
                    )
                )
                worst[name] = Finding(device, rule, name, severity, float(value), bound, message)
    return list(worst.values())


def rate_findings(device: Device, samples: Sequence[Sample]) -> list[Finding]:
    findings = []
    for rule in RATE_RULES:
        if rule.device is not device:
            continue
        points = [
            (s.ts, s.values[rule.parameter])
            for s in samples
            if rule.parameter in s.values and (rule.phases is None or s.phase in rule.phases)
        ]
        severity, rate = Severity.NOMINAL, None
        if len(points) >= 2 and points[-1][0] - points[0][0] >= MIN_RATE_SPAN:
            rate = (points[-1][1] - points[0][1]) / (points[-1][0] - points[0][0])
            change = -rate if rule.falling else rate
            if change > rule.red:
                severity = Severity.RED
            elif change > rule.yellow:
                severity = Severity.YELLOW
        limit = {Severity.RED: rule.red, Severity.YELLOW: rule.yellow}.get(severity)
        message = "" if severity is Severity.NOMINAL else (f"{rule.what}: {rate:+.1f} /s")
        findings.append(
            Finding(device, AlertRule.RATE, rule.parameter, severity, rate, limit, message)
        )
    return findings
