"""MarsY's InfluxDB users: one per role, each with the least privilege its job needs.

The admin only sets up (databases, retention, users, grants). Every program signs in as its
role's user, which may do its job and nothing else:

============  ==========================  =================================================
user          privileges                  signed in by
============  ==========================  =================================================
telemetry     WRITE on ``flight``         the telemetry ingest (flight data, events, alerts)
payload       WRITE on ``payload``        the payload service's recorder (satellite data)
calculator    READ on both                the calculator's windows
report        READ on both                ``marsy report``, ``export``, ``replay``'s reads
grafana       READ on both                Grafana's datasources
============  ==========================  =================================================

No one reads back what it writes, so the recorders need no READ; a recorder finds out whether
its database is there with an empty write (:meth:`marsy.store.Store.check_writable`).
Pure: no I/O. The development servers (:mod:`devservers.influx_admin`) create these users; the
Ansible role ``influxdb`` keeps the same table, and a test holds them equal.
"""

from __future__ import annotations

from collections.abc import Mapping
from types import MappingProxyType
from typing import Literal

from marsy.settings import InfluxSettings

Privilege = Literal["READ", "WRITE", "ALL"]

ADMIN = "admin"
TELEMETRY = "telemetry"
PAYLOAD = "payload"
CALCULATOR = "calculator"
REPORT = "report"
GRAFANA = "grafana"

SERVICE_USERS: Mapping[str, str] = MappingProxyType(
    {"telemetry": TELEMETRY, "payload": PAYLOAD, "calculator": CALCULATOR}
)
"""The InfluxDB user of each ground service that uses InfluxDB; the others get none."""


def role_grants(settings: InfluxSettings | None = None) -> dict[str, dict[str, Privilege]]:
    """Each role user's privilege per database, on the databases ``settings`` names."""
    databases = settings or InfluxSettings()
    flight, payload = databases.flight_db, databases.payload_db
    return {
        TELEMETRY: {flight: "WRITE"},
        PAYLOAD: {payload: "WRITE"},
        CALCULATOR: {flight: "READ", payload: "READ"},
        REPORT: {flight: "READ", payload: "READ"},
        GRAFANA: {flight: "READ", payload: "READ"},
    }
