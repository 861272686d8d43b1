"""A private influxd (InfluxDB 1.x) on a free localhost port, with auth on and an admin user."""

from __future__ import annotations

import http.client
import json
import secrets
import urllib.parse
from pathlib import Path

from marsy.local.process import LocalServer, ServerProcess, find_binary, free_port
from marsy.settings import InfluxSettings

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

[logging]
  level = "warn"
"""


def _ping(port: int) -> bool:
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=1.0)
    try:
        conn.request("GET", "/ping")
        return conn.getresponse().status == 204
    except OSError:
        return False
    finally:
        conn.close()


class LocalInfluxd(LocalServer):
    """influxd with its data in ``workdir``; :meth:`settings` points a process at it."""

    def __init__(self, workdir: Path, *, port: int | None = None) -> None:
        self.workdir = workdir
        self.port = port or free_port()
        self.username = "admin"
        # The admin is created once per data folder; its password is kept beside the data so a
        # later instance on the same folder (``marsy report`` on a past run) can sign in.
        self._credentials = workdir / "admin.json"
        if self._credentials.exists():
            self.password = json.loads(self._credentials.read_text())["password"]
            self._admin_created = True
        else:
            self.password = secrets.token_urlsafe(16)
            self._admin_created = False
        binary = find_binary("influxd", "influxdb")
        workdir.mkdir(parents=True, exist_ok=True)
        conf = workdir / "influxdb.conf"
        conf.write_text(_CONFIG.format(dir=workdir, port=self.port, rpc_port=free_port()))
        self.process = ServerProcess(
            "influxd",
            [binary, "-config", str(conf)],
            workdir / "influxd.log",
            lambda: _ping(self.port),
        )

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def settings(self, **overrides: object) -> InfluxSettings:
        fields: dict[str, object] = {
            "url": self.url,
            "username": self.username,
            "password": self.password,
        }
        fields.update(overrides)
        return InfluxSettings.model_validate(fields)

    def start(self) -> None:
        self.process.start(timeout=30.0)
        if not self._admin_created:
            self._create_admin()
            self._admin_created = True
            self._credentials.write_text(
                json.dumps({"username": self.username, "password": self.password})
            )
            self._credentials.chmod(0o600)

    def _create_admin(self) -> None:
        # With auth on and no user yet, InfluxDB 1.x accepts exactly this one statement.
        query = f"CREATE USER {self.username} WITH PASSWORD '{self.password}' WITH ALL PRIVILEGES"
        body = urllib.parse.urlencode({"q": query})
        conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=10)
        try:
            conn.request(
                "POST", "/query", body, {"Content-Type": "application/x-www-form-urlencoded"}
            )
            response = conn.getresponse()
            text = response.read().decode(errors="replace")
            if response.status != 200 or '"error"' in text:
                raise RuntimeError(f"influxd: cannot create the admin user: {text}")
        finally:
            conn.close()
