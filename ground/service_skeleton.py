"""The one shape of a ground service's process: build its parts, start them, serve, stop them.

Every ``ground/<name>/service.py`` builds a :class:`Skeleton` and hands it to :func:`serve`:

- **parts** start in the order they were added and stop in the reverse order. The MQTT
  connection (with the service's presence) and the HTTP server are parts like any other; the
  server, added last, is the last up and the first down. A store or client that only needs
  closing is a part with a stop and no start;
- **loops** (the bus loop, a heartbeat, a watcher) run on their own threads once every part is
  up, until the stop; they are joined before any part stops, so no loop uses a stopped part;
- the stop comes in a ``finally``: whatever ends the serving (``stop`` set by SIGTERM or Ctrl-C,
  or an exception), whatever was started is stopped, a part that fails to stop is logged and the
  others still stop, and a second stop does nothing. A part that fails to start stops the parts
  started before it.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from dataclasses import dataclass
from typing import Protocol, TypeVar

from flask import Flask

from ground.web import HttpServer
from marsy.clock import MissionClock
from marsy.mqtt import MqttBus
from marsy.settings import GroundSettings

logger = logging.getLogger(__name__)

Action = Callable[[], object]
Loop = Callable[[threading.Event], object]
"""A loop's body: it runs until the event it is given is set."""


class Part(Protocol):
    def start(self) -> None: ...

    def stop(self) -> None: ...


class Closable(Protocol):
    def close(self) -> None: ...


P = TypeVar("P", bound=Part)
C = TypeVar("C", bound=Closable)


@dataclass(frozen=True)
class _Part:
    name: str
    start: Action | None
    stop: Action | None


@dataclass(frozen=True)
class _Loop:
    name: str
    body: Loop
    join_timeout: float


class Skeleton:
    """A service's parts and loops; :meth:`start`, then :meth:`stop` (see the module)."""

    def __init__(self, name: str) -> None:
        self.name = name
        self.stopping = threading.Event()
        """Set when the service stops: the loops' end."""
        self.server: HttpServer | None = None
        self._parts: list[_Part] = []
        self._loops: list[_Loop] = []
        self._up: list[_Part] = []
        self._threads: list[tuple[threading.Thread, float]] = []
        self._lock = threading.Lock()

    # --- building -----------------------------------------------------------------------------

    def add(self, name: str, start: Action | None = None, stop: Action | None = None) -> None:
        """A part given by what starts it and what stops it (either may be missing)."""
        self._parts.append(_Part(name, start, stop))

    def part(self, part: P, name: str | None = None) -> P:
        """A part with ``start()`` and ``stop()``; returned, to be kept by the caller."""
        self.add(name or type(part).__name__, part.start, part.stop)
        return part

    def closing(self, closable: C) -> C:
        """Something built open (a store, a client), closed at the stop once everything added
        after it has stopped; returned, to be kept by the caller."""
        self.add(type(closable).__name__, None, closable.close)
        return closable

    def mqtt(self, settings: GroundSettings, clock: MissionClock, presence: str | None) -> MqttBus:
        """The service's MQTT connection (its client id is the login), announcing ``presence``
        (retained "online", "offline" as its last will and at the stop). It connects in the
        background: the API answers while the broker is away. Subscribe before :meth:`start`."""
        bus = MqttBus(settings.mqtt, presence=presence, clock=clock)
        self.add("mqtt", lambda: bus.start(wait=None), bus.stop)
        return bus

    def http(self, app: Flask, settings: GroundSettings) -> HttpServer:
        """The threaded HTTP server for ``app`` on the settings' host and port."""
        server = HttpServer(app, settings.http_host, settings.http_port)
        self.server = server
        self.add("http", server.start, server.stop)
        return server

    def loop(self, name: str, body: Loop, *, join_timeout: float = 5.0) -> None:
        """``body(stopping)`` on a thread of its own from the start to the stop; the stop waits
        ``join_timeout`` wall seconds for it to end (the thread is a daemon: a loop stuck in a
        call cannot hold the process)."""
        self._loops.append(_Loop(name, body, join_timeout))

    @property
    def url(self) -> str:
        """Where the HTTP server answers."""
        if self.server is None:
            raise RuntimeError(f"{self.name} has no HTTP server")
        return self.server.url

    # --- running ------------------------------------------------------------------------------

    def start(self) -> None:
        """Start the parts in order, then the loops; a part that fails to start stops the parts
        before it, and its exception is raised."""
        try:
            for part in self._parts:
                with self._lock:
                    if self.stopping.is_set():
                        return
                    if part.start is not None:
                        part.start()
                    self._up.append(part)
            with self._lock:
                for loop in self._loops:
                    thread = threading.Thread(
                        target=loop.body,
                        args=(self.stopping,),
                        name=f"{self.name}-{loop.name}",
                        daemon=True,
                    )
                    thread.start()
                    self._threads.append((thread, loop.join_timeout))
        except BaseException:
            self.stop()
            raise

    def stop(self) -> None:
        """End the loops, then stop the parts started, last first. A second call does nothing."""
        with self._lock:
            if self.stopping.is_set():
                return
            self.stopping.set()
            threads, self._threads = self._threads, []
            up, self._up = self._up, []
        for thread, timeout in threads:
            thread.join(timeout)
            if thread.is_alive():
                logger.warning("%s: %s still running after %g s", self.name, thread.name, timeout)
        for part in reversed(up):
            if part.stop is None:
                continue
            try:
                part.stop()
            except Exception:  # the other parts must still stop (the bus says "offline")
                logger.exception("%s: stopping %s failed", self.name, part.name)


def serve(
    skeleton: Skeleton,
    stop: threading.Event,
    main: Loop | None = None,
    *,
    detail: object = None,
) -> None:
    """Start ``skeleton``, run ``main(stop)`` (or wait for ``stop``), and stop it whatever ends
    the serving. ``detail``: what the start-up log line says besides where the service is."""
    skeleton.start()
    try:
        where = f" at {skeleton.server.url}" if skeleton.server is not None else ""
        logger.info("%s%s%s", skeleton.name, where, "" if detail is None else f": {detail}")
        if main is None:
            stop.wait()
        else:
            main(stop)
    finally:
        skeleton.stop()
