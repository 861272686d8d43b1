"""The saved state brings back sessions and retained messages exactly."""

from __future__ import annotations

import json
from pathlib import Path

from devservers.embedded.broker import state
from devservers.embedded.broker.auth import Acl
from devservers.embedded.broker.packets import SubscriptionOptions
from devservers.embedded.broker.router import Router
from devservers.embedded.broker.sessions import Delivery, Message, Session
from marsy.brokerconf import acl_text

ACL = Acl.parse(acl_text())


class Wire:
    def send(self, data: bytes) -> None:
        pass


def populated() -> Router:
    router = Router(ACL)
    router.retain(Message.make("t/presence/rocket", b"online", 1, True))
    session = Session("durable", "observer", expiry=3600)
    router.add(session)
    router.subscribe(session, "t/#", SubscriptionOptions(1, retain_handling=1))
    session.attach(Wire(), receive_maximum=2, max_packet_size=0)
    shared = Message.make("t/telemetry/rocket", b"\x00\xff", 1, properties=b"\x02\x01\x01")
    for n in range(3):
        session.deliver(Delivery(Message.make("t/logs/x", bytes([n]), 1), 1, False))
    session.deliver(Delivery(shared, 1, False))
    router.add(Session("fleeting", "rocket", expiry=0))
    return router


def test_a_snapshot_restores_sessions_and_retained_messages(tmp_path: Path) -> None:
    original = populated()
    data = state.snapshot(original, now=5000.0)
    path = tmp_path / state.STATE_FILE
    state.write_atomic(path, state.dumps(data))
    loaded = state.load(path)
    assert loaded is not None
    restored = Router(ACL)
    state.restore(loaded, restored)

    assert list(restored.sessions) == ["durable"]  # a session without expiry is not kept
    before, after = original.sessions["durable"], restored.sessions["durable"]
    assert after.subscriptions == before.subscriptions
    assert after.disconnected_at == 5000.0 and after.expiry == 3600
    assert after.next_id == before.next_id
    assert [(pid, d.message.payload) for pid, d in after.inflight.items()] == [
        (pid, d.message.payload) for pid, d in before.inflight.items()
    ]
    assert [d.message.payload for d in after.queue] == [b"\x02", b"\x00\xff"]
    assert after.queue[-1].message.properties == b"\x02\x01\x01"
    assert restored.retained["t/presence/rocket"].payload == b"online"
    assert not list(tmp_path.glob("*.new"))


def test_no_state_file_means_a_first_start(tmp_path: Path) -> None:
    assert state.load(tmp_path / state.STATE_FILE) is None


def test_a_message_held_by_several_sessions_is_stored_once() -> None:
    router = Router(ACL)
    message = Message.make("t/logs/x", b"x", 1)
    for name in ("a", "b"):
        session = Session(name, "observer", expiry=60)
        router.add(session)
        session.deliver(Delivery(message, 1, False))
    data = state.snapshot(router, now=0.0)
    assert len(data["messages"]) == 1
    assert json.loads(state.dumps(data)) == data
