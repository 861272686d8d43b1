"""Every InfluxQL statement MarsY's programs send, built here and nowhere else.

The store's seam (:class:`marsy.store.port.Store`) reads through these shapes only, so a server
standing in for InfluxDB (the embedded store of the development servers) needs to answer exactly
them, plus the set-up statements its admin runs (``CREATE DATABASE``, ``CREATE USER``,
``GRANT``/``REVOKE``/``SHOW GRANTS``, retention) and ``POST /write``, ``GET /ping``.
:data:`SHAPES` lists each with an example as sent; a test holds the examples to the builders and
runs each against influxd and the embedded store.

Identifiers are double-quoted, the mission id single-quoted (escaped, though the contract allows
only ``[A-Za-z0-9_-]``), times are integer nanoseconds: every read names one mission, and the
calculator's are bounded by time on both sides. Grafana's dashboard queries are not here: Grafana
sends them (:mod:`ground.grafana.queries`), over the names of :mod:`marsy.store.schema`.
"""

from __future__ import annotations

from dataclasses import dataclass

from marsy.store.schema import ALERTS, MISSION_TAG, SEQ_FIELD


def quote(value: str) -> str:
    """An InfluxQL string literal."""
    return "'" + value.replace("\\", "\\\\").replace("'", "\\'") + "'"


def _of_mission(mission_id: str) -> str:
    return f"{MISSION_TAG} = {quote(mission_id)}"


def window(measurement: str, mission_id: str, start_ns: int, end_ns: int) -> str:
    """Every point of one mission in ``(start, end]``."""
    return (
        f'SELECT * FROM "{measurement}" WHERE {_of_mission(mission_id)} '
        f"AND time > {start_ns} AND time <= {end_ns}"
    )


def latest(measurement: str, mission_id: str, start_ns: int, end_ns: int, count: int) -> str:
    """The ``count`` newest points of one mission in ``(start, end]``, newest first."""
    return f"{window(measurement, mission_id, start_ns, end_ns)} ORDER BY time DESC LIMIT {count}"


def whole_mission(measurement: str, mission_id: str) -> str:
    """Every point of one mission: a device's telemetry, or the alerts (the report's reads)."""
    return f'SELECT * FROM "{measurement}" WHERE {_of_mission(mission_id)}'


def alerts(mission_id: str) -> str:
    """Every alert and clearing of one mission (the report's table, the replay's verdicts)."""
    return whole_mission(ALERTS, mission_id)


def count(measurement: str, mission_id: str) -> str:
    """How many distinct points one mission stored (tests' checks of what was stored)."""
    return f'SELECT count("{SEQ_FIELD}") FROM "{measurement}" WHERE {_of_mission(mission_id)}'


def sequence_numbers(measurement: str, mission_id: str) -> str:
    """Every stored sequence number of one mission, by time (tests' checks of duplicates)."""
    return f'SELECT "{SEQ_FIELD}" FROM "{measurement}" WHERE {_of_mission(mission_id)}'


WRITE_CACHE = "SHOW STATS"
"""influxd's statistics, for its ``tsm1_cache`` (what a bulk load has not yet snapshotted).
influxd only: benches and a cost test wait on it; the embedded store need not answer it."""


@dataclass(frozen=True)
class Shape:
    name: str
    used_by: str
    example: str


_T = 1_800_000_000_000_000_000
SHAPES: tuple[Shape, ...] = (
    Shape(
        "window",
        "the calculator's window of each device, every cycle",
        window("rocket", "M-1", _T, _T + 4_000_000_000),
    ),
    Shape(
        "latest",
        "the calculator, when the store trails the bus: its newest point",
        latest("rocket", "M-1", _T - 300_000_000_000, _T, 1),
    ),
    Shape(
        "whole mission",
        "the report, export and replay: each device's telemetry",
        whole_mission("rocket", "M-1"),
    ),
    Shape(
        "alerts",
        "the report's alert table, the replay's verdicts",
        alerts("M-1"),
    ),
    Shape("count", "tests: how many points a mission stored", count("rocket", "M-1")),
    Shape(
        "sequence numbers",
        "tests: which sequence numbers a mission stored",
        sequence_numbers("rocket", "M-1"),
    ),
)
"""The shapes the seam sends. As sent (``epoch=ns``; ``GET /query``):

================  =========================================================================
window            ``SELECT * FROM "rocket" WHERE mission = 'M-1' AND time >
                  1800000000000000000 AND time <= 1800000004000000000``
latest            the window ``+ ORDER BY time DESC LIMIT 1``
whole mission     ``SELECT * FROM "rocket" WHERE mission = 'M-1'``
alerts            ``SELECT * FROM "alerts" WHERE mission = 'M-1'``
count             ``SELECT count("seq") FROM "rocket" WHERE mission = 'M-1'``
sequence numbers  ``SELECT "seq" FROM "rocket" WHERE mission = 'M-1'``
================  =========================================================================

Measurements are the devices (``rocket``, ``booster``, ``satellite``, ``suit``; the satellite's
in the payload database) and ``alerts``.
"""
