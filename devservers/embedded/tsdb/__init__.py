"""An embedded time-series store speaking the InfluxDB 1.x HTTP API that MarsY uses.

For a machine without ``influxd``: ``python -m devservers.embedded.tsdb`` serves ``/ping``,
``/write`` and ``/query`` with InfluxDB 1.6's answers (JSON shapes, error texts, overwrite and
type-conflict rules, auth), storing points in SQLite;
:class:`devservers.embedded.tsdb.instance.EmbeddedInfluxd` starts it the way
:class:`devservers.LocalInfluxd` starts influxd. It answers what MarsY asks
(:mod:`marsy.store.queries`, the set-up statements, MarsY's lines), not InfluxQL at large: any
other statement is refused in its result. Nothing is imported here, so the server process
starts without loading the rest of MarsY.

Modules: ``points`` and ``lineprotocol`` (reading writes), ``statements`` and ``influxql``
(reading queries), ``gojson`` (influxd's JSON text), ``meta``, ``shards``, ``batch`` and
``store`` (SQLite and influxd's write rules), ``select`` and ``merge`` (SELECT), ``query``
(statements), ``access`` (who may), ``api`` (the HTTP semantics), ``server`` (sockets),
``instance`` (the child process; its admin login is shared with influxd's in
:mod:`devservers.influx_admin`).
"""
