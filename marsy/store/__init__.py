"""MarsY's time-series store: the seam its programs write and read telemetry through.

:class:`Store` (:mod:`marsy.store.port`) names what MarsY asks of a store; :func:`connect_store`
opens the one implementation from :class:`~marsy.settings.InfluxSettings`, over the HTTP API every
InfluxDB version serves: ``POST /write`` (line protocol) and ``GET/POST /query`` (InfluxQL) exist
on InfluxDB 1.x, on 2.x through its v1 compatibility layer (a DBRP mapping plus Basic auth with a
token) and on 3.x; the v2 ``/api/v2/write`` does not exist on 1.x. Beside it: how points are laid
out (:mod:`~marsy.store.schema`), the statements sent (:mod:`~marsy.store.queries`), the batch
writer and its disk spool, the users and their grants (:mod:`~marsy.store.users`).
"""

from marsy.store.http import (
    InfluxError,
    InfluxHttp,
    InfluxNotSetUp,
    InfluxRejected,
    InfluxUnavailable,
    Series,
)
from marsy.store.influx import InfluxStore, connect_store
from marsy.store.port import MissionReads, Store, WindowReads
from marsy.store.reads import Row, Sample, TelemetryReader
from marsy.store.schema import database_for, measurement_for, point_line
from marsy.store.writer import BatchWriter, WriterStats

__all__ = [
    "BatchWriter",
    "InfluxError",
    "InfluxHttp",
    "InfluxNotSetUp",
    "InfluxRejected",
    "InfluxStore",
    "InfluxUnavailable",
    "MissionReads",
    "Row",
    "Sample",
    "Series",
    "Store",
    "TelemetryReader",
    "WindowReads",
    "WriterStats",
    "connect_store",
    "database_for",
    "measurement_for",
    "point_line",
]
