"""What ``GET /health`` says of liveness: each vehicle as heard on the bus, and the ground's view.

Pure: a copy of the liveness and the instant in, plain JSON-able data out. Ages are mission
seconds before ``now`` (``None`` when never heard), so an operator reads at once who is quiet.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from ground.calculator.liveness import DeviceLiveness, Liveness, Loopback
from marsy.protocol import Device


def _age(now: float, then: float | None) -> float | None:
    return None if then is None else round(now - then, 3)


def view_state(loop: Loopback, now: float, threshold: float, reconnect_grace: float) -> str:
    """``unwatched`` (no bus), ``stale``, ``settling`` (fresh, vehicles not yet judged) or
    ``live``."""
    if not loop.watched:
        return "unwatched"
    if not loop.fresh(now, threshold):
        return "stale"
    return "live" if loop.settled(now, threshold, reconnect_grace) else "settling"


def _device(heard: DeviceLiveness, now: float, stored: float | None) -> dict[str, Any]:
    return {
        "presence": heard.presence,
        "presence_for": _age(now, heard.presence_since),
        "heard_ago": _age(now, heard.heard),
        "heard_wall": heard.heard_wall,
        "heartbeat_ago": _age(now, heard.heartbeat),
        "spoke_this_mission": heard.spoke,
        "phase": heard.phase,
        "retired": heard.retired,
        "newest_on_bus": heard.newest_sample,
        "newest_in_store": stored,
        "store_trails_by": (
            None
            if heard.newest_sample is None or stored is None
            else round(max(0.0, min(heard.newest_sample, now) - stored), 3)
        ),
    }


def describe(
    liveness: Liveness,
    now: float,
    threshold: float,
    reconnect_grace: float,
    stored: Mapping[Device, float],
) -> dict[str, Any]:
    loop = liveness.loopback
    return {
        "mission_state": liveness.mission_state,
        "ground": {
            "view": view_state(loop, now, threshold, reconnect_grace),
            "bus_connected": loop.connected,
            "loopback_age": _age(now, loop.echo_sent),
            "fresh_for": _age(now, loop.fresh_since),
            "backlog": loop.backlog,
            "recorders": {
                name: {
                    "age": _age(now, health.heard),
                    "ingest_lag": health.message.ingest_lag,
                    "pending": health.message.pending,
                    "store_ok": health.message.store_ok,
                    "last_write": health.message.last_write,
                }
                for name, health in liveness.recorders.items()
            },
        },
        "devices": {
            str(device): _device(heard, now, stored.get(device))
            for device, heard in liveness.devices.items()
        },
    }
