"""A private Mosquitto running MarsY's broker configuration on a free localhost port."""

from __future__ import annotations

import getpass
from collections.abc import Mapping
from pathlib import Path

from devservers.accounts import BrokerAccounts, random_passwords
from devservers.certs import BrokerCertificates, make_certificates
from devservers.process import LocalServer, ServerProcess, find_binary, free_port, port_open
from marsy.brokerconf import Listener, TlsFiles, instance_config
from marsy.logins import login_passwords
from marsy.settings import MqttSettings, TlsSettings


class LocalMosquitto(BrokerAccounts, LocalServer):
    """Mosquitto with the project's policy, ACL and one password per MarsY login.

    ``passwords`` are per role, random per instance unless given; a tagged login's derives from
    its role's (:mod:`marsy.logins`). :meth:`settings_for` hands a process the MQTT settings of
    one login, the way a deployment would; :meth:`add_login` makes another while it runs. With
    ``tls`` the broker also listens on ``tls_port`` with a certificate from a CA made for this
    instance (in ``workdir/tls``); :meth:`tls_settings_for` gives a client that trusts it.
    """

    def __init__(
        self,
        workdir: Path,
        *,
        port: int | None = None,
        passwords: Mapping[str, str] | None = None,
        topic_root: str = "marsy",
        tls: bool = False,
    ) -> None:
        self.workdir = workdir
        self.port = port or free_port()
        self.tls_port: int | None = free_port() if tls else None
        self.certificates: BrokerCertificates | None = (
            make_certificates(workdir / "tls") if tls else None
        )
        self.topic_root = topic_root
        self.passwords = login_passwords(passwords or random_passwords())
        binary = find_binary("mosquitto", "mosquitto")
        self.workdir.mkdir(parents=True, exist_ok=True)
        conf = self._write_files()
        self.process = ServerProcess(
            "mosquitto",
            [binary, "-c", str(conf)],
            self.workdir / "mosquitto.log",
            lambda: port_open(self.port),
        )

    def _write_files(self) -> Path:
        data = self.workdir / "data"
        data.mkdir(exist_ok=True)
        passwd, acl = self.write_credentials()
        conf = self.workdir / "mosquitto.conf"
        conf.write_text(
            instance_config(
                port=self.port,
                data_dir=data,
                password_file=passwd,
                acl_file=acl,
                run_as=getpass.getuser(),  # as root, do not drop to a user that cannot read here
                log_file=self.workdir / "mosquitto.log",
                extra_listeners=self._tls_listeners(),
            )
        )
        return conf

    def _tls_listeners(self) -> list[Listener]:
        certs = self.certificates
        if certs is None or self.tls_port is None:
            return []
        files = TlsFiles(certs.ca_cert, certs.server_cert, certs.server_key)
        return [Listener(self.tls_port, "127.0.0.1", files)]

    def tls_settings_for(self, user: str, **overrides: object) -> MqttSettings:
        """MQTT settings for ``user`` on the TLS listener, trusting this instance's CA."""
        if self.certificates is None or self.tls_port is None:
            raise ValueError("this broker was made without tls=True")
        fields: dict[str, object] = {
            "port": self.tls_port,
            "tls": TlsSettings(ca_file=self.certificates.ca_cert),
        }
        fields.update(overrides)
        return self.settings_for(user, **fields)
