"""The flood fault: the satellite's own computer taken over to flood the ground with junk, and
the recorders' health watched while it lasts.

Apart from the other attacks because it is judged by the ground's health (ingest lag, queues,
rate limiting, dead letters) rather than by a verdict per message, and it needs a watcher
thread of its own for that.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from marsy.protocol import Channel
from marsy_sim.attacks import intruder, topics
from marsy_sim.fault_scene import FaultRecord, FaultScene
from marsy_sim.faults import FLOODER
from marsy_sim.outages import agent_named, continue_agent, stop_agent
from marsy_sim.rest import call

GAUGE_EVERY = 0.2
"""Wall seconds between two looks at the recorders' health during a flood."""
RECORDERS = ("telemetry", "payload")
"""The ground recorders a flood is judged by: the flight ingest and the satellite's recorder."""


def flood(scene: FaultScene, record: FaultRecord) -> None:
    """The satellite's own computer floods: its agent stopped, the junk sent through its
    login (and so its client id and session), the agent continued once the flood is over.
    Nobody else holds the login meanwhile, so nothing kicks the flood off the broker."""
    name = agent_named(scene, FLOODER)
    count = record.fault.count
    topic = topics(scene).topic(Channel.TELEMETRY, FLOODER)
    scene.note(record, stop_agent(scene, name))
    gauges = _Gauges(scene.hands.urls)
    try:
        scene.note(record, f"{count} junk messages on {topic} through the {FLOODER}'s login")
        login = scene.hands.logins.settings_for(str(FLOODER))
        client = intruder(
            scene,
            str(FLOODER),
            clean_start=False,  # the agent's own session: it finds it again when continued
            session_expiry=login.session_expiry,
            reconnect=True,
        )
        gauges.start()
        try:
            outcome = client.flood(
                topic, count, record.fault.duration / scene.clock.warp, scene.ending
            )
        finally:
            client.close()
        scene.note(record, str(outcome))
    finally:
        scene.note(record, continue_agent(scene, name))
        for line in gauges.stop():
            scene.note(record, line)


_COUNTED = ("received", "rate_limited", "dead_lettered")


@dataclass
class _Gauge:
    """A recorder's health as seen during a flood: its peaks, and its counts at both ends."""

    lag: float | None = None
    queued: int = 0
    queued_now: int = 0
    first: dict[str, int] = field(default_factory=dict)
    last: dict[str, int] = field(default_factory=dict)

    def take(self, recorder: dict[str, Any]) -> None:
        lag = recorder.get("ingest_lag")
        if isinstance(lag, int | float) and (self.lag is None or lag > self.lag):
            self.lag = float(lag)
        self.queued_now = int(recorder.get("queued") or 0)
        self.queued = max(self.queued, self.queued_now)
        counts = {key: int(recorder.get(key) or 0) for key in _COUNTED}
        self.first = self.first or counts
        self.last = counts

    def __str__(self) -> str:
        if not self.last:
            return "no health answered"
        lag = "no lag known" if self.lag is None else f"ingest lag peaked at {self.lag:.1f} s"
        moved = ", ".join(
            f"{self.last[key] - self.first[key]} {key.replace('_', '-')}" for key in _COUNTED
        )
        return f"{lag}, {self.queued} queued at most; meanwhile {moved}"


class _Gauges:
    """Watches the recorders' health on a thread of its own while a flood lasts."""

    def __init__(self, urls: Callable[[str], str]) -> None:
        self._urls = urls
        self._gauges = {name: _Gauge() for name in RECORDERS}
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name="flood-gauges", daemon=True)

    def start(self) -> None:
        self._thread.start()

    def stop(self, drain: float = 5.0) -> list[str]:
        """Stop watching once the recorders' queues are empty (or after ``drain`` wall
        seconds); one line per recorder."""
        deadline = time.monotonic() + (drain if self._thread.is_alive() else 0.0)
        while time.monotonic() < deadline and any(
            g.queued_now or not g.last for g in self._gauges.values()
        ):
            time.sleep(GAUGE_EVERY)
        self._stop.set()
        if self._thread.is_alive():
            self._thread.join(5.0)
        return [f"{name}: {gauge}" for name, gauge in self._gauges.items()]

    def _run(self) -> None:
        while True:
            for name, gauge in self._gauges.items():
                try:
                    health = call("GET", f"{self._urls(name)}/health", timeout=1.0)
                except (OSError, ValueError):
                    continue
                # the payload service nests its recorder's health under "storage"
                gauge.take(health.get("storage", health))
            if self._stop.wait(GAUGE_EVERY):
                return
