"""The logins of a private InfluxDB 1.x server of ours (influxd or the embedded store).

Both run with authentication on. The admin is created once per data folder, right after the
first start, with the one statement InfluxDB accepts before any user exists. The admin then sets
the server up and is used for nothing else: it creates the ``flight`` and ``payload`` databases
and one user per role with the least privilege its job needs (:mod:`marsy.store.users`).
Every password is kept beside the data, mode 600 (``admin.json``, ``users.json``), so that a
later instance on the same folder, rebuilding a past run's report, signs in with them.
"""

from __future__ import annotations

import base64
import http.client
import json
import os
import secrets
import urllib.parse
from pathlib import Path

from devservers.process import ServerProcess
from marsy.settings import InfluxSettings
from marsy.store.users import ADMIN, role_grants

START_TIMEOUT = 30.0
ADMIN_FILE = "admin.json"
USERS_FILE = "users.json"
"""Password by role user, written once the server was set up with them."""


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


def _string(text: str) -> str:
    return "'" + text.replace("\\", "\\\\").replace("'", "\\'") + "'"


def _ident(text: str) -> str:
    return '"' + text.replace("\\", "\\\\").replace('"', '\\"') + '"'


def setup_statements(users: dict[str, str]) -> list[str]:
    """What the admin runs on a new server: the databases, each role user, its grants.

    Each statement may run again with the same passwords (InfluxDB takes a repeated creation).
    """
    grants = role_grants()
    databases = {database for privileges in grants.values() for database in privileges}
    statements = [f"CREATE DATABASE {_ident(name)}" for name in sorted(databases)]
    for user, privileges in grants.items():
        statements.append(f"CREATE USER {_ident(user)} WITH PASSWORD {_string(users[user])}")
        statements += [
            f"GRANT {privilege} ON {_ident(database)} TO {_ident(user)}"
            for database, privilege in privileges.items()
        ]
    return statements


def _write_secret(path: Path, data: dict[str, str]) -> None:
    """``path`` replaced whole, unreadable to others."""
    tmp = path.with_name(path.name + ".new")
    tmp.write_text(json.dumps(data))
    tmp.chmod(0o600)
    os.replace(tmp, path)


class InfluxAdmin:
    """For a server class with ``workdir``, ``port`` and ``process``: its logins, URL, settings
    and a :meth:`start` that sets up a new folder."""

    workdir: Path
    port: int
    process: ServerProcess
    username: str
    """The admin's login: set-up only."""
    password: str
    users: dict[str, str]
    """Password by role user (:func:`marsy.store.users.role_grants`)."""

    def load_credentials(self) -> None:
        """The folder's passwords if it has them, else new ones (used at :meth:`start`)."""
        self.username = ADMIN
        self._credentials = self.workdir / ADMIN_FILE
        if self._credentials.exists():
            self.password = json.loads(self._credentials.read_text())["password"]
            self._admin_created = True
        else:
            self.password = secrets.token_urlsafe(16)
            self._admin_created = False
        self._users_file = self.workdir / USERS_FILE
        self._pending_users = self.workdir / (USERS_FILE + ".pending")
        if self._users_file.exists():
            self.users = json.loads(self._users_file.read_text())
            self._set_up = True
        else:
            # A set-up cut short left its passwords here: the users may exist with them.
            path = self._pending_users
            pending = json.loads(path.read_text()) if path.exists() else {}
            self.users = {u: pending.get(u) or secrets.token_urlsafe(16) for u in role_grants()}
            self._set_up = False

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def settings(self, **overrides: object) -> InfluxSettings:
        """The admin's settings, for setting up (test databases, say); no program uses them."""
        return self.settings_for(self.username, **overrides)

    def settings_for(self, user: str, **overrides: object) -> InfluxSettings:
        """Settings for a process that signs in as ``user``: a role user, or the admin."""
        if user == self.username:
            password = self.password
        elif user in self.users:
            password = self.users[user]
        else:
            raise ValueError(f"no InfluxDB user {user!r}: expected one of {sorted(self.users)}")
        fields: dict[str, object] = {"url": self.url, "username": user, "password": password}
        fields.update(overrides)
        return InfluxSettings.model_validate(fields)

    def start(self) -> None:
        self.process.start(timeout=START_TIMEOUT)
        if not self._admin_created:
            # With auth on and no user yet, InfluxDB 1.x accepts exactly this one statement.
            self._query(
                f"CREATE USER {_ident(self.username)} WITH PASSWORD {_string(self.password)} "
                "WITH ALL PRIVILEGES",
                signed=False,
            )
            self._admin_created = True
            _write_secret(self._credentials, {"username": self.username, "password": self.password})
        if not self._set_up:
            _write_secret(self._pending_users, self.users)
            self._query(";".join(setup_statements(self.users)))
            os.replace(self._pending_users, self._users_file)
            self._set_up = True

    def _query(self, statements: str, *, signed: bool = True) -> None:
        """Run ``statements`` (as the admin if ``signed``); any error stops the start."""
        headers = {"Content-Type": "application/x-www-form-urlencoded"}
        if signed:
            token = base64.b64encode(f"{self.username}:{self.password}".encode()).decode()
            headers["Authorization"] = f"Basic {token}"
        body = urllib.parse.urlencode({"q": statements})
        conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=30)
        try:
            conn.request("POST", "/query", body, headers)
            response = conn.getresponse()
            text = response.read().decode(errors="replace")
        finally:
            conn.close()
        if response.status != 200 or '"error"' in text:
            raise RuntimeError(f"{self.process.name}: cannot set up its users: {text}")
