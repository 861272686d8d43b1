"""The sequence numbers' high-water mark, kept where a full disk cannot take it away.

While the outbox cannot write, the agent keeps numbering what its board sends (the messages wait
in memory). Were it killed then, the numbers it gave would be given again after the restart, to
other samples, which receivers would drop as duplicates. So the counters moved since the last
commit are also written here: a file of fixed size, filled with blanks when the agent opens it
and then only overwritten in place, which needs no new block on a full filesystem. At the next
start the outbox takes, for each counter, the higher of the two.
"""

from __future__ import annotations

import json
import logging
import os
from pathlib import Path

logger = logging.getLogger(__name__)

SIZE = 64 * 1024
"""Bytes set aside: the counters of a few missions' streams take well under a kilobyte."""


class HighWater:
    """Counters written in place into a file allocated in advance."""

    def __init__(self, path: Path, size: int = SIZE) -> None:
        self.path = path
        self.size = size
        self._ready = False
        self._extent = size
        """Bytes that may hold an earlier write: each write blanks them, and no more."""
        self._allocate()

    def _allocate(self) -> None:
        try:
            fd = os.open(self.path, os.O_RDWR | os.O_CREAT, 0o600)
            try:
                have = os.fstat(fd).st_size
                if have < self.size:
                    os.pwrite(fd, b" " * (self.size - have), have)
            finally:
                os.close(fd)
        except OSError as exc:
            logger.warning("cannot set aside %s: %s", self.path, exc)
            return
        self._ready = True

    def read(self) -> dict[str, int]:
        """The counters last written (none if the file is missing or torn)."""
        try:
            text = self.path.read_bytes().decode().strip()
        except (OSError, UnicodeDecodeError):
            return {}
        if not text:
            return {}
        try:
            values = json.loads(text)
        except ValueError:
            logger.warning("%s is torn; ignoring it", self.path)
            return {}
        if not isinstance(values, dict):
            return {}
        return {str(k): int(v) for k, v in values.items() if isinstance(v, int)}

    def write(self, values: dict[str, int]) -> bool:
        """Overwrite the file with ``values``; ``False`` if they could not be kept."""
        if not self._ready:
            self._allocate()
            if not self._ready:
                return False
        data = json.dumps(values, separators=(",", ":"), sort_keys=True).encode()
        if len(data) > self.size:
            logger.error("%d bytes of counters do not fit in %s", len(data), self.path)
            return False
        try:
            fd = os.open(self.path, os.O_WRONLY)
            try:
                os.pwrite(fd, data.ljust(max(self._extent, len(data))), 0)
            finally:
                os.close(fd)
        except OSError as exc:
            logger.error("cannot keep the counters' high-water mark in %s: %s", self.path, exc)
            return False
        self._extent = len(data)
        return True
