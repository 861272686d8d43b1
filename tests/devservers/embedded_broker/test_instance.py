"""The embedded broker as a process: loopback only, one bad client hurts no other, state kept.

MarsY's bus behaviour on it (ACL, wills, no loss across restarts) is tested in tests/mqtt,
where every test runs against Mosquitto and against this broker.
"""

from __future__ import annotations

import signal
import socket
import subprocess
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from devservers.embedded.broker.decoding import parse
from devservers.embedded.broker.encoding import encode
from devservers.embedded.broker.errors import Reason
from devservers.embedded.broker.instance import EmbeddedBroker
from devservers.embedded.broker.packets import (
    Connack,
    Connect,
    Disconnect,
    Packet,
    Publish,
    Subscribe,
    SubscriptionOptions,
    Will,
)
from devservers.embedded.broker.properties import Prop
from devservers.embedded.broker.state import STATE_FILE
from devservers.process import port_open
from tests.waiting import wait_for

pytestmark = pytest.mark.integration


@pytest.fixture(scope="module")
def broker(tmp_path_factory: pytest.TempPathFactory) -> Iterator[EmbeddedBroker]:
    server = EmbeddedBroker(tmp_path_factory.mktemp("embedded"), topic_root="t")
    server.start()
    yield server
    server.stop()


class RawClient:
    """A bare socket speaking MQTT through the codec, to send what no real client would."""

    def __init__(self, broker: EmbeddedBroker, user: str, client_id: str, **connect: object):
        """``client_id`` is only asked for: the broker gives the login instead."""
        self.sock = socket.create_connection(("127.0.0.1", broker.port), timeout=5)
        password = broker.passwords[user].encode()
        packet = Connect(5, client_id, username=user, password=password, **connect)  # type: ignore[arg-type]
        self.send(encode(packet))
        self._buffer = b""
        assert isinstance(self.receive()[0], Connack)

    def send(self, data: bytes) -> None:
        self.sock.sendall(data)

    def receive(self, timeout: float = 5.0) -> list[Packet]:
        """The next packets; an empty list once the broker has closed the connection."""
        self.sock.settimeout(timeout)
        while True:
            packets, self._buffer, error = parse(self._buffer, 1 << 20)
            assert error is None
            if packets:
                return packets
            data = self.sock.recv(65536)
            if not data:
                return []
            self._buffer += data

    def close(self) -> None:
        self.sock.close()


def test_it_listens_on_loopback_only(broker: EmbeddedBroker) -> None:
    assert port_open(broker.port)
    argv = broker.process.argv
    assert argv[argv.index("--bind") + 1] == "127.0.0.1"
    with pytest.raises(ValueError, match="no TLS"):
        broker.tls_settings_for("rocket")


def test_a_malformed_packet_closes_that_client_only(broker: EmbeddedBroker) -> None:
    watcher = RawClient(broker, "observer", "watcher")
    watcher.send(encode(Subscribe(1, (("t/telemetry/+", SubscriptionOptions(0)),))))
    watcher.receive()
    vandal = RawClient(broker, "rocket", "vandal")
    vandal.send(b"\x30\xff\xff\xff\xff\x01")  # a remaining length of five bytes
    assert vandal.receive() == [Disconnect(Reason.MALFORMED_PACKET)]
    assert vandal.receive() == []
    giant = RawClient(broker, "rocket", "giant")
    giant.send(encode(Publish("t/telemetry/rocket", b"x" * 131_072)))
    assert giant.receive() == [Disconnect(Reason.PACKET_TOO_LARGE)]
    rocket = RawClient(broker, "rocket", "rocket")
    rocket.send(encode(Publish("t/telemetry/rocket", b"still here")))
    [delivery] = watcher.receive()
    assert isinstance(delivery, Publish) and delivery.payload == b"still here"
    assert "malformed packet" in broker.process.log_tail(50)
    for client in (watcher, vandal, giant, rocket):
        client.close()


def test_a_silent_client_is_dropped_after_its_keepalive_and_its_will_sent(
    broker: EmbeddedBroker,
) -> None:
    watcher = RawClient(broker, "observer", "will-watcher")
    watcher.send(encode(Subscribe(1, (("t/presence/+", SubscriptionOptions(1)),))))
    watcher.receive()
    will = Will("t/presence/suit", b"offline", qos=1)
    silent = RawClient(broker, "suit", "silent", keepalive=1, will=will)
    started = time.monotonic()
    assert silent.receive() == [Disconnect(Reason.KEEP_ALIVE_TIMEOUT)]
    assert time.monotonic() - started >= 1.4
    [delivery] = watcher.receive()
    assert isinstance(delivery, Publish) and delivery.payload == b"offline"
    for client in (watcher, silent):
        client.close()


def test_sigterm_saves_the_state_and_exits_0(tmp_path: Path) -> None:
    broker = EmbeddedBroker(tmp_path)
    proc = subprocess.Popen(broker.process.argv, stderr=subprocess.DEVNULL)
    try:
        wait_for(lambda: port_open(broker.port), 10, "the broker's port")
        expiry = {Prop.SESSION_EXPIRY_INTERVAL: 3600}
        client = RawClient(broker, "observer", "durable", clean_start=False, properties=expiry)
        client.close()
        proc.send_signal(signal.SIGTERM)
        assert proc.wait(10) == 0
    finally:
        proc.kill()
        proc.wait()
    assert '"client_id":"observer"' in (tmp_path / "data" / STATE_FILE).read_text()
