"""Serial ports the boards speak on: a pty pair per board on a laptop, or a real device.

The simulator keeps the pty's master end; the agent opens the slave path (``/dev/pts/N``) with
pyserial exactly as it would open ``/dev/ttyUSB0``. Writes never block the world: a line nobody
reads fills up and further bytes are dropped and counted, as a UART with no listener would.
"""

from __future__ import annotations

import contextlib
import errno
import os
import tty
from pathlib import Path
from typing import Any, Protocol


class BoardPort(Protocol):
    path: str
    dropped_bytes: int

    def fileno(self) -> int: ...
    def write(self, data: bytes) -> None: ...
    def read(self) -> bytes: ...
    def close(self) -> None: ...


class PtyPort:
    """A pseudo-terminal pair in raw mode (no echo, no CR/LF translation)."""

    def __init__(self) -> None:
        self._master, self._slave = os.openpty()
        tty.setraw(self._slave)
        tty.setraw(self._master)
        os.set_blocking(self._master, False)
        self.path = os.ttyname(self._slave)
        self.dropped_bytes = 0

    def fileno(self) -> int:
        return self._master

    def write(self, data: bytes) -> None:
        view = memoryview(data)
        while view:
            try:
                written = os.write(self._master, view)
            except BlockingIOError:
                self.dropped_bytes += len(view)
                return
            except OSError as exc:
                if exc.errno in (errno.EIO, errno.EAGAIN):
                    self.dropped_bytes += len(view)
                    return
                raise
            view = view[written:]

    def read(self) -> bytes:
        try:
            return os.read(self._master, 4096)
        except (BlockingIOError, OSError):
            return b""

    def close(self) -> None:
        for fd in (self._master, self._slave):
            with contextlib.suppress(OSError):
                os.close(fd)


class SerialPort:
    """A real serial device (or any pyserial URL), for a board in the loop on hardware."""

    def __init__(self, url: str, baudrate: int = 115200) -> None:
        import serial  # hardware imports stay lazy: a laptop run never needs pyserial's ports

        self._serial: Any = serial.serial_for_url(url, baudrate=baudrate, timeout=0)
        self.path = url
        self.dropped_bytes = 0

    def fileno(self) -> int:
        return int(self._serial.fileno())

    def write(self, data: bytes) -> None:
        self._serial.write(data)

    def read(self) -> bytes:
        waiting = self._serial.in_waiting
        return bytes(self._serial.read(waiting)) if waiting else b""

    def close(self) -> None:
        self._serial.close()


def link(port: BoardPort, path: Path) -> None:
    """A stable name for a pty (``/dev/pts/N`` changes every run)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    if path.is_symlink() or path.exists():
        path.unlink()
    path.symlink_to(port.path)
