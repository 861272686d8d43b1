"""The relay a link cut cuts: while cut, connections stay open and no byte passes either way;
restored, everything held arrives, in order. Against a real MQTT broker too."""

from __future__ import annotations

import socket
import threading
from collections.abc import Iterator

import pytest

from devservers import LocalMosquitto
from marsy.protocol import Channel
from marsy_sim.intruder import TAKEN, Intruder
from marsy_sim.relay import Relay


@pytest.fixture
def echo() -> Iterator[int]:
    """A TCP echo server on a free port."""
    server = socket.create_server(("127.0.0.1", 0))
    server.settimeout(0.2)
    stop = threading.Event()

    def serve(conn: socket.socket) -> None:
        with conn:
            while data := conn.recv(4096):
                conn.sendall(data)

    def accept() -> None:
        while not stop.is_set():
            try:
                conn, _ = server.accept()
            except TimeoutError:
                continue
            threading.Thread(target=serve, args=(conn,), daemon=True).start()

    thread = threading.Thread(target=accept, daemon=True)
    thread.start()
    yield server.getsockname()[1]
    stop.set()
    thread.join()
    server.close()


def received(sock: socket.socket, size: int, timeout: float) -> bytes:
    sock.settimeout(timeout)
    data = b""
    try:
        while len(data) < size:
            chunk = sock.recv(size - len(data))
            if not chunk:
                break
            data += chunk
    except TimeoutError:
        pass
    return data


def test_a_cut_holds_the_bytes_and_the_connection_then_lets_them_through(echo: int) -> None:
    with (
        Relay(("127.0.0.1", echo)) as relay,
        socket.create_connection(("127.0.0.1", relay.port)) as client,
    ):
        client.sendall(b"before")
        assert received(client, 6, 2.0) == b"before"
        assert relay.open_links() == 1

        relay.cut()
        client.sendall(b"held-1 ")
        client.sendall(b"held-2")
        assert received(client, 13, 0.5) == b"", "nothing passes while the link is cut"
        assert relay.is_cut and relay.open_links() == 1

        relay.restore()
        assert received(client, 13, 2.0) == b"held-1 held-2"


def test_a_connection_opened_during_a_cut_reaches_the_server_once_restored(echo: int) -> None:
    with Relay(("127.0.0.1", echo)) as relay:
        relay.cut()
        with socket.create_connection(("127.0.0.1", relay.port)) as client:
            client.sendall(b"hello")
            assert received(client, 5, 0.5) == b""
            assert relay.open_links() == 0, "not connected on while the link is cut"
            relay.restore()
            assert received(client, 5, 2.0) == b"hello"


def test_the_relay_closes_a_client_when_the_server_is_gone() -> None:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        dead = probe.getsockname()[1]
    with (
        Relay(("127.0.0.1", dead)) as relay,
        socket.create_connection(("127.0.0.1", relay.port)) as client,
    ):
        assert received(client, 1, 2.0) == b"", "closed, not left hanging"


@pytest.mark.integration
def test_mqtt_through_a_cut_link_is_late_but_whole(private_broker: LocalMosquitto) -> None:
    """QoS-1 publishes made while the link is cut are acknowledged once it is back, on the same
    connection (nobody was disconnected)."""
    upstream = private_broker.settings_for("rocket")
    topic = upstream.topics.topic(Channel.TELEMETRY, "rocket")
    with Relay((upstream.host, upstream.port)) as relay:
        relayed = private_broker.settings_for("rocket", host="127.0.0.1", port=relay.port)
        rocket = Intruder(relayed, "relay-rocket", reconnect=False)
        rocket.connect()
        try:
            relay.cut()
            verdicts: list[str] = []
            sender = threading.Thread(
                target=lambda: verdicts.extend(rocket.send([(topic, b"x")] * 50, timeout=10.0))
            )
            sender.start()
            sender.join(0.5)
            assert sender.is_alive(), "no PUBACK while the link is cut"
            relay.restore()
            sender.join(10.0)
            assert verdicts == [TAKEN] * 50
            assert rocket.connected and rocket.kicked == 0
        finally:
            rocket.close()
