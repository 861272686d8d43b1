"""Commands down the serial line to the board, each waiting for the board's own answer.

The reader hands every :class:`~marsy.protocol.framing.AckFrame` it reads to :meth:`Board.resolve`;
a caller waits in :meth:`Board.call`, sending the command again on a noisy line until the answer
comes or its time is up. The token the board sees is derived from the command id, so a repeat is
recognised by the board too and never executed twice.
"""

from __future__ import annotations

import threading
import time
import zlib
from dataclasses import dataclass

from edge.runtime.serial_link import BoardLink
from marsy.clock import MissionClock
from marsy.protocol import CommandAction, Device
from marsy.protocol.framing import AckFrame, CommandFrame


def board_token(command_id: str) -> int:
    """The 32-bit token the board sees for a command id: the same id, the same token."""
    return zlib.crc32(command_id.encode())


@dataclass
class _Call:
    done: threading.Event
    answer: AckFrame | None = None


class Board:
    """One device's board, as the agent commands it."""

    def __init__(
        self, link: BoardLink, device: Device, clock: MissionClock, *, timeout: float
    ) -> None:
        self.link = link
        self.device = device
        self.clock = clock
        self.timeout = timeout
        self._calls: dict[int, _Call] = {}
        self._lock = threading.Lock()

    def call(
        self, action: CommandAction, level: float = 0.0, command_id: str | None = None
    ) -> AckFrame | None:
        """Send a command to the board and wait for its answer, repeating it on a noisy line;
        ``None`` when the board did not answer within ``timeout`` seconds."""
        token = board_token(command_id) if command_id else board_token(f"{action}-{time.time_ns()}")
        call = _Call(threading.Event())
        with self._lock:
            self._calls[token] = call
        frame = CommandFrame(self.device, token, self.clock.now(), action, token, level)
        deadline = time.monotonic() + self.timeout
        try:
            while not call.done.is_set() and time.monotonic() < deadline:
                self.link.send(frame)
                call.done.wait(min(0.25, max(0.0, deadline - time.monotonic())))
        finally:
            with self._lock:
                self._calls.pop(token, None)
        return call.answer

    def resolve(self, frame: AckFrame) -> None:
        """The board answered: wake the call waiting for this token, if any still is."""
        with self._lock:
            call = self._calls.get(frame.token)
        if call is not None:
            call.answer = frame
            call.done.set()
