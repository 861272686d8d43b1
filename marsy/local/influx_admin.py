"""The admin login of a private InfluxDB 1.x server of ours (influxd or the embedded store).

Both run with authentication on. The admin is created once per data folder, right after the
first start, with the one statement InfluxDB accepts before any user exists; its password is
kept beside the data (``admin.json``, mode 600) so that a later instance on the same folder,
rebuilding a past run's report, signs in with it.
"""

from __future__ import annotations

import http.client
import json
import secrets
import urllib.parse
from pathlib import Path

from marsy.local.process import ServerProcess
from marsy.settings import InfluxSettings

START_TIMEOUT = 30.0


def ping(port: int) -> bool:
    """Whether an InfluxDB API answers ``/ping`` on 127.0.0.1:``port``."""
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=1.0)
    try:
        conn.request("GET", "/ping")
        return conn.getresponse().status == 204
    except OSError:
        return False
    finally:
        conn.close()


class InfluxAdmin:
    """For a server class with ``workdir``, ``port`` and ``process``: its admin login, URL,
    settings and a :meth:`start` that creates the admin on a new folder."""

    workdir: Path
    port: int
    process: ServerProcess
    username: str
    password: str

    def load_credentials(self) -> None:
        """The folder's admin password if it has one, else a new one (created at start)."""
        self.username = "admin"
        self._credentials = self.workdir / "admin.json"
        if self._credentials.exists():
            self.password = json.loads(self._credentials.read_text())["password"]
            self._admin_created = True
        else:
            self.password = secrets.token_urlsafe(16)
            self._admin_created = False

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
        self.process.start(timeout=START_TIMEOUT)
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
                raise RuntimeError(f"{self.process.name}: cannot create the admin user: {text}")
        finally:
            conn.close()
