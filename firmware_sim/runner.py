"""Runs the world in (warped) real time and connects each board to its serial port.

The loop advances the world to the mission clock's time in sample-sized steps, hands world
events to the board of the device they concern, writes what the boards put on the line and feeds
them what the agents sent. It sleeps in ``select`` on the ports, so it uses no CPU while waiting.
"""

from __future__ import annotations

import logging
import select
import threading
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass

from firmware_sim.boards.board import SensorBoard
from firmware_sim.physics.events import WorldEvent
from firmware_sim.physics.world import World
from firmware_sim.ports import BoardPort
from marsy.clock import MissionClock
from marsy.protocol import Device, EventType
from marsy.protocol.framing import EventFrame, encode

logger = logging.getLogger(__name__)


@dataclass
class RunnerStats:
    steps: int = 0
    max_lag: float = 0.0
    """Largest mission-time lag behind the clock, in seconds (the loop could not keep up)."""
    lost_reports: int = 0
    """Times the rocket's board said the vehicle is lost (:meth:`FirmwareRunner.report_lost`)."""


class FirmwareRunner:
    """The world plus its boards, each on a port, following ``clock``."""

    def __init__(
        self,
        world: World,
        boards: Mapping[Device, SensorBoard],
        ports: Mapping[Device, BoardPort],
        clock: MissionClock,
        *,
        start: float,
    ) -> None:
        """``start`` is the mission time at which the world's clock reads 0."""
        self.world = world
        self.boards = dict(boards)
        self.ports = dict(ports)
        self.clock = clock
        self.start = start
        self.step = min(board.period for board in self.boards.values())
        self.stats = RunnerStats()
        self.on_event: Callable[[WorldEvent], None] | None = None
        """Called with every world event, before the boards hear of it (the simulator marks
        lift-off on disk with it)."""

    def advance(self) -> None:
        """Bring the world up to the mission clock and exchange bytes with the agents."""
        target = self.clock.now() - self.start
        while self.world.t + self.step <= target + 1e-9:
            self.world.step(self.step)
            self.stats.steps += 1
            for event in self.world.pop_events():
                if self.on_event is not None:
                    self.on_event(event)
                board = self.boards.get(event.device)
                if board is not None:
                    board.on_event(event)
            for device, board in self.boards.items():
                data = board.poll()
                if data:
                    self.ports[device].write(data)
        self.stats.max_lag = max(self.stats.max_lag, target - self.world.t)

    def exchange(self, timeout: float) -> None:
        """Wait up to ``timeout`` wall seconds for bytes from the agents and feed them in."""
        by_fd = {port.fileno(): device for device, port in self.ports.items()}
        readable, _, _ = select.select(list(by_fd), [], [], max(0.0, timeout))
        for fd in readable:
            device = by_fd[fd]
            data = self.ports[device].read()
            if data:
                self.boards[device].feed(data)

    def run(self, stop: threading.Event, until: Callable[[World], bool] | None = None) -> None:
        """Loop until ``stop`` is set or ``until(world)`` holds."""
        while not stop.is_set():
            self.advance()
            if until is not None and until(self.world):
                return
            wait = self.clock.to_wall(self.start + self.world.t + self.step - self.clock.now())
            self.exchange(min(max(wait, 0.0), 0.25))

    def report_lost(self, detail: str, stop: threading.Event, every: float = 1.0) -> None:
        """Say the vehicle is lost, on the rocket's line, until ``stop`` is set; fly nothing.

        A simulator restarted mid-flight cannot bring the flight back: rather than a fresh
        rocket on the pad, the rocket's board reports an explosion with ``detail``, the
        vehicle's own word that it is gone. The same frame (one sequence number) goes out every
        ``every`` wall seconds, so an agent that opens the port late still hears it once and the
        pty never fills; what the agents send is read and left unanswered.
        """
        frame = EventFrame(Device.ROCKET, 0, self.clock.now(), EventType.EXPLOSION, detail)
        data = encode(frame)
        port = self.ports[Device.ROCKET]
        by_fd = {p.fileno(): p for p in self.ports.values()}
        logger.error("%s: the rocket's board reports it lost", detail)
        while not stop.is_set():
            port.write(data)
            self.stats.lost_reports += 1
            deadline = time.monotonic() + every
            while (left := deadline - time.monotonic()) > 0 and not stop.is_set():
                readable, _, _ = select.select(list(by_fd), [], [], min(left, 0.25))
                for fd in readable:
                    by_fd[fd].read()

    def close(self) -> None:
        for port in self.ports.values():
            port.close()
