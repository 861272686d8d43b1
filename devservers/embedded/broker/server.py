"""The broker's sockets and timers: asyncio on one thread, one protocol object per client.

Bytes in go through :func:`decoding.parse` to the connection's :class:`ClientHandler`; a malformed
packet or a failure while handling one ends that client alone. Bytes out are gathered per
client and written once per event-loop pass, so a burst of deliveries costs one ``send``
rather than one each; TCP_NODELAY is set, as Mosquitto's ``set_tcp_nodelay`` does, so a
QoS-1 round trip never waits on Nagle's algorithm.

Timers: keepalive (a client silent for 1.5x its keepalive is dropped and its will sent), session
expiry, and the periodic save of :mod:`state`. On shutdown the wills of connected clients go
out, as from Mosquitto, and the state is saved before the process exits.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import socket
import time
from collections.abc import Awaitable, Callable
from pathlib import Path

from devservers.embedded.broker import state
from devservers.embedded.broker.decoding import parse
from devservers.embedded.broker.errors import ProtocolError, Reason
from devservers.embedded.broker.handler import Broker, ClientHandler

logger = logging.getLogger(__name__)

CONNECT_TIMEOUT = 30.0
"""Seconds a new connection has to send CONNECT."""


class _Client(asyncio.Protocol):
    """One TCP connection: the handler's :class:`~handler.Connection`."""

    def __init__(self, server: BrokerServer) -> None:
        self.server = server
        self.peer = "?"
        self.handler = ClientHandler(server.broker, self)
        self.last_seen = time.monotonic()
        self.transport: asyncio.Transport | None = None
        self._buffer = b""
        self._out: list[bytes] = []
        self._flush_pending = False

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        assert isinstance(transport, asyncio.Transport)
        self.transport = transport
        sock = transport.get_extra_info("socket")
        if sock is not None:
            sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        peer = transport.get_extra_info("peername")
        self.peer = f"{peer[0]}:{peer[1]}" if peer else "?"
        self.server.clients.add(self)
        logger.debug("New connection from %s.", self.peer)

    def data_received(self, data: bytes) -> None:
        self.last_seen = time.monotonic()
        handler = self.handler
        if handler.closed:
            return
        packets, self._buffer, error = parse(
            self._buffer + data if self._buffer else data,
            self.server.broker.limits.max_packet_size,
        )
        try:
            for packet in packets:
                handler.handle(packet)
                if handler.closed:
                    return
        except ProtocolError as exc:
            handler.fail(exc)
            return
        except Exception:  # a fault of ours must not take the other clients down with it
            logger.exception("Internal error handling %s; disconnecting it", handler.client_id)
            handler.fail(ProtocolError(Reason.IMPLEMENTATION_SPECIFIC_ERROR, "internal error"))
            return
        if error is not None:
            handler.fail(error)

    def connection_lost(self, exc: Exception | None) -> None:
        self.server.clients.discard(self)
        try:
            self.handler.connection_lost()
        except Exception:
            logger.exception("Internal error closing %s", self.handler.client_id)

    def send(self, data: bytes) -> None:
        self._out.append(data)
        if not self._flush_pending:
            self._flush_pending = True
            asyncio.get_running_loop().call_soon(self._flush)

    def _flush(self) -> None:
        self._flush_pending = False
        out, self._out = self._out, []
        transport = self.transport
        if out and transport is not None and not transport.is_closing():
            transport.write(b"".join(out))

    def close(self) -> None:
        """Write what is pending, then close (asyncio drains the buffer first)."""
        self._flush()
        if self.transport is not None:
            self.transport.close()


class BrokerServer:
    """Listens, runs the timers, saves the state; :meth:`serve` returns once stopped."""

    def __init__(
        self, broker: Broker, data_dir: Path | None = None, save_interval: float = 1.0
    ) -> None:
        self.broker = broker
        self.state_path = data_dir / state.STATE_FILE if data_dir else None
        self.save_interval = save_interval
        self.clients: set[_Client] = set()
        self._saved_changes = -1
        self._next_save = 0.0

    def load(self) -> None:
        """Take up the sessions and retained messages of the last run, if any."""
        if self.state_path is None:
            return
        data = state.load(self.state_path)
        if data is not None:
            state.restore(data, self.broker.router)
            router = self.broker.router
            logger.info(
                "Restored %d sessions and %d retained messages from %s",
                len(router.sessions),
                len(router.retained),
                self.state_path,
            )
        self._saved_changes = self.broker.router.changes

    async def serve(self, host: str, port: int, stop: asyncio.Event) -> None:
        loop = asyncio.get_running_loop()
        server = await loop.create_server(lambda: _Client(self), host, port, reuse_address=True)
        logger.info("Embedded MQTT broker listening on %s:%d", host, port)
        timers = [
            asyncio.create_task(self._every(0.5, self._check_keepalives, stop)),
            asyncio.create_task(self._every(self.save_interval, self._housekeeping, stop)),
        ]
        try:
            await stop.wait()
        finally:
            server.close()
            await asyncio.gather(*timers, return_exceptions=True)
            await self._shut_down()

    async def _every(
        self, interval: float, action: Callable[[], Awaitable[None]], stop: asyncio.Event
    ) -> None:
        while not stop.is_set():
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(stop.wait(), interval)
            if stop.is_set():
                return
            try:
                await action()
            except Exception:
                logger.exception("Periodic %s failed", getattr(action, "__name__", action))

    async def _check_keepalives(self) -> None:
        now = time.monotonic()
        for client in list(self.clients):
            handler = client.handler
            idle = now - client.last_seen
            if handler.session is None:
                if idle > CONNECT_TIMEOUT and not handler.closed:
                    logger.info("Client at %s sent no CONNECT; closing", client.peer)
                    client.close()
            elif handler.keepalive and idle > 1.5 * handler.keepalive:
                logger.info("Client %s has exceeded timeout, disconnecting.", handler.client_id)
                handler.kick(Reason.KEEP_ALIVE_TIMEOUT)

    async def _housekeeping(self) -> None:
        router = self.broker.router
        for client_id in router.expire(time.time()):
            logger.info("Expiring client %s.", client_id)
        if self.state_path is None or router.changes == self._saved_changes:
            return
        started = time.monotonic()
        if started < self._next_save:
            return
        self._saved_changes = router.changes
        data = state.dumps(state.snapshot(router, time.time()))
        # A long backlog makes the snapshot slow, and it runs on the loop: space the saves so
        # they never take more than a tenth of it. The file is written off the loop.
        self._next_save = started + 10 * (time.monotonic() - started)
        await asyncio.to_thread(state.write_atomic, self.state_path, data)

    async def _shut_down(self) -> None:
        clients = list(self.clients)
        for client in clients:  # Mosquitto sends every will before it goes
            client.handler.publish_will()
        for client in clients:
            client.handler.drop()
        if self.state_path is not None:
            data = state.snapshot(self.broker.router, time.time())
            state.write_atomic(self.state_path, state.dumps(data))
            logger.info("Saved state to %s", self.state_path)
        deadline = time.monotonic() + 2.0
        while self.clients and time.monotonic() < deadline:
            await asyncio.sleep(0.02)  # let the closing sockets drain what they still hold
