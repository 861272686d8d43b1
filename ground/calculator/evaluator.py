"""One evaluation cycle: the bus's word on liveness first, then each device's recent stored window.

The bus rules (our own view of the bus, loss of signal) need no store and come first, so an
InfluxDB that stops answering delays none of them. Reads are bounded on both sides in time, so
a cycle costs the same at minute 1 and at hour 10; only when the store trails the bus does one
more bounded read look for its newest sample. An alert is published when a check's severity
changes, and a cleared alert when it is back to nominal; nothing is repeated every cycle.

The service's listener feeds :meth:`Evaluator.hear` and :meth:`Evaluator.connection` from its own
thread; a cycle works on a copy of the liveness taken under a lock.
"""

from __future__ import annotations

import copy
import logging
import threading
import time
from collections import deque
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

from ground.calculator.freshness import BusRecord, StoreView, recorder_of, store_findings
from ground.calculator.liveness import Liveness
from ground.calculator.rules import Finding, Sample, limit_findings, rate_findings
from ground.calculator.signal import signal_finding, view_finding
from ground.calculator.status import describe
from marsy.protocol import (
    BY_DEVICE,
    Alert,
    AlertRule,
    Device,
    FlightPhase,
    Message,
    MissionState,
    Severity,
)
from marsy.store import InfluxError, InfluxUnavailable, WindowReads

logger = logging.getLogger(__name__)

STORE_HORIZON = 300.0
"""Mission seconds back a stale store is searched for its newest sample (a bounded read)."""
RECENT = 50
"""Alerts (raised and cleared) kept for ``/health``."""
HISTORY = 256
"""Cycles of "newest sample heard on the bus" kept, to find what the bus had carried by an
instant a data path's latency back (one wall second: a few cycles even under time warp)."""

Key = tuple[Device, AlertRule, str | None]


@dataclass
class EvaluatorStats:
    cycles: int = 0
    last_evaluation: float | None = None
    """Mission time evaluated last."""
    last_duration: float | None = None
    """Wall seconds the last cycle took."""
    alerts_published: int = 0
    read_failures: int = 0
    """Cycles in which a store read failed."""


@dataclass
class Evaluator:
    readers: Mapping[Device, WindowReads]
    """The devices whose stored windows are judged, and the store each is read from."""
    publish: Callable[[Alert], None]
    window: float = 4.0
    """Mission seconds of data each cycle reads."""
    loss_of_signal: float = 5.0
    """Mission seconds of silence (of a vehicle, of our own loopback, of the store behind the
    bus) that count as lost or stale."""
    heartbeat_timeout: float = 12.0
    """Mission seconds after its last heartbeat that a device still counts as heartbeating."""
    reconnect_grace: float = 0.0
    """Mission seconds more a vehicle gets to speak once our own dropped connection is back."""
    source: str = "calculator"
    stats: EvaluatorStats = field(default_factory=EvaluatorStats)
    mission_id: str | None = None
    liveness: Liveness = field(init=False)
    recent: deque[dict[str, Any]] = field(default_factory=lambda: deque(maxlen=RECENT))
    _lock: threading.Lock = field(default_factory=threading.Lock)
    _active: dict[Key, Finding] = field(default_factory=dict)
    _raised: dict[Key, float] = field(default_factory=dict)
    _stored: dict[Device, float] = field(default_factory=dict)
    _heard: deque[tuple[float, dict[Device, float | None]]] = field(
        default_factory=lambda: deque(maxlen=HISTORY)
    )
    _store_error: str | None = None
    _seq: int = field(default_factory=lambda: int(time.time() * 1000))

    def __post_init__(self) -> None:
        self.liveness = Liveness(self.loss_of_signal, own_name=self.source)

    # --- fed by the service's threads ----------------------------------------------------------

    def start_mission(self, mission_id: str, state: MissionState | None = None) -> None:
        """A new mission (from any thread): the next cycle forgets the previous one's alerts."""
        with self._lock:
            self.liveness.follow_mission(mission_id, state)

    def hear(self, message: Message, at: float, wall: float | None = None) -> None:
        """A message from the bus, its origin checked, arrived at mission time ``at``."""
        with self._lock:
            self.liveness.hear(message, at, time.time() if wall is None else wall)

    def connection(self, connected: bool, at: float, backlog: int = 0) -> None:
        """The bus's connection state now, and how many deliveries wait in our queue."""
        with self._lock:
            self.liveness.connection(connected, at, backlog)

    def snapshot(self) -> Liveness:
        with self._lock:
            return copy.deepcopy(self.liveness)

    # --- the cycle -----------------------------------------------------------------------------

    def evaluate(self, now: float, bus_now: float | None = None) -> list[Finding]:
        """Evaluate the stored window ending at mission time ``now`` and the bus as of
        ``bus_now`` (default ``now``); returns the changes published."""
        bus_now = now if bus_now is None else bus_now
        settle = bus_now - now
        view = self.snapshot()
        self._follow(view.mission_id)
        if self.mission_id is None:
            return []
        began = time.perf_counter()
        self._heard.append((bus_now, {d: v.newest_sample for d, v in view.devices.items()}))
        changes = self._apply(self._bus_findings(view, bus_now), now)
        unavailable: str | None = None
        failed = False
        for device, reader in self.readers.items():
            findings, error = self._store_findings(device, reader, view, now, settle, unavailable)
            if isinstance(error, InfluxUnavailable):
                unavailable = str(error)  # the same server: no use waiting on it again
            failed = failed or error is not None
            changes += self._apply(findings, now)
        if failed:
            self.stats.read_failures += 1
        else:
            self._note_store_error(None)
        self.stats.cycles += 1
        self.stats.last_evaluation = now
        self.stats.last_duration = time.perf_counter() - began
        return changes

    def _store_findings(
        self,
        device: Device,
        reader: WindowReads,
        view: Liveness,
        now: float,
        settle: float,
        unavailable: str | None,
    ) -> tuple[list[Finding], InfluxError | None]:
        """Limits and rates on the stored window, and the store's freshness against the bus;
        the read's error, if any. ``unavailable``: the server already failed this cycle."""
        heard = view.devices[device]
        by_now = self._heard_by(device, now)
        samples: list[Sample] = []
        error: InfluxError | None = None
        store = StoreView(None, unavailable)
        if unavailable is None:
            try:
                samples, store = self._read(device, reader, by_now, now)
            except InfluxError as exc:
                error, store = exc, StoreView(None, str(exc))
        else:
            error = InfluxUnavailable(unavailable)
        recorder = view.recorders.get(recorder_of(device))
        bus = BusRecord(
            heard.spoke,
            heard.first_sample,
            by_now,
            # the recorder's word is held against what it had a data path's time to take
            None if recorder is None else self._heard_by(device, recorder.message.ts - settle),
        )
        findings = store_findings(device, bus, store, recorder, now, self.loss_of_signal)
        if store.error is None:
            findings += [*limit_findings(device, samples), *rate_findings(device, samples)]
        else:
            self._note_store_error(store.error)
        return findings, error

    def _bus_findings(self, view: Liveness, now: float) -> list[Finding]:
        """The broker view, then loss of signal only on a view live for the whole threshold."""
        threshold = self.loss_of_signal
        findings = []
        broker = view_finding(view.loopback, now, threshold)
        if broker is not None:
            findings.append(broker)
        loop = view.loopback
        if loop.settled(now, threshold, self.reconnect_grace) and loop.echo_sent is not None:
            findings += [
                signal_finding(
                    device,
                    view.devices[device],
                    min(now, loop.echo_sent),
                    threshold,
                    self.heartbeat_timeout,
                    mission_over=view.mission_over,
                )
                for device in Device
            ]
        return findings

    def _follow(self, mission_id: str | None) -> None:
        if mission_id is not None and mission_id != self.mission_id:
            self.mission_id = mission_id
            self._active.clear()
            self._raised.clear()
            self._stored.clear()
            self._heard.clear()

    def _heard_by(self, device: Device, instant: float) -> float | None:
        """The newest sample of ``device`` the bus had carried by ``instant`` (a cycle's
        granularity), ``None`` if that is before what this mission's cycles remember."""
        for at, newest in reversed(self._heard):
            if at <= instant:
                return newest[device]
        return None

    def _read(
        self, device: Device, reader: WindowReads, on_bus: float | None, now: float
    ) -> tuple[list[Sample], StoreView]:
        """The window, and the newest stored sample: ``on_bus`` is the newest the bus had
        carried by ``now``."""
        assert self.mission_id is not None
        samples = self._samples(device, reader, now)
        newest = _later(self._stored.get(device), samples[-1].ts if samples else None)
        if on_bus is not None and (newest is None or on_bus - newest > self.loss_of_signal):
            # The window says nothing of how far behind the store is: ask for its newest point.
            latest = reader.latest(device, self.mission_id, now, 1, STORE_HORIZON)
            newest = _later(newest, latest[0].time_ns / 1e9 if latest else None)
        if newest is not None:
            self._stored[device] = newest
        return samples, StoreView(newest)

    def _samples(self, device: Device, reader: WindowReads, now: float) -> list[Sample]:
        assert self.mission_id is not None
        known = BY_DEVICE[device]
        samples = []
        for point in reader.window(device, self.mission_id, now - self.window, now):
            try:
                phase = FlightPhase(str(point.fields.get("phase")))
            except ValueError:
                continue
            values = {k: float(v) for k, v in point.fields.items() if k in known}
            samples.append(Sample(point.time_ns / 1e9, phase, values))
        return samples

    def _note_store_error(self, error: str | None) -> None:
        if error is not None and self._store_error is None:
            logger.warning("store reads fail, the ground's stored view is stale: %s", error)
        elif error is None and self._store_error is not None:
            logger.info("store reads answer again")
        self._store_error = error

    # --- publishing changes --------------------------------------------------------------------

    def _apply(self, findings: list[Finding], now: float) -> list[Finding]:
        return [f for f in findings if self._changed(f, now)]

    def _changed(self, finding: Finding, now: float) -> bool:
        previous = self._active.get(finding.key)
        if finding.severity is Severity.NOMINAL:
            if previous is None:
                return False
            del self._active[finding.key]
            raised = self._raised.pop(finding.key, now)
            self._send(previous, now, f"cleared after {now - raised:.0f} s: {previous.message}")
            return True
        if previous is not None and previous.severity is finding.severity:
            return False
        self._active[finding.key] = finding
        self._raised.setdefault(finding.key, now)
        self._send(finding, now)
        return True

    def _send(self, finding: Finding, now: float, cleared: str | None = None) -> None:
        assert self.mission_id is not None
        self._seq += 1
        alert = Alert(
            mission_id=self.mission_id,
            source=self.source,
            seq=self._seq,
            ts=now,
            device=finding.device,
            rule=finding.rule,
            severity=finding.severity,
            cleared=cleared is not None,
            parameter=finding.parameter,
            value=finding.value,
            limit=finding.limit,
            message=(finding.message if cleared is None else cleared)[:2000],
        )
        self.recent.append(
            alert.model_dump(
                mode="json", include={"ts", "device", "rule", "severity", "cleared", "parameter"}
            )
            | {"message": alert.message}
        )
        self.publish(alert)
        self.stats.alerts_published += 1

    def active(self) -> list[Finding]:
        return list(self._active.values())

    def health(self, bus_now: float) -> dict[str, Any]:
        """Liveness per device and the ground's state, for ``GET /health``."""
        return describe(
            self.snapshot(), bus_now, self.loss_of_signal, self.reconnect_grace, dict(self._stored)
        )


def _later(a: float | None, b: float | None) -> float | None:
    if a is None:
        return b
    return a if b is None else max(a, b)
