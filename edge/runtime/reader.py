"""The reader: frames from the board → contract messages → outbox.

Telemetry frames become the device's measurement messages (numbered in one transaction, so the
numbers and the messages agree), event frames become mission events once each (boards repeat
them), and the board's answers to commands wake the :class:`~edge.runtime.board.Board` call
waiting for them. A frame the contract refuses is counted, never fatal; so are, per mission,
the frames read, the damaged ones the line threw away and the ones the board numbered that never
arrived (:mod:`edge.runtime.numbering`).
"""

from __future__ import annotations

import logging
import threading
import time
from collections import deque
from collections.abc import Sequence

from pydantic import BaseModel

from edge.runtime.behaviour import AgentPort, Behaviour
from edge.runtime.board import Board
from edge.runtime.counting import FRAMES_BAD, FRAMES_MISSED, FRAMES_READ, FRAMES_REFUSED
from edge.runtime.memory import FlightMemory
from edge.runtime.numbering import FrameNumbering
from edge.runtime.publisher import Publisher
from edge.runtime.serial_link import BoardLink
from edge.runtime.stats import AgentStats
from marsy.protocol import (
    ContractError,
    Device,
    EventType,
    kind_of,
    measurement,
    measurement_model,
)
from marsy.protocol.framing import AckFrame, EventFrame, Frame, TelemetryFrame

logger = logging.getLogger(__name__)

SEEN_EVENTS = 64
"""Event frames remembered to drop the board's repeats of them."""


class Reader:
    """Reads one board until told to stop."""

    def __init__(
        self,
        link: BoardLink,
        board: Board,
        memory: FlightMemory,
        publisher: Publisher,
        behaviour: Behaviour,
        port: AgentPort,
        stats: AgentStats,
        *,
        astronaut: str,
    ) -> None:
        self.link = link
        self.board = board
        self.memory = memory
        self.publisher = publisher
        self.behaviour = behaviour
        self.port = port
        self.stats = stats
        self.device: Device = behaviour.device
        self.astronaut = astronaut
        self.last_frame = 0.0
        """``time.monotonic()`` of the last frames read: is the board talking?"""
        self._seen_events: deque[tuple[int, EventType]] = deque(maxlen=SEEN_EVENTS)
        self._line = (0, 0)
        """The line's (frames, bad frames) counted so far."""
        self._refused = 0
        """Frames of the last batch the contract refused."""
        self.numbering = FrameNumbering()
        """The board's frame numbers read so far: their gaps are frames missed."""

    def run(self, stop: threading.Event) -> None:
        while not stop.is_set():
            frames = self.link.read(timeout=0.2)
            self._count_line()
            if frames:
                self.last_frame = time.monotonic()
                self.handle(frames)

    def _count_line(self) -> None:
        """The line's intact and damaged frames since the last read, for the mission flown."""
        stats = self.link.stats
        mission_id = self.memory.mission_id
        self.publisher.count(mission_id, FRAMES_READ, stats.frames - self._line[0])
        self.publisher.count(mission_id, FRAMES_BAD, stats.bad_frames - self._line[1])
        self._line = (stats.frames, stats.bad_frames)

    def handle(self, frames: Sequence[Frame]) -> None:
        """Queue what ``frames`` say: events one by one, then the telemetry in one batch.

        The gaps in the board's numbers come first: frames lost before the agent could number
        them, counted for the mission flown.
        """
        missed = sum(self.numbering.observe(frame) for frame in frames)
        self.publisher.count(self.memory.mission_id, FRAMES_MISSED, missed)
        telemetry = [f for f in frames if isinstance(f, TelemetryFrame) and f.device is self.device]
        for frame in frames:
            if isinstance(frame, AckFrame):
                self.board.resolve(frame)
            elif isinstance(frame, EventFrame) and frame.device is self.device:
                self._event(frame)
        if telemetry:
            mission_id = self.memory.mission_id  # once: the numbers and the messages must agree
            self._refused = 0
            self.publisher.queue(
                kind_of(measurement_model(self.device)),
                mission_id,
                lambda seq: self._telemetry_messages(telemetry, mission_id, seq),
            )
            self.publisher.count(mission_id, FRAMES_REFUSED, self._refused)
            self.memory.sampled()

    def _event(self, frame: EventFrame) -> None:
        if (frame.seq, frame.event) in self._seen_events:
            return  # boards repeat event frames; the first intact copy counts
        self._seen_events.append((frame.seq, frame.event))
        self.memory.record_event(frame.event, frame.time)
        self.behaviour.on_board_event(self.port, frame)
        self.publisher.event(frame.event, frame.detail)

    def _telemetry_messages(
        self, frames: list[TelemetryFrame], mission_id: str, seq: int
    ) -> list[BaseModel]:
        messages: list[BaseModel] = []
        for frame in frames:
            if not frame.values:
                continue
            try:
                message = measurement(
                    self.device,
                    astronaut=self.astronaut,
                    mission_id=mission_id,
                    source=str(self.device),
                    seq=seq,
                    ts=frame.time,
                    phase=frame.phase,
                    values=dict(frame.values),
                )
            except ContractError as exc:
                self.stats.invalid_frames += 1
                self._refused += 1
                logger.debug("frame refused by the contract: %s", exc)
                continue
            state = self.memory.state
            state.phase = frame.phase
            for name, value in frame.values.items():
                state.latest[name] = float(value)
                if float(value) > state.peaks.get(name, float("-inf")):
                    state.peaks[name] = float(value)
            messages.append(message)
            seq += 1
        self.stats.telemetry += len(messages)
        return messages
