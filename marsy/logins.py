"""Broker logins: one per MQTT connection, each standing for a role.

The broker makes every client's id its login (Mosquitto's ``use_username_as_clientid``), so a
login can hold only its own session and no login can take over another's. A process that
needs two connections therefore needs two logins: a login is ``<role>`` or ``<role>.<tag>``
(``payload.recorder``, ``observer.console``), where the role, a :class:`Device` or a
:class:`Service`, decides what the ACL lets it do and names its topics (the recorder's dead
letters still go to ``deadletter/payload``).

A tag is another connection of the same principal, not another principal: its password is
derived from the role's (:func:`login_password`), so a deployment keeps one secret per role,
and the process holding it can open the second connection (:func:`as_login`) while the broker
still checks a separate hash per login. The derivation is one way: a tagged login's password
does not reveal its role's.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import re
from collections.abc import Iterable, Mapping

from pydantic import SecretStr

from marsy.protocol.enums import Device, Service
from marsy.settings import MqttSettings

Role = Device | Service

SEPARATOR = "."
_TAG = re.compile(r"^[A-Za-z0-9_-]{1,48}$")

PAYLOAD_RECORDER = f"{Service.PAYLOAD}{SEPARATOR}recorder"
"""The payload service's satellite recorder, beside the service's own ``payload`` connection."""
OBSERVER_CONSOLE = f"{Service.OBSERVER}{SEPARATOR}console"
"""The simulation's live console, watching the whole bus through a mission."""
OBSERVER_PRESENCE = f"{Service.OBSERVER}{SEPARATOR}presence"
"""The simulation's wait for a new vehicle's agents to come online."""

MAX_INGEST_WORKERS = 8
"""Workers ``marsy serve telemetry --workers N`` may run at most."""
INGEST_WORKERS = tuple(
    f"{Service.TELEMETRY}{SEPARATOR}ingest-{index}" for index in range(2, MAX_INGEST_WORKERS + 1)
)
"""The telemetry ingest's workers after the first (which is ``telemetry`` itself), each a
session of its own on the shared subscription."""

_SECOND_CONNECTIONS = (PAYLOAD_RECORDER, OBSERVER_CONSOLE, OBSERVER_PRESENCE, *INGEST_WORKERS)


class LoginError(ValueError):
    """A login that names no MarsY role, or a tag the broker's files could not hold."""


def roles() -> list[Role]:
    """Every role, in the order the broker's files list them."""
    return [*Device, *Service]


def role_of(login: str) -> Role:
    """The role ``login`` stands for: ``payload.recorder`` is ``payload``."""
    name, sep, tag = login.partition(SEPARATOR)
    if sep and not _TAG.match(tag):
        raise LoginError(f"login {login!r}: a tag is 1-48 letters, digits, '-' or '_'")
    for role in roles():
        if role.value == name:
            return role
    raise LoginError(f"login {login!r} names no MarsY device or service")


def login_of(role: Role | str, tag: str | None = None) -> str:
    """``<role>`` or ``<role>.<tag>``, checked."""
    login = str(role) if tag is None else f"{role}{SEPARATOR}{tag}"
    role_of(login)
    return login


def fixed_logins() -> list[str]:
    """Every login a deployment has: one per role, and the second connections of the
    processes that open two."""
    return [*(str(role) for role in roles()), *_SECOND_CONNECTIONS]


def login_password(role_password: str, login: str) -> str:
    """The password of ``login``: its role's own, or for a tagged login one derived from it."""
    role = role_of(login)
    if login == role.value:
        return role_password
    digest = hmac.new(role_password.encode(), f"marsy-login:{login}".encode(), hashlib.sha256)
    return base64.urlsafe_b64encode(digest.digest()).decode().rstrip("=")


def login_passwords(role_passwords: Mapping[str, str], extra: Iterable[str] = ()) -> dict[str, str]:
    """The password of every fixed login (and of ``extra`` ones) whose role has a password.

    ``role_passwords`` names roles only: a tagged login's password is derived, never set, so
    the process holding the role's can always open it.
    """
    strays = sorted(name for name in role_passwords if role_of(name).value != name)
    if strays:
        raise LoginError(f"passwords are set per role, not per login: {', '.join(strays)}")
    logins = [*fixed_logins(), *(login for login in extra if login not in fixed_logins())]
    return {
        login: login_password(role_passwords[role_of(login).value], login)
        for login in logins
        if role_of(login).value in role_passwords
    }


def as_login(settings: MqttSettings, login: str) -> MqttSettings:
    """The settings of a role's own login, changed to ``login`` of the same role (its second
    connection) with the derived password."""
    own = settings.username
    if own is None or settings.password is None or role_of(own).value != own:
        raise LoginError(f"{login!r} is opened from its role's own login, not from {own!r}")
    if role_of(login) is not role_of(own):
        raise LoginError(f"{own!r} cannot open {login!r}: another role")
    password = login_password(settings.password.get_secret_value(), login)
    return settings.model_copy(update={"username": login, "password": SecretStr(password)})
