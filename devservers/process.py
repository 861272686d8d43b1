"""A server child process: start, wait until it answers, stop, kill, restart."""

from __future__ import annotations

import logging
import os
import shutil
import signal
import socket
import subprocess
import threading
import time
import zlib
from collections.abc import Callable
from pathlib import Path
from typing import Self

logger = logging.getLogger(__name__)


class ServerUnavailable(RuntimeError):
    """A server binary is missing or the server did not come up."""


_handed_out: set[int] = set()
_handed_out_lock = threading.Lock()


def _port_slice() -> tuple[int, int]:
    """``MARSY_PORT_SLICE=i/n``: take only the ports of slice ``i`` of ``n``, so that n processes
    picking ports side by side (parallel test workers) never pick the same one."""
    raw = os.environ.get("MARSY_PORT_SLICE", "0/1")
    index, _, count = raw.partition("/")
    try:
        return int(index), max(1, int(count))
    except ValueError:
        return 0, 1


def free_port() -> int:
    """A TCP port on 127.0.0.1 that nothing listens on right now, and that this process has not
    handed out before: the kernel may offer the same free port to two calls in a row, and two
    servers of one simulation must not both get it."""
    index, count = _port_slice()
    while True:
        with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
            sock.bind(("127.0.0.1", 0))
            port = int(sock.getsockname()[1])
        # Linux hands out mostly odd ports to bind(0): slice on a hash, not on the port itself.
        if zlib.crc32(port.to_bytes(2, "big")) % count != index:
            continue
        with _handed_out_lock:
            if port not in _handed_out:
                _handed_out.add(port)
                return port


def _which(name: str) -> str | None:
    """``name`` on PATH, or in the ``sbin`` beside a ``bin`` of PATH: Debian installs servers in
    /usr/sbin, which a non-root user's PATH leaves out."""
    dirs = os.environ.get("PATH", os.defpath).split(os.pathsep)
    siblings = [str(Path(d).with_name("sbin")) for d in dirs if Path(d).name == "bin"]
    return shutil.which(name, path=os.pathsep.join(dirs + siblings))


def installed(name: str) -> bool:
    """Whether the server binary ``name`` can be found (see :func:`find_binary`)."""
    return _which(name) is not None


def find_binary(name: str, package: str) -> str:
    """Path of ``name`` (see :func:`_which`), or a clear error saying what to install."""
    found = _which(name)
    if found is None:
        raise ServerUnavailable(
            f"{name} not found on PATH: install it with `apt-get install {package}` "
            f"(or run `make test`, which does so as root)"
        )
    return found


def port_open(port: int) -> bool:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.settimeout(0.2)
        return sock.connect_ex(("127.0.0.1", port)) == 0


class ServerProcess:
    """One child server, its log in ``log_path``; ``ready`` says when it serves."""

    def __init__(
        self, name: str, argv: list[str], log_path: Path, ready: Callable[[], bool]
    ) -> None:
        self.name = name
        self.argv = argv
        self.log_path = log_path
        self._ready = ready
        self._proc: subprocess.Popen[bytes] | None = None

    @property
    def pid(self) -> int | None:
        return self._proc.pid if self._proc else None

    def running(self) -> bool:
        return self._proc is not None and self._proc.poll() is None

    def start(self, timeout: float = 20.0) -> None:
        if self.running():
            return
        with self.log_path.open("ab") as log:
            self._proc = subprocess.Popen(
                self.argv,
                stdout=log,
                stderr=subprocess.STDOUT,
                stdin=subprocess.DEVNULL,
                start_new_session=True,  # a Ctrl-C to the terminal is ours to handle, not its
            )
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if not self.running():
                raise ServerUnavailable(f"{self.name} exited at start: {self.log_tail()}")
            if self._ready():
                logger.debug("%s ready (pid %s)", self.name, self.pid)
                return
            time.sleep(0.05)
        self.kill()
        raise ServerUnavailable(f"{self.name} not ready after {timeout:.0f} s: {self.log_tail()}")

    def stop(self, timeout: float = 15.0) -> None:
        """SIGTERM and wait, so the server saves its state; SIGKILL if it hangs."""
        self._signal_and_wait(signal.SIGTERM, timeout)

    def kill(self) -> None:
        """SIGKILL: the crash a power cut or the OOM killer would cause."""
        self._signal_and_wait(signal.SIGKILL, 10.0)

    def reload(self) -> None:
        """SIGHUP: read the configuration files again, without a restart."""
        if self._proc is not None and self._proc.poll() is None:
            os.kill(self._proc.pid, signal.SIGHUP)

    def restart(self) -> None:
        self.stop()
        self.start()

    def _signal_and_wait(self, sig: signal.Signals, timeout: float) -> None:
        proc = self._proc
        if proc is None or proc.poll() is not None:
            return
        try:
            os.kill(proc.pid, sig)
            proc.wait(timeout)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait(5)
        except ProcessLookupError:
            pass

    def log_tail(self, lines: int = 15) -> str:
        try:
            text = self.log_path.read_text(errors="replace")
        except OSError:
            return "(no log)"
        return "\n".join(text.splitlines()[-lines:]) or "(empty log)"


class LocalServer:
    """Start/stop/kill/restart of a server instance that owns a :class:`ServerProcess`."""

    process: ServerProcess

    def start(self) -> None:
        self.process.start()

    def stop(self) -> None:
        self.process.stop()

    def kill(self) -> None:
        self.process.kill()

    def restart(self) -> None:
        self.stop()
        self.start()

    def __enter__(self) -> Self:
        self.start()
        return self

    def __exit__(self, *_: object) -> None:
        self.stop()
