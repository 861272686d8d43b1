"""The heartbeat: a health message every ``interval`` seconds, the agent's liveness on the bus.

It says what the ground cannot see from telemetry alone: whether the board still talks (frames in
the last three beats), the line's good and bad frames, what waits in the outbox and what it
dropped, and how often the broker connection was lost.
"""

from __future__ import annotations

import threading
import time

from edge.runtime.outbox import Outbox
from edge.runtime.publisher import Publisher
from edge.runtime.reader import Reader
from edge.runtime.serial_link import BoardLink
from edge.runtime.stats import AgentStats
from marsy.mqtt import MqttBus
from marsy.protocol import DeviceHealth


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

    def run(self, stop: threading.Event) -> None:
        while not stop.wait(self.interval):
            self.beat()

    def beat(self) -> None:
        """Queue one health message."""
        link = self.link.stats
        online = time.monotonic() - self.reader.last_frame < 3 * self.interval
        self.publisher.publish(
            "health",
            DeviceHealth,
            device=self.publisher.device,
            uptime=time.monotonic() - self._started,
            frames_ok=link.frames,
            frames_bad=link.bad_frames + self.stats.invalid_frames,
            queue_depth=self.outbox.depth(),  # read here: the builder runs under the outbox lock
            dropped=self.outbox.dropped(),
            reconnects=max(0, self.bus.stats.connects - 1),
            board_online=online,
        )
