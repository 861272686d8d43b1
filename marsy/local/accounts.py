"""MarsY's broker users on a private broker: their files, and how a process logs in as one.

Every local broker (Mosquitto or the embedded one) gets the same password file, rendered from
the contract by :mod:`marsy.brokerconf`, the same ACL, and one random password per user unless
told otherwise; :meth:`BrokerAccounts.settings_for` hands a process the settings of one user,
the way a deployment would.
"""

from __future__ import annotations

import secrets
from pathlib import Path

from marsy.brokerconf import acl_text, all_users, password_file_text
from marsy.settings import MqttSettings


def random_passwords() -> dict[str, str]:
    """A fresh password for every MarsY user, so no two instances share one."""
    return {str(user): secrets.token_urlsafe(16) for user in all_users()}


class BrokerAccounts:
    """The users of a broker listening on ``127.0.0.1:port`` under ``topic_root``."""

    workdir: Path
    port: int
    topic_root: str
    passwords: dict[str, str]

    def write_credentials(self) -> tuple[Path, Path]:
        """Write ``passwd`` and ``acl`` into the work folder; their paths."""
        passwd = self.workdir / "passwd"
        acl = self.workdir / "acl"
        passwd.write_text(password_file_text(self.passwords.items()))
        acl.write_text(acl_text())
        for path in (passwd, acl):
            path.chmod(0o600)  # Mosquitto warns about, and will refuse, readable secrets
        return passwd, acl

    def settings_for(self, user: str, **overrides: object) -> MqttSettings:
        """MQTT settings for a process that connects as ``user``."""
        fields: dict[str, object] = {
            "host": "127.0.0.1",
            "port": self.port,
            "username": user,
            "password": self.passwords[user],
            "topic_root": self.topic_root,
        }
        fields.update(overrides)
        return MqttSettings.model_validate(fields)
