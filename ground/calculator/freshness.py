"""Is the store as fresh as the bus? Pure: per vehicle, what it said on the bus against what the
store holds, and what its recorder says of itself.

A stale store is a ground fault (InfluxDB down, an ingest lagging behind a flood), never a
vehicle's: it raises GROUND alerts naming the part at fault, ``store`` when the store cannot be
read or written, ``ingest`` when it trails the bus by more than the threshold. Limits and rates
are still judged on whatever the store holds; loss of signal never comes from the store.
"""

from __future__ import annotations

from dataclasses import dataclass

from ground.calculator.liveness import RecorderHealth
from ground.calculator.rules import Finding
from marsy.protocol import AlertRule, Device, Service, Severity
from marsy.store.schema import PAYLOAD_DEVICES

STORE = "store"
INGEST = "ingest"


def recorder_of(device: Device) -> Service:
    """The ground service that writes ``device``'s samples (one writer per series)."""
    return Service.PAYLOAD if device in PAYLOAD_DEVICES else Service.TELEMETRY


@dataclass(frozen=True)
class StoreView:
    """What one cycle learnt of the store for one vehicle."""

    newest: float | None
    """Timestamp of the newest stored sample of this mission found (bounded reads)."""
    error: str | None = None
    """Why the read failed this cycle, if it did."""


@dataclass(frozen=True)
class BusRecord:
    """What the bus had carried of one vehicle this mission, to hold the store against.

    Each newest sample is the one heard by an instant at least a data path's latency back (the
    evaluated instant, the instant the recorder's heartbeat speaks for): a vehicle that speaks
    again after a silence must not make the store look behind by the length of its silence.
    """

    spoke: bool
    first_sample: float | None = None
    by_now: float | None = None
    """The newest sample heard by the evaluated instant."""
    by_report: float | None = None
    """The newest sample heard by the instant the recorder's heartbeat speaks for."""


def _store_trail(bus: BusRecord, stored: float | None) -> float | None:
    if bus.by_now is None:
        return None
    reference = stored if stored is not None else bus.first_sample
    if reference is None:
        return None
    return max(0.0, bus.by_now - reference)


def _recorder_trail(bus: BusRecord, health: RecorderHealth | None) -> float | None:
    """How far behind the bus the recorder's newest handed-over sample was when it said so."""
    if health is None or health.message.ingest_lag is None or bus.by_report is None:
        return None
    handed = health.message.ts - health.message.ingest_lag
    return max(0.0, bus.by_report - handed)


def store_findings(
    device: Device,
    bus: BusRecord,
    store: StoreView,
    recorder: RecorderHealth | None,
    now: float,
    threshold: float,
) -> list[Finding]:
    """GROUND ``store`` and ``ingest`` findings for a vehicle that spoke this mission on the bus.

    ``recorder`` is the heartbeat of the service that writes this vehicle's samples; one older
    than ``threshold`` is not believed (the ingest may be gone; the store comparison tells).
    """
    if not bus.spoke:
        return []
    if recorder is not None and now - recorder.heard > threshold:
        recorder = None
    name = recorder_of(device)
    findings: list[Finding] = []
    if store.error is not None:
        message = f"store unreachable: reads of the {device} fail ({store.error})"
    elif recorder is not None and recorder.message.store_ok is False:
        message = (
            f"store unreachable: the {name} ingest cannot write, "
            f"{recorder.message.pending} messages waiting"
        )
    else:
        message = ""
    severity = Severity.YELLOW if message else Severity.NOMINAL
    findings.append(Finding(device, AlertRule.GROUND, STORE, severity, message=message))
    if store.error is not None:
        return findings  # the store's freshness is unknown this cycle, not back to normal
    trails = [
        t
        for t in (_store_trail(bus, store.newest), _recorder_trail(bus, recorder))
        if t is not None
    ]
    trail = max(trails, default=0.0)
    if trail <= threshold:
        findings.append(Finding(device, AlertRule.GROUND, INGEST, Severity.NOMINAL))
        return findings
    said = ""
    if recorder is not None and recorder.message.ingest_lag is not None:
        said = (
            f" (the {name} ingest reports {recorder.message.ingest_lag:.0f} s behind, "
            f"{recorder.message.pending} pending)"
        )
    findings.append(
        Finding(
            device,
            AlertRule.GROUND,
            INGEST,
            Severity.YELLOW,
            trail,
            threshold,
            f"ground data stale {trail:.0f} s: ingest lag, the store trails the {device}'s "
            f"data on the bus{said}",
        )
    )
    return findings
