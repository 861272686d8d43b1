"""Filters that render the broker's password file and drop-in with MarsY's own code.

They run on the controller, in the project's virtualenv (see ansible/README.md), so the role
writes exactly what ``marsy broker passwd`` and :func:`marsy.brokerconf.dropin_config` would:
the same ``$7$`` hash for the same user and password, hence no change on a second run.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

from marsy.brokerconf import Listener, TlsFiles, all_users, dropin_config, password_file_text
from marsy.logins import login_passwords


def marsy_mosquitto_passwd(users: Mapping[str, str]) -> str:
    """Mosquitto's password file for ``{role: password}``: every login, sorted.

    Every MarsY role needs a password: one missing would only show as a device that cannot
    connect on launch day, so it fails the deployment instead. A role's second logins
    (``payload.recorder``...) get passwords derived from the role's (marsy.logins), the ones
    the process holding the role's opens them with.
    """
    missing = sorted(str(user) for user in all_users() if not users.get(str(user)))
    if missing:
        raise ValueError(f"no MQTT password for {', '.join(missing)} (vault_mqtt_passwords)")
    logins = login_passwords({str(u): str(p) for u, p in users.items()})
    return password_file_text(sorted(logins.items()))


def marsy_mosquitto_dropin(
    listeners: Sequence[Mapping[str, Any]], password_file: str, acl_file: str
) -> str:
    """The conf.d drop-in for listeners given as ``{port, bind, tls: {ca_file, ...}}``."""
    built = []
    for listener in listeners:
        tls = listener.get("tls")
        files = None
        if tls:
            files = TlsFiles(Path(tls["ca_file"]), Path(tls["cert_file"]), Path(tls["key_file"]))
        built.append(Listener(int(listener["port"]), str(listener.get("bind", "")), files))
    return dropin_config(
        password_file=Path(password_file), acl_file=Path(acl_file), listeners=built
    )


class FilterModule:
    def filters(self) -> dict[str, Any]:
        return {
            "marsy_mosquitto_passwd": marsy_mosquitto_passwd,
            "marsy_mosquitto_dropin": marsy_mosquitto_dropin,
        }
