"""Links that open each MarsY dashboard on one mission, over the time it flew.

A dashboard's own range ends "now", which misses a simulated mission: its samples are stamped on
the warped mission clock, minutes or hours ahead of the wall clock. A link carries the mission
(``var-mission``) and an absolute range in milliseconds (``from``, ``to``) taken from the
mission's own timestamps, so it shows the flight whenever and however fast it was flown.

Grafana's address is a setting: ``MARSY_GRAFANA_URL`` (default ``http://localhost:3000``).
"""

from __future__ import annotations

import math
import os
import urllib.parse
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from functools import cache

from ground.grafana.dashboards import all_dashboards
from ground.grafana.queries import MISSION_VARIABLE

DEFAULT_URL = "http://localhost:3000"
URL_SETTING = "MARSY_GRAFANA_URL"
"""The environment variable naming Grafana's base URL."""
MARGIN = 30.0
"""Seconds shown before the first and after the last timestamp of the mission."""


@dataclass(frozen=True)
class DashboardLink:
    uid: str
    title: str
    url: str


def grafana_url(environ: Mapping[str, str] | None = None) -> str:
    """Grafana's base URL from the setting (``MARSY_GRAFANA_URL``), without a trailing slash."""
    url = (os.environ if environ is None else environ).get(URL_SETTING, "") or DEFAULT_URL
    parsed = urllib.parse.urlsplit(url)
    if parsed.scheme not in ("http", "https") or not parsed.netloc:
        raise ValueError(f"{URL_SETTING}: {url!r} is not an http(s) URL")
    return url.rstrip("/")


def time_range(timestamps: Iterable[float], margin: float = MARGIN) -> tuple[int, int]:
    """Grafana's ``from`` and ``to`` (Unix ms) around ``timestamps`` (Unix seconds), with
    ``margin`` seconds on both sides; whole milliseconds outward, so no sample falls out."""
    times = list(timestamps)
    if not times:
        raise ValueError("a time range needs at least one timestamp")
    return math.floor((min(times) - margin) * 1000), math.ceil((max(times) + margin) * 1000)


@cache
def _dashboards() -> tuple[tuple[str, str], ...]:
    return tuple((board["uid"], board["title"]) for board in all_dashboards())


def dashboard_links(
    mission_id: str, first: float, last: float, base_url: str | None = None
) -> list[DashboardLink]:
    """Every MarsY dashboard's URL on ``mission_id`` from ``first`` to ``last`` (mission-clock
    Unix seconds: its first and last sample or event), in the order a controller opens them.
    ``base_url`` defaults to the setting (:func:`grafana_url`)."""
    base = grafana_url() if base_url is None else base_url.rstrip("/")
    start, end = time_range((first, last))
    query = urllib.parse.urlencode(
        [(f"var-{MISSION_VARIABLE}", mission_id), ("from", str(start)), ("to", str(end))]
    )
    return [
        DashboardLink(uid, title, f"{base}/d/{urllib.parse.quote(uid)}?{query}")
        for uid, title in _dashboards()
    ]
