"""Store freshness: the store against the bus, and what the recorder says of itself."""

from __future__ import annotations

from ground.calculator.freshness import BusRecord, StoreView, recorder_of, store_findings
from ground.calculator.liveness import RecorderHealth
from ground.calculator.rules import Finding
from marsy.protocol import AlertRule, Device, Service, Severity
from tests.ground.calculator.heard import service_health

T = 1_000.0
LOS = 20.0


def on_bus(newest: float, first: float = T - 600) -> BusRecord:
    """The bus had carried samples from ``first`` to ``newest``, by now and by the report."""
    return BusRecord(spoke=True, first_sample=first, by_now=newest, by_report=newest)


def by_part(findings: list[Finding]) -> dict[str | None, Finding]:
    assert all(f.rule is AlertRule.GROUND for f in findings)
    return {f.parameter: f for f in findings}


def ingest_report(heard: float, **kw: object) -> RecorderHealth:
    return RecorderHealth(heard, service_health("telemetry", heard, **kw))  # type: ignore[arg-type]


def test_a_store_as_fresh_as_the_bus_is_nominal() -> None:
    parts = by_part(store_findings(Device.ROCKET, on_bus(T), StoreView(T - 1), None, T, LOS))
    assert parts["store"].severity is Severity.NOMINAL
    assert parts["ingest"].severity is Severity.NOMINAL


def test_a_store_trailing_the_bus_is_a_stale_ground_not_a_silent_vehicle() -> None:
    """A flood: the ingest lags 40-80 s while every rocket sample is on the bus."""
    parts = by_part(store_findings(Device.ROCKET, on_bus(T), StoreView(T - 61), None, T, LOS))
    ingest = parts["ingest"]
    assert (ingest.severity, ingest.value, ingest.limit) == (Severity.YELLOW, 61.0, LOS)
    assert ingest.message.startswith("ground data stale 61 s: ingest lag")
    assert parts["store"].severity is Severity.NOMINAL


def test_a_store_that_holds_nothing_trails_from_the_first_sample_on_the_bus() -> None:
    heard = on_bus(T, first=T - 30)
    ingest = by_part(store_findings(Device.SUIT, heard, StoreView(None), None, T, LOS))["ingest"]
    assert ingest.severity is Severity.YELLOW and ingest.value == 30.0


def test_failed_reads_say_store_and_leave_the_freshness_unjudged() -> None:
    view = StoreView(None, "http://127.0.0.1:8086: timed out")
    parts = by_part(store_findings(Device.ROCKET, on_bus(T), view, None, T, LOS))
    assert list(parts) == ["store"]
    assert parts["store"].severity is Severity.YELLOW
    assert parts["store"].message.startswith("store unreachable: reads of the rocket fail")


def test_an_ingest_that_cannot_write_says_store() -> None:
    report = ingest_report(T - 1, ingest_lag=3.0, pending=1200, store_ok=False)
    parts = by_part(store_findings(Device.ROCKET, on_bus(T), StoreView(T - 3), report, T, LOS))
    assert parts["store"].severity is Severity.YELLOW
    assert "telemetry ingest cannot write, 1200 messages waiting" in parts["store"].message
    assert parts["ingest"].severity is Severity.NOMINAL


def test_the_ingest_reporting_a_lag_behind_the_bus_says_ingest() -> None:
    report = ingest_report(T - 1, ingest_lag=45.0, pending=9000, store_ok=True)
    bus = BusRecord(spoke=True, first_sample=T - 600, by_now=T, by_report=T - 1)
    parts = by_part(store_findings(Device.ROCKET, bus, StoreView(T - 2), report, T, LOS))
    ingest = parts["ingest"]
    assert ingest.severity is Severity.YELLOW and ingest.value == 45.0
    assert "the telemetry ingest reports 45 s behind, 9000 pending" in ingest.message


def test_an_ingest_lag_over_silent_vehicles_is_no_lag() -> None:
    """The ingest's lag is from its newest sample: vehicles that said nothing newer leave no
    gap behind the bus."""
    report = ingest_report(T - 1, ingest_lag=100.0, store_ok=True)
    quiet = on_bus(T - 101)
    parts = by_part(store_findings(Device.ROCKET, quiet, StoreView(T - 101), report, T, LOS))
    assert parts["ingest"].severity is Severity.NOMINAL


def test_an_old_recorder_report_is_not_believed() -> None:
    report = ingest_report(T - LOS - 1, store_ok=False)
    parts = by_part(store_findings(Device.ROCKET, on_bus(T), StoreView(T), report, T, LOS))
    assert parts["store"].severity is Severity.NOMINAL


def test_a_vehicle_speaking_again_after_a_silence_leaves_no_false_lag() -> None:
    """Silent 30 s, speaking again for a moment: by the evaluated instant (a data path back)
    the bus had carried nothing newer than the store holds."""
    bus = BusRecord(spoke=True, first_sample=T - 600, by_now=T - 30, by_report=T - 30)
    parts = by_part(store_findings(Device.ROCKET, bus, StoreView(T - 30), None, T, LOS))
    assert parts["ingest"].severity is Severity.NOMINAL


def test_nothing_is_judged_for_a_vehicle_silent_on_the_bus_this_mission() -> None:
    view = StoreView(None, "down")
    assert store_findings(Device.BOOSTER, BusRecord(spoke=False), view, None, T, LOS) == []


def test_each_vehicle_has_the_recorder_of_its_own_series() -> None:
    assert recorder_of(Device.SATELLITE) is Service.PAYLOAD
    assert {recorder_of(d) for d in (Device.ROCKET, Device.BOOSTER, Device.SUIT)} == {
        Service.TELEMETRY
    }
