"""The onboard agent: serial in, QoS-1 MQTT out, acknowledged commands, store-and-forward.

The :class:`Agent` only wires its parts and runs them, four threads with one job each:

- reader (:mod:`edge.runtime.reader`): frames from the board → contract messages → outbox;
- forwarder (:mod:`edge.runtime.forwarder`): outbox → broker, in order, keeping what the broker
  acknowledged until it must have saved it, and publishing that again after every reconnect;
- inbox (:mod:`edge.runtime.inbox`): deliveries from the broker, each MQTT-acked only once
  handled; commands go through the :mod:`~edge.runtime.commands` handler (checks → board →
  acknowledgement, answered commands journalled);
- heartbeat (:mod:`edge.runtime.heartbeat`): a health message every ``heartbeat_interval``,
  and the agent's counters, retained.

At stop the others end first; the agent's last counters are queued, and the forwarder sends
what waits for up to :data:`DRAIN` seconds while the broker is there.

Its transports (the board's line, the bus, the outbox) are built outside and handed over
(:func:`edge.runtime.factory.open_agent`); the agent closes them when it stops. Building one
opens nothing and touches no disk.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable

from edge.runtime.behaviour import Behaviour, FlightState
from edge.runtime.board import Board
from edge.runtime.commands import CommandHandler
from edge.runtime.forwarder import Forwarder
from edge.runtime.heartbeat import Heartbeat
from edge.runtime.inbox import Inbox
from edge.runtime.memory import FlightMemory
from edge.runtime.outbox import Outbox
from edge.runtime.port import DevicePort
from edge.runtime.publisher import Publisher
from edge.runtime.reader import Reader
from edge.runtime.serial_link import BoardLink
from edge.runtime.stats import AgentStats
from marsy.clock import MissionClock
from marsy.mqtt import MqttBus
from marsy.protocol import Device
from marsy.settings import EdgeSettings

logger = logging.getLogger(__name__)

JOIN_TIMEOUT = 5.0
"""Seconds to wait for each thread at stop before closing the transports under it."""
DRAIN = 3.0
"""Seconds the forwarder goes on sending what waits once the agent stops (its last counters
among it), while the broker is there."""


class Agent:
    """One device's agent; :meth:`run` until ``stop`` is set."""

    def __init__(
        self,
        settings: EdgeSettings,
        behaviour: Behaviour,
        *,
        link: BoardLink,
        bus: MqttBus,
        outbox: Outbox,
        memory: FlightMemory,
        clock: MissionClock | None = None,
    ) -> None:
        if behaviour.device is not settings.device:
            raise ValueError(f"a {behaviour.device} behaviour on the {settings.device} agent")
        self.settings = settings
        self.device: Device = settings.device
        self.behaviour = behaviour
        self.link = link
        self.bus = bus
        self.outbox = outbox
        self.memory = memory
        self.clock = clock or settings.clock.clock()
        self.topics = bus.topics
        self.stats = AgentStats()
        self.board = Board(link, self.device, self.clock, timeout=settings.command_timeout)
        self.publisher = Publisher(self.device, self.topics, self.clock, outbox, memory)
        self.port = DevicePort(memory, self.publisher, self.board)
        self.reader = Reader(
            link,
            self.board,
            memory,
            self.publisher,
            behaviour,
            self.port,
            self.stats,
            astronaut=settings.astronaut,
        )
        self.commands = CommandHandler(
            behaviour,
            memory,
            self.board,
            self.publisher,
            outbox,
            self.stats,
            self.clock,
            ttl=settings.command_ttl,
        )
        self.inbox = Inbox(bus, memory, self.commands, behaviour, self.port, self.stats)
        self.heartbeat = Heartbeat(
            self.publisher,
            link,
            self.reader,
            outbox,
            bus,
            self.stats,
            interval=settings.heartbeat_interval,
        )
        self.forwarder = Forwarder(
            outbox, bus, replay_window=settings.replay_window, name=str(self.device), drain=DRAIN
        )
        self._halt = threading.Event()
        self._halt_forwarder = threading.Event()
        """Set after the others stopped and the last counters were queued."""

    @property
    def mission_id(self) -> str:
        return self.memory.mission_id

    @property
    def state(self) -> FlightState:
        return self.memory.state

    # --- lifecycle ----------------------------------------------------------------------------

    def run(self, stop: threading.Event) -> None:
        """Start everything, wait for ``stop``, then flush and shut down cleanly, whatever
        happened meanwhile: the threads stop, the bus says "offline", the line and the outbox
        close."""
        workers: list[threading.Thread] = []
        forwarder: threading.Thread | None = None
        try:
            self.bus.subscribe(self.topics.command(self.device))
            self.bus.subscribe(self.topics.mission_status)
            for topic in self.behaviour.subscriptions(self.topics):
                self.bus.subscribe(topic)
            self.bus.start(wait=None)
            workers = [
                self._start("reader", self.reader.run),
                self._start("inbox", self.inbox.run),
                self._start("health", self.heartbeat.run),
            ]
            forwarder = self._start("forwarder", self.forwarder.run, self._halt_forwarder)
            logger.info("%s agent up: board %s", self.device, self.settings.serial_url)
            stop.wait()
            logger.info("%s agent stopping", self.device)
        finally:
            self._shut_down(workers, forwarder)

    def _shut_down(
        self, workers: list[threading.Thread], forwarder: threading.Thread | None
    ) -> None:
        self._halt.set()
        for thread in workers:
            thread.join(timeout=JOIN_TIMEOUT)
        if forwarder is not None:
            try:
                self.heartbeat.beat()  # the last word on what this agent numbered
            except Exception:
                logger.exception("%s: the last counters could not be queued", self.device)
        self._halt_forwarder.set()
        self.outbox.wake()
        if forwarder is not None:
            forwarder.join(timeout=JOIN_TIMEOUT)  # it sends what waits first, for a while
        try:
            self.bus.stop()
        finally:
            try:
                self.link.close()
            finally:
                self.outbox.close()

    def _start(
        self,
        name: str,
        loop: Callable[[threading.Event], None],
        halt: threading.Event | None = None,
    ) -> threading.Thread:
        guarded = self._guard(name, loop, halt or self._halt)
        thread = threading.Thread(target=guarded, name=name, daemon=True)
        thread.start()
        return thread

    def _guard(
        self, name: str, loop: Callable[[threading.Event], None], halt: threading.Event
    ) -> Callable[[], None]:
        """A loop that dies of a bug restarts after a pause instead of silencing the agent."""

        def run() -> None:
            while not halt.is_set():
                try:
                    loop(halt)
                    return
                except Exception:
                    logger.exception("%s: %s failed; restarting it", self.device, name)
                    halt.wait(1.0)

        return run
