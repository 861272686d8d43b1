"""An embedded time-series store speaking the InfluxDB 1.x HTTP API that MarsY uses.

For a machine without ``influxd``: ``python -m devservers.embedded.tsdb`` serves ``/ping``,
``/write`` and ``/query`` with InfluxDB 1.6's answers (JSON shapes, error texts, overwrite and
type-conflict rules, auth), storing points in SQLite;
:class:`devservers.embedded.tsdb.instance.EmbeddedInfluxd` starts it the way
:class:`devservers.LocalInfluxd` starts influxd. Nothing is imported here, so the server
process starts without loading the rest of MarsY.

Modules: ``points``, ``lineprotocol`` and ``linescan`` (reading writes), ``influxql``
(reading queries), ``timerange`` and ``evaluate`` (WHERE), ``gojson`` (influxd's JSON text),
``meta``, ``shards``, ``batch`` and ``store`` (SQLite and influxd's write rules), ``reading``,
``merge``, ``select`` and ``aggregate`` (SELECT), ``query`` (statements), ``access`` (who may),
``api`` (the HTTP semantics), ``server`` (sockets), ``instance`` (the child process; its admin
login is shared with influxd's in :mod:`devservers.influx_admin`).
"""
