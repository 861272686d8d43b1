"""The agent's end of the serial line to its sensor board.

Opens the board by pyserial URL (``/dev/ttyUSB0``, a pty path, ``loop://``), turns bytes into
frames with the shared codec and counts what it throws away. It reconnects instead of raising:
a board that is unplugged or rebooting costs frames, never the agent.
"""

from __future__ import annotations

import logging
import time
from dataclasses import dataclass
from typing import Any, Protocol

from marsy.protocol.framing import Frame, encode, parse

logger = logging.getLogger(__name__)


@dataclass
class LinkStats:
    frames: int = 0
    bad_frames: int = 0
    dropped_bytes: int = 0
    reopens: int = 0
    write_errors: int = 0


class BoardLink(Protocol):
    """What the agent needs of its board's line (a scripted board in unit tests)."""

    @property
    def stats(self) -> LinkStats: ...

    def read(self, timeout: float = 0.1) -> list[Frame]:
        """Frames that arrived within ``timeout`` seconds; never raises for a line fault."""
        ...

    def send(self, frame: Frame) -> bool:
        """Write one frame; ``False`` when the line is not available right now."""
        ...

    def close(self) -> None: ...


class SerialLink:
    """Frames in and out over one serial port: the :class:`BoardLink` of hardware and ptys."""

    def __init__(self, url: str, *, baudrate: int = 115200, reopen_delay: float = 0.5) -> None:
        self.url = url
        self.baudrate = baudrate
        self.reopen_delay = reopen_delay
        self.stats = LinkStats()
        self._port: Any = None
        self._rest = b""
        self._next_open = 0.0
        self._errors: tuple[type[Exception], ...] = (OSError,)

    def _open(self) -> Any:
        import serial  # the one module that touches serial hardware; imported when first used

        self._errors = (serial.SerialException, OSError)
        if self._port is not None:
            return self._port
        if time.monotonic() < self._next_open:
            return None
        try:
            self._port = serial.serial_for_url(self.url, baudrate=self.baudrate, timeout=0.1)
        except (serial.SerialException, OSError) as exc:
            self._next_open = time.monotonic() + self.reopen_delay
            logger.warning("cannot open %s: %s; retrying", self.url, exc)
            return None
        self.stats.reopens += 1
        return self._port

    def _drop(self, exc: Exception) -> None:
        logger.warning("serial link %s failed: %s; reopening", self.url, exc)
        try:
            self._port.close()
        except Exception:  # closing a dead port may fail in many ways; it is gone either way
            logger.debug("closing %s failed", self.url, exc_info=True)
        self._port = None
        self._rest = b""
        self._next_open = time.monotonic() + self.reopen_delay

    def read(self, timeout: float = 0.1) -> list[Frame]:
        """Frames that arrived within ``timeout`` seconds (blocks at most that long)."""
        port = self._open()
        if port is None:
            time.sleep(min(timeout, self.reopen_delay))
            return []
        try:
            port.timeout = timeout
            data = port.read(max(1, port.in_waiting))
            if port.in_waiting:
                data += port.read(port.in_waiting)
        except self._errors as exc:
            self._drop(exc)
            return []
        result = parse(self._rest + data)
        self._rest = result.rest
        self.stats.frames += len(result.frames)
        self.stats.bad_frames += result.bad_frames
        self.stats.dropped_bytes += result.dropped_bytes
        return result.frames

    def send(self, frame: Frame) -> bool:
        """Write one frame; ``False`` when the port is not available right now."""
        port = self._open()
        if port is None:
            self.stats.write_errors += 1
            return False
        try:
            port.write(encode(frame))
            port.flush()
        except self._errors as exc:
            self.stats.write_errors += 1
            self._drop(exc)
            return False
        return True

    def close(self) -> None:
        if self._port is not None:
            self._port.close()
            self._port = None
