"""A real full filesystem for the agent's outbox: a 16 MB tmpfs filled to the last block.

Mounting needs root (or CAP_SYS_ADMIN); without it the test fails saying so, never skips.
"""

from __future__ import annotations

import os
import subprocess
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

SIZE = "16m"


class FullDisk:
    """A small filesystem of its own that :meth:`fill` fills and :meth:`free` empties again."""

    def __init__(self, folder: Path) -> None:
        self.folder = folder
        self.filler = folder / "filler"

    def fill(self) -> None:
        """Write blocks until the filesystem refuses one more byte."""
        fd = os.open(self.filler, os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o600)
        try:
            for size in (1 << 20, 4096, 1):
                try:
                    while True:
                        os.write(fd, b"\0" * size)
                except OSError:
                    continue
        finally:
            os.close(fd)

    def free(self) -> None:
        self.filler.unlink(missing_ok=True)

    def available(self) -> int:
        stats = os.statvfs(self.folder)
        return stats.f_bavail * stats.f_frsize


@contextmanager
def full_disk(folder: Path) -> Iterator[FullDisk]:
    """A 16 MB tmpfs mounted on ``folder`` for the block, unmounted after it."""
    folder.mkdir(parents=True, exist_ok=True)
    mounted = subprocess.run(
        ["mount", "-t", "tmpfs", "-o", f"size={SIZE}", "tmpfs", str(folder)],
        capture_output=True,
        text=True,
        check=False,
    )
    if mounted.returncode != 0:
        raise AssertionError(
            f"cannot mount a {SIZE} tmpfs on {folder} (run the tests as root): {mounted.stderr}"
        )
    try:
        yield FullDisk(folder)
    finally:
        subprocess.run(["umount", "-l", str(folder)], check=False)
