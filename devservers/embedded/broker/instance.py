"""The embedded broker as a private child process, in place of :class:`LocalMosquitto`.

Same constructor, attributes and methods as :class:`devservers.LocalMosquitto` (less TLS):
the same logins, password and ACL files (read again on SIGHUP, for :meth:`add_login`), a data
folder for persistence, a free localhost port, and :meth:`restart` as SIGTERM (the broker saves
its state) then start.
"""

from __future__ import annotations

import sys
from collections.abc import Mapping
from pathlib import Path

from devservers.accounts import BrokerAccounts, random_passwords
from devservers.certs import BrokerCertificates
from devservers.process import LocalServer, ServerProcess, free_port, port_open
from marsy.logins import login_passwords
from marsy.settings import MqttSettings


class EmbeddedBroker(BrokerAccounts, LocalServer):
    """The pure-Python broker with the project's users and ACL, on ``127.0.0.1:port``."""

    def __init__(
        self,
        workdir: Path,
        *,
        port: int | None = None,
        passwords: Mapping[str, str] | None = None,
        topic_root: str = "marsy",
    ) -> None:
        self.workdir = workdir
        self.port = port or free_port()
        self.tls_port: int | None = None
        self.certificates: BrokerCertificates | None = None
        self.topic_root = topic_root
        self.passwords = login_passwords(passwords or random_passwords())
        self.workdir.mkdir(parents=True, exist_ok=True)
        passwd, acl = self.write_credentials()
        data = self.workdir / "data"
        data.mkdir(exist_ok=True)
        argv = [
            sys.executable,
            "-m",
            "devservers.embedded.broker",
            "--port",
            str(self.port),
            "--bind",
            "127.0.0.1",
            "--password-file",
            str(passwd),
            "--acl-file",
            str(acl),
            "--data-dir",
            str(data),
        ]
        self.process = ServerProcess(
            "embedded broker", argv, self.workdir / "broker.log", lambda: port_open(self.port)
        )

    def tls_settings_for(self, user: str, **overrides: object) -> MqttSettings:
        raise ValueError("the embedded broker has no TLS listener")
