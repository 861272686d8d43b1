"""The InfluxDB adapter of the ground side, over the HTTP API every InfluxDB version serves.

``POST /write`` (line protocol) and ``GET/POST /query`` (InfluxQL) exist on InfluxDB 1.x, on 2.x
through its v1 compatibility layer (a DBRP mapping plus Basic auth with a token) and on 3.x, so
one adapter works on all of them; the v2 ``/api/v2/write`` does not exist on 1.x.
"""

from marsy.store.http import (
    InfluxError,
    InfluxHttp,
    InfluxNotSetUp,
    InfluxRejected,
    InfluxUnavailable,
    Series,
)
from marsy.store.reads import TelemetryReader
from marsy.store.schema import database_for, measurement_for, point_line
from marsy.store.writer import BatchWriter, WriterStats

__all__ = [
    "BatchWriter",
    "InfluxError",
    "InfluxHttp",
    "InfluxNotSetUp",
    "InfluxRejected",
    "InfluxUnavailable",
    "Series",
    "TelemetryReader",
    "WriterStats",
    "database_for",
    "measurement_for",
    "point_line",
]
