"""The attack faults: forged events, forged refusals of the payload's orders, a jump in the
telemetry sequence, a takeover of a device's client id.

Each opens the satellite's real login (:mod:`marsy_sim.intruder`) and sends what
:mod:`marsy_sim.forgeries` forges, so the broker's and the ground's defences are tried as an
attacker on the ground network would try them; the verdicts are the fault's record.
"""

from __future__ import annotations

import time
import uuid
from typing import Any

from marsy.protocol import CommandAction, Device, EventType, Topics
from marsy_sim.fault_scene import FaultRecord, FaultScene, Handler
from marsy_sim.faults import FaultKind
from marsy_sim.forgeries import (
    ATTACKER,
    Envelope,
    Forgery,
    forged_events,
    forged_refusals,
    forged_telemetry,
)
from marsy_sim.intruder import Intruder, IntruderError
from marsy_sim.rest import call

POLL = 0.01
"""Wall seconds between two looks at the payload's orders: the rocket answers in tens of
milliseconds, and a forged refusal must come first to be tried at all."""


def topics(scene: FaultScene) -> Topics:
    """The topics of the broker the attacker reaches (not through the relay)."""
    return Topics(scene.hands.logins.topic_root)


def intruder(scene: FaultScene, client_id: str | None = None, **options: Any) -> Intruder:
    """A connected client on the attacker's login (a fresh client id unless one is asked)."""
    intruder = Intruder(
        scene.hands.logins.settings_for(str(ATTACKER)),
        client_id or f"intruder-{uuid.uuid4().hex[:8]}",
        **options,
    )
    intruder.connect()
    return intruder


def _envelope(scene: FaultScene) -> Envelope:
    return Envelope(scene.mission_id, int(time.time() * 1000), scene.clock.now())


def _send(scene: FaultScene, record: FaultRecord, forgeries: list[Forgery]) -> None:
    client = intruder(scene, reconnect=False)
    try:
        verdicts = client.send([(f.topic, f.payload) for f in forgeries])
    finally:
        client.close()
    for forgery, verdict in zip(forgeries, verdicts, strict=True):
        scene.note(record, f"{forgery.what}: {verdict}")


def forge_abort(scene: FaultScene, record: FaultRecord) -> None:
    claims = [(EventType.ABORT, Device.ROCKET)]
    _send(scene, record, forged_events(topics(scene), _envelope(scene), claims))


def forge_complete(scene: FaultScene, record: FaultRecord) -> None:
    claims = [
        (EventType.PAYLOAD_DETACHED, Device.SATELLITE),
        (EventType.BOOSTER_LOST, Device.BOOSTER),
    ]
    _send(scene, record, forged_events(topics(scene), _envelope(scene), claims))


def seq_jump(scene: FaultScene, record: FaultRecord) -> None:
    envelope = Envelope(scene.mission_id, record.fault.seq, scene.clock.now())
    _send(scene, record, forged_telemetry(topics(scene), envelope))


def forge_ack(scene: FaultScene, record: FaultRecord) -> None:
    """Watch the payload's orders; refuse each detach order in the rocket's stead."""
    forged: set[str] = set()
    url = f"{scene.hands.urls('payload')}/status"
    while not scene.ending.is_set() and scene.elapsed() < record.fault.ends:
        for order in _orders(url):
            if order.get("action") != CommandAction.DETACH or order["command_id"] in forged:
                continue
            forged.add(order["command_id"])
            when = "before" if order.get("outcome") == "pending" else "after"
            scene.note(record, f"order {order['command_id']} seen {when} its answer")
            forgeries = forged_refusals(
                topics(scene),
                _envelope(scene),
                order["command_id"],
                Device(order["device"]),
                CommandAction.DETACH,
            )
            _send(scene, record, forgeries)
        scene.ending.wait(POLL)
    if not forged:
        record.notes.append("no detach order seen")


def takeover(scene: FaultScene, record: FaultRecord) -> None:
    fault = record.fault
    try:
        client = intruder(
            scene, fault.client_id, clean_start=False, session_expiry=0, reconnect=False
        )
    except IntruderError as exc:
        scene.note(
            record, f"the {ATTACKER}'s login asking for client id {fault.client_id!r}: {exc}"
        )
        return
    scene.note(
        record,
        f"the {ATTACKER}'s login asked for client id {fault.client_id!r} and was let in "
        f"(a session was present: {client.session_present})",
    )
    ingest_dropped = False
    began = time.monotonic()
    try:
        while not scene.ending.is_set() and scene.elapsed() < fault.ends:
            if not client.connected:
                break
            if not _connected(f"{scene.hands.urls('telemetry')}/health"):
                ingest_dropped = True
            scene.ending.wait(0.1)
        held = time.monotonic() - began
        kept = client.connected
    finally:
        client.close()
    scene.note(
        record,
        f"held {held * scene.clock.warp:.0f} s, then left"
        if kept
        else f"dropped by the broker after {held * scene.clock.warp:.0f} s",
    )
    if ingest_dropped:
        scene.note(record, "the ingest lost its broker connection meanwhile")


def _orders(url: str) -> list[dict[str, Any]]:
    try:
        return list(call("GET", url, timeout=1.0).get("orders", []))
    except (OSError, ValueError):
        return []


def _connected(url: str) -> bool:
    """Whether a recorder says its bus is connected (unknown counts as connected)."""
    try:
        return bool(call("GET", url, timeout=1.0).get("connected", True))
    except (OSError, ValueError):
        return True


ATTACK_HANDLERS: dict[FaultKind, Handler] = {
    FaultKind.FORGE_ABORT: forge_abort,
    FaultKind.FORGE_COMPLETE: forge_complete,
    FaultKind.FORGE_ACK: forge_ack,
    FaultKind.SEQ_JUMP: seq_jump,
    FaultKind.TAKEOVER: takeover,
}
