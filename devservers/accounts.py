"""MarsY's broker logins on a private broker: their files, and how a process logs in as one.

Every local broker (Mosquitto or the embedded one) gets the same password file and ACL,
rendered from the contract by :mod:`marsy.brokerconf` for every login (:mod:`marsy.logins`),
with one random password per role unless told otherwise (a tagged login's derives from its
role's, as deployed). :meth:`BrokerAccounts.settings_for` hands a process the settings of one
login, the way a deployment would; :meth:`BrokerAccounts.add_login` makes a new one while the
broker runs, so that tests sharing a broker never share a client id, hence a session.
"""

from __future__ import annotations

import os
import secrets
import time
from pathlib import Path

from devservers.mqtt_probe import login_accepted
from devservers.process import ServerProcess, ServerUnavailable
from marsy.brokerconf import acl_text, all_users, password_file_text
from marsy.logins import Role, login_of, login_password, role_of
from marsy.settings import MqttSettings


def random_passwords() -> dict[str, str]:
    """A fresh password for every MarsY role, so no two instances share one."""
    return {str(role): secrets.token_urlsafe(16) for role in all_users()}


class BrokerAccounts:
    """The logins of a broker listening on ``127.0.0.1:port`` under ``topic_root``."""

    workdir: Path
    port: int
    topic_root: str
    passwords: dict[str, str]
    """Password by login: every fixed login of a deployment, and those added since."""
    process: ServerProcess

    def write_credentials(self) -> tuple[Path, Path]:
        """Write ``passwd`` and ``acl`` for every login into the work folder; their paths."""
        passwd = self.workdir / "passwd"
        acl = self.workdir / "acl"
        _write_secret(passwd, password_file_text(self.passwords.items()))
        _write_secret(acl, acl_text(logins=self.passwords))
        return passwd, acl

    def add_login(self, role: Role | str, tag: str | None = None) -> str:
        """A new login of ``role`` (a random tag unless given), usable once this returns.

        The broker, if running, is told to read its files again (SIGHUP, to which Mosquitto and
        the embedded broker both answer so) and is asked until it takes the new login.
        """
        login = login_of(role_of(str(role)), tag or secrets.token_hex(4))
        if login not in self.passwords:
            own = self.passwords[role_of(login).value]
            self.passwords[login] = login_password(own, login)
            self.write_credentials()
            if self.process.running():
                self.process.reload()
                self._wait_login(login)
        return login

    def settings_for(self, user: str, **overrides: object) -> MqttSettings:
        """MQTT settings for a process that connects as the login ``user``."""
        fields: dict[str, object] = {
            "host": "127.0.0.1",
            "port": self.port,
            "username": user,
            "password": self.passwords[user],
            "topic_root": self.topic_root,
        }
        fields.update(overrides)
        return MqttSettings.model_validate(fields)

    def _wait_login(self, login: str, timeout: float = 10.0) -> None:
        deadline = time.monotonic() + timeout
        while not login_accepted(self.port, login, self.passwords[login]):
            if time.monotonic() > deadline:
                raise ServerUnavailable(
                    f"{self.process.name} did not take the new login {login} within "
                    f"{timeout:.0f} s: {self.process.log_tail()}"
                )
            time.sleep(0.02)


def _write_secret(path: Path, text: str) -> None:
    """Replace ``path`` whole and unreadable to others: a broker reloading it mid-write must
    not see half a file, and Mosquitto warns about (and will refuse) readable secrets."""
    tmp = path.with_name(path.name + ".new")
    tmp.write_text(text)
    tmp.chmod(0o600)
    os.replace(tmp, path)
