"""The broker's persistent state in its data folder, like Mosquitto's ``mosquitto.db``.

Retained messages and every session that outlives its connection (subscriptions, queued and
in-flight QoS-1 deliveries with their packet ids, expiry) are written as one JSON document.
The server saves on SIGTERM/SIGINT and every second or so while something changed, never per
message; a save writes a temporary file and renames it over the old one, so a crash midway
leaves the previous state whole. A message several sessions hold is stored once.
"""

from __future__ import annotations

import base64
import json
import os
from pathlib import Path
from typing import Any

from devservers.embedded.broker.packets import SubscriptionOptions
from devservers.embedded.broker.router import Router
from devservers.embedded.broker.sessions import Delivery, Message, Session

STATE_FILE = "embedded-broker.json"
FORMAT = 1


def _b64(data: bytes) -> str:
    return base64.b64encode(data).decode("ascii")


def snapshot(router: Router, now: float) -> dict[str, Any]:
    """Everything worth keeping, as JSON-ready data; connected sessions count as left ``now``."""
    messages: list[list[Any]] = []
    index: dict[int, int] = {}

    def ref(message: Message) -> int:
        key = id(message)
        if key not in index:
            index[key] = len(messages)
            messages.append(
                [
                    message.topic,
                    _b64(message.payload),
                    message.qos,
                    message.retain,
                    _b64(message.properties),
                ]
            )
        return index[key]

    sessions = []
    for session in router.sessions.values():
        if session.expiry == 0:
            continue
        sessions.append(
            {
                "client_id": session.client_id,
                "username": session.username,
                "expiry": session.expiry,
                "disconnected_at": session.disconnected_at or now,
                "next_id": session.next_id,
                "subscriptions": [
                    [f, o.qos, o.no_local, o.retain_as_published, o.retain_handling]
                    for f, o in session.subscriptions.items()
                ],
                "inflight": [
                    [pid, ref(d.message), d.qos, d.retain] for pid, d in session.inflight.items()
                ],
                "queue": [[ref(d.message), d.qos, d.retain] for d in session.queue],
            }
        )
    retained = [ref(message) for message in router.retained.values()]
    return {
        "format": FORMAT,
        "saved_at": now,
        "messages": messages,
        "retained": retained,
        "sessions": sessions,
    }


def restore(data: dict[str, Any], router: Router) -> None:
    """Put a :func:`snapshot` back into an empty router."""
    if data.get("format") != FORMAT:
        raise ValueError(f"unknown broker state format {data.get('format')!r}")
    messages = [
        Message.make(topic, base64.b64decode(payload), qos, retain, base64.b64decode(props))
        for topic, payload, qos, retain, props in data["messages"]
    ]
    for ref in data["retained"]:
        router.retain(messages[ref])
    for saved in data["sessions"]:
        session = Session(saved["client_id"], saved["username"], saved["expiry"])
        session.disconnected_at = saved["disconnected_at"]
        session.next_id = saved["next_id"]
        for topic_filter, qos, no_local, as_published, handling in saved["subscriptions"]:
            options = SubscriptionOptions(qos, no_local, as_published, handling)
            session.subscriptions[topic_filter] = options
        for pid, ref, qos, retain in saved["inflight"]:
            session.inflight[pid] = Delivery(messages[ref], qos, retain)
        session.queue.extend(
            Delivery(messages[ref], qos, retain) for ref, qos, retain in saved["queue"]
        )
        router.add(session)


def dumps(data: dict[str, Any]) -> bytes:
    return json.dumps(data, separators=(",", ":")).encode()


def write_atomic(path: Path, data: bytes) -> None:
    """Replace ``path`` with ``data`` so that a reader sees the old file or the new, whole."""
    tmp = path.with_name(path.name + ".new")
    with tmp.open("wb") as file:
        file.write(data)
        file.flush()
        os.fsync(file.fileno())
    tmp.replace(path)
    dir_fd = os.open(path.parent, os.O_RDONLY)
    try:
        os.fsync(dir_fd)  # the rename itself survives a power cut only once the folder is synced
    finally:
        os.close(dir_fd)


def load(path: Path) -> dict[str, Any] | None:
    """The saved state, or ``None`` on a first start."""
    try:
        raw = path.read_bytes()
    except FileNotFoundError:
        return None
    data: dict[str, Any] = json.loads(raw)
    return data
