"""The forwarder: outbox → broker, in order, and again after a reconnect what a broker may lose.

Mosquitto PUBACKs a QoS-1 publish before it persists it, and writes its in-memory state to disk
only every ``autosave_interval``: a broker killed (SIGKILL, power cut, OOM) comes back from its
last save without what it acknowledged since, unless that had already reached its consumers.
So a PUBACK only moves a message from "to send" to "kept" in the outbox, and:

- on every new connection (a new value of the bus's ``connects``) the kept messages are
  published again, oldest first, with the bytes (hence the sequence numbers) they had, before
  anything new; paho itself sends again what was in flight unacknowledged. Receivers drop the
  duplicates (idempotent writes, a ledger that counts them);
- a kept message is forgotten once a PUBACK on the same connection, ``replay_window`` seconds
  after its own, shows that the broker lived on long enough to have saved it (it saves every
  ``autosave_interval``; the window is a few of them). A broker that died silently sends no
  PUBACK, and a disconnected one none either, so nothing ages out while the broker's fate is
  unknown; a replay in progress renews the stamps of what it sends, so nothing is forgotten
  until it ends.

New messages are sent only while connected: what waits stays on disk, not in paho's memory, and
after a reconnect it follows the replay.
"""

from __future__ import annotations

import logging
import threading
import time
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass

from edge.runtime.outbox import Outbox, Queued
from marsy.mqtt import MqttBus, Pending, PublishRejected, PublishTimeout

logger = logging.getLogger(__name__)

WINDOW = 200
"""Messages the forwarder keeps in flight at once."""
FORGET_EVERY = 1.0
"""Seconds between two sweeps of the kept messages the broker has saved by now."""


@dataclass
class ForwardStats:
    sent: int = 0
    """Messages published for the first time."""
    replays: int = 0
    """Reconnects after which kept messages were published again."""
    replayed: int = 0
    """Messages published again after a reconnect."""
    rejected: int = 0
    """Messages the broker refused (the ACL), dropped."""


@dataclass
class _InFlight:
    id: int
    pending: Pending
    replay: bool
    generation: int
    """The connection it was handed over on: an acknowledgement the forwarder sees only on a
    later one may have come from a broker that has since lost it."""


class Forwarder:
    """Publishes one outbox through one bus until told to stop."""

    def __init__(
        self,
        outbox: Outbox,
        bus: MqttBus,
        *,
        replay_window: float,
        window: int = WINDOW,
        clock: Callable[[], float] = time.monotonic,
        name: str = "agent",
        drain: float = 0.0,
    ) -> None:
        self.outbox = outbox
        self.bus = bus
        self.replay_window = replay_window
        self.drain = drain
        self.window = window
        self.clock = clock
        self.name = name
        self.stats = ForwardStats()
        self._reset()

    def _reset(self) -> None:
        self._inflight: deque[_InFlight] = deque()
        self._last_id = 0
        """Highest id sent for the first time."""
        self._generation = 0
        """The bus's ``connects`` this forwarder last acted on; 0: none yet."""
        self._replay_after: int | None = None
        """While replaying: the highest kept id published again on this connection."""
        self._replay_count = 0
        self._forgot_at = float("-inf")

    def run(self, stop: threading.Event) -> None:
        """Forward until ``stop`` is set; then, while the broker is there, send what waits for
        up to ``drain`` seconds more (the agent's last counters among it), and end once nothing
        is in flight."""
        self._reset()  # after a crash of this loop, start again from what the outbox holds
        while not stop.is_set():
            self.step()
        deadline = self.clock() + self.drain
        while self.bus.connected.is_set() and (
            self._inflight or (self.clock() < deadline and self._unsent())
        ):
            self.step(sending=self.clock() < deadline)

    def _unsent(self) -> bool:
        return self._replay_after is not None or bool(self.outbox.peek(1, after=self._last_id))

    def step(self, *, sending: bool = True) -> None:
        """One pass: notice a new connection, send (replay first), take acknowledgements."""
        connected = self.bus.connected.is_set()
        self._notice_reconnect()
        if not connected:
            self.bus.connected.wait(0.05)
        elif sending and len(self._inflight) < self.window:
            self._send()
        if not self._collect() and self._inflight:
            time.sleep(0.002)

    # --- sending ------------------------------------------------------------------------------

    def _notice_reconnect(self) -> None:
        connects = self.bus.stats.connects
        if connects != self._generation:
            self._generation = connects
            self._start_replay(0)

    def _start_replay(self, after: int) -> None:
        if self._replay_after is None or after < self._replay_after:
            self._replay_after = after

    def _send(self) -> None:
        room = self.window - len(self._inflight)
        if self._replay_after is not None:
            batch = self.outbox.kept(room, after=self._replay_after)
            if not batch:
                self._end_replay()
                return
        else:
            batch = self.outbox.peek(room, None if self._inflight else 0.2, after=self._last_id)
            if not self.bus.connected.is_set() or self.bus.stats.connects != self._generation:
                return  # lost the connection while waiting: what is new follows the replay
        replay = self._replay_after is not None
        for queued in batch:
            if not self._publish(queued, replay):
                break
            if replay:
                self._replay_after = queued.id
                self._replay_count += 1
                self.stats.replayed += 1
            else:
                self._last_id = queued.id
                self.stats.sent += 1

    def _publish(self, queued: Queued, replay: bool) -> bool:
        generation = self.bus.stats.connects
        try:
            pending = self.bus.publish(queued.topic, queued.payload, retain=queued.retain)
        except PublishTimeout:
            return False  # the broker is away; paho holds what it has, the outbox the rest
        self._inflight.append(_InFlight(queued.id, pending, replay, generation))
        return True

    def _end_replay(self) -> None:
        if self._replay_count:
            self.stats.replays += 1
            logger.info(
                "%s: published again %d messages the broker had acknowledged (connection %d)",
                self.name,
                self._replay_count,
                self._generation,
            )
        self._replay_after = None
        self._replay_count = 0

    # --- acknowledgements ---------------------------------------------------------------------

    def _collect(self) -> bool:
        """Take the acknowledged head of the in-flight queue; whether there was any."""
        acked: list[_InFlight] = []
        refused: list[int] = []
        while self._inflight and self._inflight[0].pending.is_done():
            item = self._inflight.popleft()
            try:
                item.pending.wait(0)
            except PublishRejected as exc:
                self.stats.rejected += 1
                logger.error("%s: %s; dropping it", self.name, exc)
                refused.append(item.id)
                continue
            acked.append(item)
        if refused:
            self.outbox.remove(refused)
        if not acked:
            return bool(refused)
        now = self.clock()
        self.outbox.acknowledge([item.id for item in acked], now)
        # Read after the PUBACKs were seen: the bus counts a connection before its first PUBACK.
        connects = self.bus.stats.connects
        stale = [item.id for item in acked if item.generation != connects]
        if stale:
            self._start_replay(min(stale) - 1)  # its PUBACK may be from a broker since lost
        elif (
            now - self._forgot_at >= FORGET_EVERY
            and connects == self._generation
            and self._replay_after is None
            and not any(item.replay for item in self._inflight)
        ):
            self.outbox.forget_acknowledged(now - self.replay_window)
            self._forgot_at = now
        return True
