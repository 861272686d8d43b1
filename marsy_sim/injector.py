"""Carries out a fault plan during a mission: one thread per fault, each on the mission's time.

An outage (broker killed or frozen, store killed, link cut, agent frozen) is caused at its time
and undone after its duration, whatever happens in between: :meth:`FaultRunner.settle` undoes
what is still in force when the mission is over. An attack opens the satellite's real login
(:mod:`marsy_sim.intruder`) and sends its forgeries (:mod:`marsy_sim.forgeries`); a flood takes
the satellite's computer over: its agent is stopped while the junk goes out through its login,
and the recorders' health is watched meanwhile. Every fault
leaves a :class:`FaultRecord`: when it began and ended on the mission clock (to find it in
Command's timeline) and what happened, in words.
"""

from __future__ import annotations

import json
import logging
import os
import signal
import threading
import time
import urllib.request
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from devservers.process import LocalServer
from marsy.clock import MissionClock
from marsy.protocol import Channel, CommandAction, Device, EventType, Topics
from marsy_sim.children import Supervisor
from marsy_sim.faults import FLOODER, FaultKind, ScriptedFault
from marsy_sim.forgeries import (
    ATTACKER,
    Envelope,
    Forgery,
    forged_events,
    forged_refusals,
    forged_telemetry,
)
from marsy_sim.intruder import Intruder, IntruderError
from marsy_sim.relay import Relay
from marsy_sim.servers import Broker

logger = logging.getLogger(__name__)

POLL = 0.01
"""Wall seconds between two looks at the payload's orders: the rocket answers in tens of
milliseconds, and a forged refusal must come first to be tried at all."""
GAUGE_EVERY = 0.2
"""Wall seconds between two looks at the recorders' health during a flood."""
RECORDERS = ("telemetry", "payload")
"""The ground recorders a flood is judged by: the flight ingest and the satellite's recorder."""


@dataclass
class FaultRecord:
    fault: ScriptedFault
    started: float | None = None
    """Mission clock (seconds since the epoch, as message timestamps) when it was caused."""
    ended: float | None = None
    """Mission clock when it was undone, or the attack was over."""
    notes: list[str] = field(default_factory=list)

    def __str__(self) -> str:
        head = f"+{self.fault.at:.0f} s {self.fault.name}"
        if self.fault.duration:
            head += f" for {self.fault.duration:.0f} s"
        if self.started is None:
            return f"{head}: not caused, the mission was over first"
        return f"{head}: {'; '.join(self.notes)}"


@dataclass(frozen=True)
class Hands:
    """What a fault plan acts on."""

    supervisor: Supervisor
    broker: LocalServer | None
    """The broker process, when this simulation started it."""
    store: LocalServer | None
    relay: Relay | None
    logins: Broker
    """The broker itself, not through the relay: an attacker is not on the vehicle's link."""
    urls: Callable[[str], str]
    """A ground service's base URL."""


class FaultRunner:
    def __init__(
        self,
        faults: tuple[ScriptedFault, ...],
        hands: Hands,
        clock: MissionClock,
        say: Callable[[str], None],
    ) -> None:
        self.records = [FaultRecord(f) for f in sorted(faults, key=lambda f: f.at)]
        self.hands = hands
        self.clock = clock
        self.say = say
        self.mission_id = ""
        self._began = time.monotonic()
        self._ending = threading.Event()
        self._threads: list[threading.Thread] = []
        self._handlers: dict[FaultKind, Callable[[FaultRecord], None]] = {
            FaultKind.BROKER_KILL: self._broker_kill,
            FaultKind.BROKER_FREEZE: self._broker_freeze,
            FaultKind.STORE_KILL: self._store_kill,
            FaultKind.LINK_CUT: self._link_cut,
            FaultKind.AGENT_FREEZE: self._agent_freeze,
            FaultKind.FLOOD: self._flood,
            FaultKind.FORGE_ABORT: self._forge_abort,
            FaultKind.FORGE_COMPLETE: self._forge_complete,
            FaultKind.FORGE_ACK: self._forge_ack,
            FaultKind.SEQ_JUMP: self._seq_jump,
            FaultKind.TAKEOVER: self._takeover,
        }

    # --- the mission's time -------------------------------------------------------------------

    def begin(self, mission_id: str, began: float) -> None:
        """The mission started at wall time ``began`` (monotonic): schedule every fault."""
        self.mission_id = mission_id
        self._began = began
        for record in self.records:
            thread = threading.Thread(
                target=self._run, args=(record,), name=f"fault-{record.fault.name}", daemon=True
            )
            self._threads.append(thread)
            thread.start()

    def elapsed(self) -> float:
        return (time.monotonic() - self._began) * self.clock.warp

    def _wait_until(self, at: float) -> bool:
        """Until mission second ``at``; ``False`` if the mission was over first."""
        while not self._ending.is_set():
            remaining = (at - self.elapsed()) / self.clock.warp
            if remaining <= 0:
                return True
            self._ending.wait(min(remaining, 0.5))
        return False

    def settle(self, timeout: float = 60.0) -> None:
        """The mission is over: undo what is still in force, let the attacks finish."""
        self._ending.set()
        deadline = time.monotonic() + timeout
        for thread in self._threads:
            thread.join(max(0.1, deadline - time.monotonic()))

    def summary(self) -> list[str]:
        return [str(record) for record in self.records]

    # --- one fault ----------------------------------------------------------------------------

    def _run(self, record: FaultRecord) -> None:
        if not self._wait_until(record.fault.at):
            return
        record.started = self.clock.now()
        name = record.fault.name
        try:
            self._handlers[record.fault.kind](record)
        except Exception as exc:  # a fault that could not be caused says so; the flight goes on
            logger.exception("fault %s failed", name)
            record.notes.append(f"failed: {exc}")
        finally:
            record.ended = self.clock.now()
            self.say(f"fault {name} over at +{self.elapsed():.0f} s")

    def _note(self, record: FaultRecord, line: str) -> None:
        record.notes.append(line)
        self.say(f"fault {record.fault.name} at +{self.elapsed():.0f} s: {line}")

    def _outage(
        self, record: FaultRecord, cause: Callable[[], str], undo: Callable[[], str]
    ) -> None:
        self._note(record, cause())
        try:
            if not self._wait_until(record.fault.ends):
                record.notes.append("undone early: the mission was over")
        finally:
            self._note(record, undo())

    # --- outages ------------------------------------------------------------------------------

    def _server(self, server: LocalServer | None, what: str) -> LocalServer:
        if server is None:
            raise RuntimeError(f"no {what} of this simulation's own to act on")
        return server

    def _restart(self, server: LocalServer) -> str:
        began = time.monotonic()
        server.start()
        took = time.monotonic() - began
        return f"{server.process.name} started again, serving after {took:.1f} s"

    def _broker_kill(self, record: FaultRecord) -> None:
        broker = self._server(self.hands.broker, "broker")
        self._outage(record, lambda: _kill(broker), lambda: self._restart(broker))

    def _store_kill(self, record: FaultRecord) -> None:
        store = self._server(self.hands.store, "store")
        self._outage(record, lambda: _kill(store), lambda: self._restart(store))

    def _broker_freeze(self, record: FaultRecord) -> None:
        broker = self._server(self.hands.broker, "broker")
        pid = broker.process.pid
        if pid is None or not broker.process.running():
            raise RuntimeError("the broker is not running")

        def cont() -> str:
            os.kill(pid, signal.SIGCONT)
            return f"SIGCONT {broker.process.name}"

        def stop() -> str:
            os.kill(pid, signal.SIGSTOP)
            return f"SIGSTOP {broker.process.name} (pid {pid})"

        self._outage(record, stop, cont)

    def _link_cut(self, record: FaultRecord) -> None:
        relay = self.hands.relay
        if relay is None:
            raise RuntimeError("the clients do not reach the broker through a relay")

        def cut() -> str:
            relay.cut()
            return f"link to the broker cut, {relay.open_links()} connections held open"

        def restore() -> str:
            relay.restore()
            return "link to the broker back"

        self._outage(record, cut, restore)

    def _agent(self, device: Device | None) -> str:
        name = f"agent-{device}"
        if name not in self.hands.supervisor.children:
            raise RuntimeError(f"no {name} running")
        return name

    def _stop_agent(self, name: str) -> str:
        self.hands.supervisor.kill(name, signal.SIGSTOP)
        return f"SIGSTOP {name}"

    def _continue_agent(self, name: str) -> str:
        self.hands.supervisor.kill(name, signal.SIGCONT)
        return f"SIGCONT {name}"

    def _agent_freeze(self, record: FaultRecord) -> None:
        name = self._agent(record.fault.device)
        self._outage(record, lambda: self._stop_agent(name), lambda: self._continue_agent(name))

    # --- attacks ------------------------------------------------------------------------------

    @property
    def _topics(self) -> Topics:
        return Topics(self.hands.logins.topic_root)

    def _envelope(self) -> Envelope:
        return Envelope(self.mission_id, int(time.time() * 1000), self.clock.now())

    def _intruder(self, client_id: str | None = None, **options: Any) -> Intruder:
        intruder = Intruder(
            self.hands.logins.settings_for(str(ATTACKER)),
            client_id or f"intruder-{uuid.uuid4().hex[:8]}",
            **options,
        )
        intruder.connect()
        return intruder

    def _send(self, record: FaultRecord, forgeries: list[Forgery]) -> None:
        intruder = self._intruder(reconnect=False)
        try:
            verdicts = intruder.send([(f.topic, f.payload) for f in forgeries])
        finally:
            intruder.close()
        for forgery, verdict in zip(forgeries, verdicts, strict=True):
            self._note(record, f"{forgery.what}: {verdict}")

    def _flood(self, record: FaultRecord) -> None:
        """The satellite's own computer floods: its agent stopped, the junk sent through its
        login (and so its client id and session), the agent continued once the flood is over.
        Nobody else holds the login meanwhile, so nothing kicks the flood off the broker."""
        name = self._agent(FLOODER)
        count = record.fault.count
        topic = self._topics.topic(Channel.TELEMETRY, FLOODER)
        self._note(record, self._stop_agent(name))
        gauges = _Gauges(self.hands.urls)
        try:
            self._note(record, f"{count} junk messages on {topic} through the {FLOODER}'s login")
            login = self.hands.logins.settings_for(str(FLOODER))
            intruder = self._intruder(
                str(FLOODER),
                clean_start=False,  # the agent's own session: it finds it again when continued
                session_expiry=login.session_expiry,
                reconnect=True,
            )
            gauges.start()
            try:
                outcome = intruder.flood(
                    topic, count, record.fault.duration / self.clock.warp, self._ending
                )
            finally:
                intruder.close()
            self._note(record, str(outcome))
        finally:
            self._note(record, self._continue_agent(name))
            for line in gauges.stop():
                self._note(record, line)

    def _forge_abort(self, record: FaultRecord) -> None:
        claims = [(EventType.ABORT, Device.ROCKET)]
        self._send(record, forged_events(self._topics, self._envelope(), claims))

    def _forge_complete(self, record: FaultRecord) -> None:
        claims = [
            (EventType.PAYLOAD_DETACHED, Device.SATELLITE),
            (EventType.BOOSTER_LOST, Device.BOOSTER),
        ]
        self._send(record, forged_events(self._topics, self._envelope(), claims))

    def _seq_jump(self, record: FaultRecord) -> None:
        envelope = Envelope(self.mission_id, record.fault.seq, self.clock.now())
        self._send(record, forged_telemetry(self._topics, envelope))

    def _forge_ack(self, record: FaultRecord) -> None:
        """Watch the payload's orders; refuse each detach order in the rocket's stead."""
        forged: set[str] = set()
        url = f"{self.hands.urls('payload')}/status"
        while not self._ending.is_set() and self.elapsed() < record.fault.ends:
            for order in _orders(url):
                if order.get("action") != CommandAction.DETACH or order["command_id"] in forged:
                    continue
                forged.add(order["command_id"])
                when = "before" if order.get("outcome") == "pending" else "after"
                self._note(record, f"order {order['command_id']} seen {when} its answer")
                forgeries = forged_refusals(
                    self._topics,
                    self._envelope(),
                    order["command_id"],
                    Device(order["device"]),
                    CommandAction.DETACH,
                )
                self._send(record, forgeries)
            self._ending.wait(POLL)
        if not forged:
            record.notes.append("no detach order seen")

    def _takeover(self, record: FaultRecord) -> None:
        fault = record.fault
        try:
            intruder = self._intruder(
                fault.client_id, clean_start=False, session_expiry=0, reconnect=False
            )
        except IntruderError as exc:
            self._note(
                record, f"the {ATTACKER}'s login asking for client id {fault.client_id!r}: {exc}"
            )
            return
        self._note(
            record,
            f"the {ATTACKER}'s login asked for client id {fault.client_id!r} and was let in "
            f"(a session was present: {intruder.session_present})",
        )
        ingest_dropped = False
        began = time.monotonic()
        try:
            while not self._ending.is_set() and self.elapsed() < fault.ends:
                if not intruder.connected:
                    break
                if not _connected(f"{self.hands.urls('telemetry')}/health"):
                    ingest_dropped = True
                self._ending.wait(0.1)
            held = time.monotonic() - began
            kept = intruder.connected
        finally:
            intruder.close()
        self._note(
            record,
            f"held {held * self.clock.warp:.0f} s, then left"
            if kept
            else f"dropped by the broker after {held * self.clock.warp:.0f} s",
        )
        if ingest_dropped:
            self._note(record, "the ingest lost its broker connection meanwhile")


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


_COUNTED = ("received", "rate_limited", "dead_lettered")


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
                    health = _get(f"{self._urls(name)}/health")
                except (OSError, ValueError):
                    continue
                # the payload service nests its recorder's health under "storage"
                gauge.take(health.get("storage", health))
            if self._stop.wait(GAUGE_EVERY):
                return


def _kill(server: LocalServer) -> str:
    pid = server.process.pid
    server.kill()
    return f"SIGKILL {server.process.name} (pid {pid})"


def _get(url: str) -> Any:
    with urllib.request.urlopen(url, timeout=1.0) as response:
        return json.load(response)


def _orders(url: str) -> list[dict[str, Any]]:
    try:
        return list(_get(url).get("orders", []))
    except (OSError, ValueError):
        return []


def _connected(url: str) -> bool:
    """Whether a recorder says its bus is connected (unknown counts as connected)."""
    try:
        return bool(_get(url).get("connected", True))
    except (OSError, ValueError):
        return True
