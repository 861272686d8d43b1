"""The calculator's rules on hand-made windows."""

from __future__ import annotations

from ground.calculator.rules import Sample, limit_findings, rate_findings
from marsy.protocol import AlertRule, Device, FlightPhase, Severity


def window(phase: FlightPhase, rows: list[dict[str, float]], start: float = 100.0) -> list[Sample]:
    return [Sample(start + i * 0.1, phase, row) for i, row in enumerate(rows)]


def test_the_worst_sample_of_the_window_counts() -> None:
    samples = window(
        FlightPhase.MAX_Q,
        [
            {"dynamic_pressure": 30_000.0},
            {"dynamic_pressure": 52_000.0},
            {"dynamic_pressure": 41_000.0},
        ],
    )
    (finding,) = limit_findings(Device.ROCKET, samples)
    assert (finding.rule, finding.severity, finding.value, finding.limit) == (
        AlertRule.LIMIT,
        Severity.RED,
        52_000.0,
        50_000.0,
    )
    assert "dynamic_pressure" in finding.message


def test_limits_depend_on_the_phase() -> None:
    on_pad = limit_findings(Device.ROCKET, window(FlightPhase.PAD, [{"chamber_pressure": 0.0}]))
    in_ascent = limit_findings(
        Device.ROCKET, window(FlightPhase.ASCENT, [{"chamber_pressure": 0.0}])
    )
    assert on_pad[0].severity is Severity.NOMINAL
    assert in_ascent[0].severity is Severity.RED


def test_suit_limits_are_crew_vitals() -> None:
    (finding,) = limit_findings(Device.SUIT, window(FlightPhase.ASCENT, [{"spo2": 89.0}]))
    assert (finding.rule, finding.severity) == (AlertRule.VITALS, Severity.YELLOW)


def test_parameters_without_limits_are_not_checked() -> None:
    assert limit_findings(Device.ROCKET, window(FlightPhase.ASCENT, [{"altitude": 5.0}])) == []


def test_altitude_falling_in_powered_ascent_is_red() -> None:
    falling = window(FlightPhase.ASCENT, [{"altitude": 10_000.0 - 8.0 * i} for i in range(30)])
    rising = window(FlightPhase.ASCENT, [{"altitude": 10_000.0 + 8.0 * i} for i in range(30)])
    coasting = window(FlightPhase.COAST, [{"altitude": 10_000.0 - 8.0 * i} for i in range(30)])

    def altitude_rule(samples: list[Sample]) -> Severity:
        return next(
            f for f in rate_findings(Device.ROCKET, samples) if f.parameter == "altitude"
        ).severity

    assert altitude_rule(falling) is Severity.RED  # -80 m/s
    assert altitude_rule(rising) is Severity.NOMINAL
    assert altitude_rule(coasting) is Severity.NOMINAL


def test_a_rate_needs_a_second_of_data() -> None:
    short = window(
        FlightPhase.ASCENT, [{"cabin_pressure": 101_000.0}, {"cabin_pressure": 90_000.0}]
    )
    (cabin,) = [f for f in rate_findings(Device.ROCKET, short) if f.parameter == "cabin_pressure"]
    assert cabin.severity is Severity.NOMINAL
