"""Child processes of a simulation: started, watched, restarted on a crash, always stopped.

As systemd's ``Restart=on-failure`` does on the devices, a child that exits on its own is
restarted (after a short pause), logged and counted. Stopping sends SIGTERM to each child's
process group, then SIGKILL to whatever is left, so no orphan survives the simulation.
"""

from __future__ import annotations

import logging
import os
import signal
import subprocess
import time
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path

logger = logging.getLogger(__name__)


@dataclass
class Child:
    name: str
    argv: list[str]
    env: Mapping[str, str] = field(default_factory=dict)
    restart: bool = True
    proc: subprocess.Popen[bytes] | None = None
    restarts: int = 0
    started_at: float = 0.0


class Supervisor:
    """Owns the children; :meth:`check` restarts the ones that died."""

    def __init__(self, log_dir: Path) -> None:
        self.log_dir = log_dir
        self.children: dict[str, Child] = {}
        log_dir.mkdir(parents=True, exist_ok=True)

    def start(self, child: Child) -> None:
        self.children[child.name] = child
        self._spawn(child)

    def _spawn(self, child: Child) -> None:
        log = (self.log_dir / f"{child.name}.log").open("ab")
        env = {**os.environ, **child.env}
        child.proc = subprocess.Popen(
            child.argv,
            stdout=log,
            stderr=subprocess.STDOUT,
            stdin=subprocess.DEVNULL,
            env=env,
            start_new_session=True,  # its own process group: we stop it and its children
        )
        log.close()
        child.started_at = time.monotonic()
        logger.debug("started %s (pid %s)", child.name, child.proc.pid)

    def check(self) -> list[str]:
        """Restart children that exited; returns the names restarted."""
        restarted = []
        for child in self.children.values():
            if child.proc is None or child.proc.poll() is None or not child.restart:
                continue
            if time.monotonic() - child.started_at < 0.5:
                continue
            logger.warning("%s exited with %s; restarting", child.name, child.proc.returncode)
            child.restarts += 1
            self._spawn(child)
            restarted.append(child.name)
        return restarted

    def kill(self, name: str, sig: signal.Signals = signal.SIGKILL) -> None:
        """Send ``sig`` to one child (the chaos monkey's hand)."""
        child = self.children[name]
        if child.proc is not None and child.proc.poll() is None:
            os.killpg(child.proc.pid, sig)

    def retire(self, names: list[str], timeout: float = 10.0) -> None:
        """Stop these children for good and forget them (a vehicle whose mission is over)."""
        self.stop(timeout, names)
        for name in names:
            self.children.pop(name, None)

    def stop(self, timeout: float = 10.0, names: list[str] | None = None) -> None:
        """SIGTERM everyone (or the ``names``), wait, then SIGKILL the stragglers."""
        chosen = [self.children[n] for n in names] if names is not None else self.children.values()
        live = [c for c in chosen if c.proc and c.proc.poll() is None]
        for child in live:
            child.restart = False
            try:
                os.killpg(child.proc.pid, signal.SIGTERM)  # type: ignore[union-attr]
            except ProcessLookupError:
                pass
        deadline = time.monotonic() + timeout
        for child in live:
            assert child.proc is not None
            try:
                child.proc.wait(max(0.1, deadline - time.monotonic()))
            except subprocess.TimeoutExpired:
                logger.warning("%s ignored SIGTERM; killing it", child.name)
                try:
                    os.killpg(child.proc.pid, signal.SIGKILL)
                except ProcessLookupError:
                    pass
                child.proc.wait(5)
