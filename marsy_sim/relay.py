"""A TCP relay between the simulation's clients and the broker: the link a fault plan cuts.

Every client connects to the relay, which connects on to the broker. :meth:`Relay.cut` makes
the link behave like a firewall dropping its packets: connections stay open, and nothing gets
through in either direction, new connections included. TCP would retransmit dropped segments
once the link is back, so the relay holds the bytes instead of discarding them (discarding
would corrupt the MQTT streams, which no network does): the senders' buffers fill and their
writes stall. :meth:`Relay.restore` lets everything flow again, in order.
"""

from __future__ import annotations

import logging
import socket
import threading
from types import TracebackType
from typing import Self

from devservers import free_port

logger = logging.getLogger(__name__)

CHUNK = 65536


class Relay:
    """Listens on 127.0.0.1:``port`` and relays each connection to ``upstream``."""

    def __init__(self, upstream: tuple[str, int], port: int | None = None) -> None:
        self.upstream = upstream
        self.port = port or free_port()
        self.connections = 0
        """Connections accepted since the start."""
        self._flowing = threading.Event()
        self._flowing.set()
        self._stopping = threading.Event()
        self._sockets: set[socket.socket] = set()
        self._lock = threading.Lock()
        self._listener: socket.socket | None = None
        self._acceptor: threading.Thread | None = None

    @property
    def is_cut(self) -> bool:
        return not self._flowing.is_set()

    def open_links(self) -> int:
        """Client connections open right now."""
        with self._lock:
            return len(self._sockets) // 2

    def start(self) -> None:
        listener = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        listener.bind(("127.0.0.1", self.port))
        listener.listen(128)
        listener.settimeout(0.2)
        self._listener = listener
        self._acceptor = threading.Thread(target=self._accept, name="relay-accept", daemon=True)
        self._acceptor.start()

    def cut(self) -> None:
        """From now on no byte passes, and no new connection reaches the broker."""
        self._flowing.clear()

    def restore(self) -> None:
        """Let the held bytes and connections through."""
        self._flowing.set()

    def stop(self) -> None:
        """Close the listener and every connection."""
        self._stopping.set()
        self._flowing.set()
        if self._acceptor is not None:
            self._acceptor.join(timeout=2)
        if self._listener is not None:
            self._listener.close()
        with self._lock:
            sockets, self._sockets = list(self._sockets), set()
        for sock in sockets:
            _close(sock)

    def __enter__(self) -> Self:
        self.start()
        return self

    def __exit__(
        self, kind: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.stop()

    # --- connections --------------------------------------------------------------------------

    def _accept(self) -> None:
        assert self._listener is not None
        while not self._stopping.is_set():
            try:
                client, _ = self._listener.accept()
            except TimeoutError:
                continue
            except OSError:
                return
            self.connections += 1
            threading.Thread(
                target=self._link, args=(client,), name="relay-link", daemon=True
            ).start()

    def _link(self, client: socket.socket) -> None:
        """Connect on to the broker once the link lets anything through, then pump both ways."""
        self._flowing.wait()
        if self._stopping.is_set():
            _close(client)
            return
        try:
            server = socket.create_connection(self.upstream, timeout=5.0)
        except OSError as exc:
            logger.debug("relay: broker unreachable: %s", exc)
            _close(client)
            return
        for sock in (client, server):
            sock.settimeout(None)
            sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        with self._lock:
            self._sockets.update((client, server))
        back = threading.Thread(
            target=self._pump, args=(server, client), name="relay-down", daemon=True
        )
        back.start()
        self._pump(client, server)
        back.join()
        with self._lock:
            self._sockets.difference_update((client, server))
        _close(client)
        _close(server)

    def _pump(self, source: socket.socket, sink: socket.socket) -> None:
        """Copy ``source`` to ``sink``; while the link is cut, hold what was read. At the end of
        one direction, end the other too (an MQTT connection is over when either side closes)."""
        try:
            while True:
                data = source.recv(CHUNK)
                if not data:
                    break
                self._flowing.wait()
                if self._stopping.is_set():
                    break
                sink.sendall(data)
        except OSError:
            pass
        for sock in (source, sink):
            try:
                sock.shutdown(socket.SHUT_RDWR)
            except OSError:
                pass


def _close(sock: socket.socket) -> None:
    try:
        sock.close()
    except OSError:
        pass
