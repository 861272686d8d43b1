"""A private influxd (InfluxDB 1.x) on a free localhost port, with auth on, an admin and role users.

What it opens, all on 127.0.0.1: the HTTP API on ``port``, with auth on, and the RPC port
(backup and restore), which has no authentication at all and which influxd 1.6 cannot turn off
(an empty ``bind-address`` makes it listen on a random port of every interface). ``/debug/vars``
(statistics, command line) and ``/debug/requests`` (who asked what, from where) answer without a
login whatever ``auth-enabled`` says; ``pprof-enabled = false`` closes only ``/debug/pprof``.
Anyone who can reach the two ports on this host can read them: a private server is for one
user's machine.
"""

from __future__ import annotations

from pathlib import Path

from devservers.influx_admin import InfluxAdmin, ping
from devservers.process import LocalServer, ServerProcess, find_binary, free_port

_CONFIG = """\
reporting-disabled = true
bind-address = "127.0.0.1:{rpc_port}"

[meta]
  dir = "{dir}/meta"
  logging-enabled = false

[data]
  dir = "{dir}/data"
  wal-dir = "{dir}/wal"
  query-log-enabled = false
  wal-fsync-delay = "0s"
  # Write a quiet cache to TSM files after 1 s rather than 10 min: a local run is short.
  cache-snapshot-write-cold-duration = "1s"

[monitor]
  store-enabled = false

[subscriber]
  enabled = false

[continuous_queries]
  enabled = false

[http]
  enabled = true
  bind-address = "127.0.0.1:{port}"
  auth-enabled = true
  log-enabled = false
  pprof-enabled = false
  debug-pprof-enabled = false

[logging]
  level = "warn"
"""


class LocalInfluxd(InfluxAdmin, LocalServer):
    """influxd with its data in ``workdir``; :meth:`settings` points a process at it."""

    def __init__(self, workdir: Path, *, port: int | None = None) -> None:
        self.workdir = workdir
        self.port = port or free_port()
        self.load_credentials()
        binary = find_binary("influxd", "influxdb")
        workdir.mkdir(parents=True, exist_ok=True)
        conf = workdir / "influxdb.conf"
        conf.write_text(_CONFIG.format(dir=workdir, port=self.port, rpc_port=free_port()))
        self.process = ServerProcess(
            "influxd",
            [binary, "-config", str(conf)],
            workdir / "influxd.log",
            lambda: ping(self.port),
        )
