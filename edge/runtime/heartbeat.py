"""The heartbeat: a health message every ``interval`` seconds, the agent's liveness on the bus.

It says what the ground cannot see from telemetry alone: whether the board still talks (frames in
the last three beats), the line's good and bad frames, what waits in the outbox and what it
dropped, and how often the broker connection was lost; with it, the agent's counters of the
mission (:mod:`edge.runtime.counting`), also published retained on their own, so the ground can
read a device's last word on what it sent after the flight. A disk that refuses writes, and
above all a message dropped for it, is also said in the mission log.
"""

from __future__ import annotations

import threading
import time

from edge.runtime.counting import agent_counters
from edge.runtime.outbox import Outbox
from edge.runtime.publisher import Publisher
from edge.runtime.reader import Reader
from edge.runtime.serial_link import BoardLink
from edge.runtime.stats import AgentStats
from marsy.mqtt import MqttBus
from marsy.protocol import AgentCounters, DeviceCounters, DeviceHealth, LogLevel
from marsy.protocol.commanding import STANDBY


class Heartbeat:
    """Beats for one agent until told to stop."""

    def __init__(
        self,
        publisher: Publisher,
        link: BoardLink,
        reader: Reader,
        outbox: Outbox,
        bus: MqttBus,
        stats: AgentStats,
        *,
        interval: float,
    ) -> None:
        self.publisher = publisher
        self.link = link
        self.reader = reader
        self.outbox = outbox
        self.bus = bus
        self.stats = stats
        self.interval = interval
        self._started = time.monotonic()
        self._dropped = 0
        """Messages dropped for a full disk already said in the mission log."""
        self._holding = False
        """Whether messages waited in memory at the last beat (said when it begins)."""

    def run(self, stop: threading.Event) -> None:
        while not stop.wait(self.interval):
            self.beat()

    def counters(self, mission_id: str) -> AgentCounters:
        """What the agent counted of ``mission_id`` so far."""
        return agent_counters(
            mission_id,
            self.outbox.tally(mission_id),
            self.outbox.tally(STANDBY),
            self.outbox.stats,
            self.outbox.held(),
        )

    def beat(self) -> None:
        """Queue one health message and the retained counters (read here, not in the
        builders: those run under the outbox lock)."""
        mission_id = self.publisher.memory.mission_id
        link = self.link.stats
        online = time.monotonic() - self.reader.last_frame < 3 * self.interval
        self._alert()
        self.publisher.publish(
            DeviceHealth,
            mission_id=mission_id,
            device=self.publisher.device,
            uptime=time.monotonic() - self._started,
            frames_ok=link.frames,
            frames_bad=link.bad_frames + self.stats.invalid_frames,
            queue_depth=self.outbox.depth(),
            dropped=self.outbox.dropped(),
            reconnects=max(0, self.bus.stats.connects - 1),
            board_online=online,
            counters=self.counters(mission_id),
        )
        self.publisher.publish(
            DeviceCounters,
            mission_id=mission_id,
            device=self.publisher.device,
            counters=self.counters(mission_id),
        )

    def _alert(self) -> None:
        """Say in the mission log when the disk began refusing writes, and every message
        dropped for it since the last beat."""
        dropped = self.outbox.stats.dropped_full
        held = self.outbox.held()
        if dropped > self._dropped:
            self.publisher.log(
                LogLevel.ERROR,
                f"{dropped - self._dropped} messages dropped: the disk refused writes and "
                f"the memory was full ({dropped} since the agent started)",
            )
        elif held and not self._holding:
            self.publisher.log(
                LogLevel.WARNING, f"the disk refuses writes: {held} messages wait in memory"
            )
        self._dropped, self._holding = dropped, held > 0
