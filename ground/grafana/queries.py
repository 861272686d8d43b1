"""InfluxQL text of the dashboards' panels, built from the storage schema.

Every query is what Grafana sends after replacing its variables: ``$mission`` (the mission id
the dashboard shows), ``$timeFilter`` (the time range on display) and ``$__interval`` /
``$__interval_ms`` (the bucket that fits the panel's width). Measurements, tags and field types
come from :mod:`marsy.store.schema` and the parameter dictionary, so a query can only name a
field the ingest writes.
"""

from __future__ import annotations

from collections.abc import Sequence

from marsy.protocol import Device, EventType, Parameter, ValueType
from marsy.protocol.commanding import STANDBY
from marsy.store.schema import (
    ALERTS,
    DETAIL_FIELD,
    DEVICE_TAG,
    EVENT_TAG,
    EVENTS,
    HEALTH,
    MISSION_TAG,
    PHASE_FIELD,
    REPLAY_SUFFIX,
    SEQ_FIELD,
    measurement_for,
)

MISSION_VARIABLE = "mission"
MISSION_FILTER = f"\"{MISSION_TAG}\" = '${MISSION_VARIABLE}' AND $timeFilter"
"""One mission, the displayed time range: InfluxDB reads only that mission's series."""
BUCKETS = "GROUP BY time($__interval)"


def aggregate(parameter: Parameter) -> str:
    """How a bucket of samples becomes one point: a mean for a measured quantity, the last
    value for a count or a flag (a mean of ``engines_running`` would invent half engines)."""
    return "mean" if parameter.type is ValueType.FLOAT else "last"


def telemetry(device: Device, parameters: Sequence[Parameter]) -> str:
    """The parameters of one device, bucketed over the panel's time range."""
    wrong = [p.key for p in parameters if p.device is not device]
    if wrong or not parameters:
        raise ValueError(f"a telemetry query needs parameters of {device}, got {wrong or 'none'}")
    columns = ", ".join(f'{aggregate(p)}("{p.name}") AS "{p.name}"' for p in parameters)
    return (
        f'SELECT {columns} FROM "{measurement_for(device)}" '
        f"WHERE {MISSION_FILTER} {BUCKETS} fill(none)"
    )


def phase(device: Device) -> str:
    """The flight phase the device reported last in each bucket (a string, for a state
    timeline)."""
    return (
        f'SELECT last("{PHASE_FIELD}") AS "phase" FROM "{measurement_for(device)}" '
        f"WHERE {MISSION_FILTER} {BUCKETS} fill(none)"
    )


def sample_rate(device: Device) -> str:
    """Samples stored per second: a device whose link drops shows a dip, not a flat line."""
    return (
        f'SELECT count("{SEQ_FIELD}") * 1000 / $__interval_ms AS "samples" '
        f'FROM "{measurement_for(device)}" WHERE {MISSION_FILTER} {BUCKETS} fill(0)'
    )


def events() -> str:
    """Mission events as annotations: the event (a tag) titles it, the detail describes it."""
    return (
        f'SELECT "{DETAIL_FIELD}", "{EVENT_TAG}", "{DEVICE_TAG}" FROM "{EVENTS}" '
        f"WHERE {MISSION_FILTER}"
    )


def missions() -> str:
    """Every real mission, newest first, for the mission variable: one row per mission, its
    start (Command's ``mission_started`` event), the id in the column after ``time``.

    Grafana lists a SELECT's first column after ``time``, in the order InfluxDB answers, so the
    order is InfluxDB's (``ORDER BY time DESC``), not the ids' alphabet: a warped simulation's
    missions, a re-used id scheme and the ``standby`` samples taken before any mission all sort
    wrong by name. The agents' ``standby`` and ``marsy replay``'s copies are no missions.
    """
    if not REPLAY_SUFFIX.strip("-").isalnum():
        raise ValueError(f"replay suffix {REPLAY_SUFFIX!r} needs escaping in a regex")
    return (
        f'SELECT "{MISSION_TAG}", "{DETAIL_FIELD}" FROM "{EVENTS}" '
        f"WHERE \"{EVENT_TAG}\" = '{EventType.MISSION_STARTED}' "
        f'AND "{MISSION_TAG}" != \'{STANDBY}\' AND "{MISSION_TAG}" !~ /{REPLAY_SUFFIX}$/ '
        "ORDER BY time DESC"
    )


def alert_log(fields: Sequence[str], tags: Sequence[str], limit: int = 500) -> str:
    """The latest alerts and clearings, newest first, as table rows."""
    columns = ", ".join(f'"{name}"' for name in (*tags, *fields))
    return (
        f'SELECT {columns} FROM "{ALERTS}" WHERE {MISSION_FILTER} ORDER BY time DESC LIMIT {limit}'
    )


def alert_level(level_field: str) -> str:
    """The worst alert level per device in each bucket (0 cleared, 1 yellow, 2 red)."""
    return (
        f'SELECT max("{level_field}") AS "level" FROM "{ALERTS}" WHERE {MISSION_FILTER} '
        f'{BUCKETS}, "{DEVICE_TAG}" fill(none)'
    )


def health(field: str, *, rate: bool = False) -> str:
    """One heartbeat field per device; ``rate`` turns a running count into a per-second rate."""
    value = f'last("{field}")'
    if rate:
        value = f"non_negative_derivative({value}, 1s)"
    return (
        f'SELECT {value} AS "{field}" FROM "{HEALTH}" WHERE {MISSION_FILTER} '
        f'{BUCKETS}, "{DEVICE_TAG}" fill(none)'
    )
