"""The broker and the time-series store a simulation flies on, and how it found them.

Installed servers come first: a private ``mosquitto`` and ``influxd`` with the project's
configuration. Where one is not installed its embedded stand-in runs instead (same interface,
pure Python). ``--broker URL`` and ``--influx URL`` use servers that already run somewhere; the
simulation then neither starts nor restarts them. What was used is written to the run folder,
so ``marsy report`` can open the same store again later: through the server itself while the run
still flies, on the run's files once it has ended.

On a store of its own every program signs in as its role's InfluxDB user
(:mod:`marsy.store.users`), and reading a run back is the READ-only ``report`` user's
job; the admin only set the store up. A store named by ``--influx`` has the one login its URL
gives, which every program then uses.
"""

from __future__ import annotations

import base64
import http.client
import json
import tomllib
import urllib.parse
from collections.abc import Iterator, Mapping
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Protocol, cast

from pydantic import SecretStr

from devservers import LocalInfluxd, LocalMosquitto, installed
from devservers.influx_admin import InfluxAdmin
from devservers.process import LocalServer
from marsy.brokerconf import all_users
from marsy.logins import login_password, role_of
from marsy.settings import InfluxSettings, MqttSettings
from marsy.store.users import REPORT

SERVERS_FILE = "servers.json"


class Broker(Protocol):
    """What a simulation needs of a broker: where it is and how each MarsY user signs in."""

    topic_root: str

    def settings_for(self, user: str, **overrides: object) -> MqttSettings: ...


class Store(Protocol):
    """What a simulation needs of a time-series store."""

    @property
    def url(self) -> str: ...

    def settings(self, **overrides: object) -> InfluxSettings:
        """The login that reads a run's data back (reports, exports, replays)."""
        ...

    def settings_for(self, user: str, **overrides: object) -> InfluxSettings:
        """The login of the InfluxDB user ``user`` (:mod:`marsy.store.users`)."""
        ...


@dataclass
class ExternalBroker:
    """A broker that already runs (``--broker mqtt://[user:password@]host:port``).

    Each MarsY login signs in with its own password: its role's from ``passwords`` (a
    deployment's credentials, or the URL's login for that one role), a second connection's
    derived from its role's (:func:`marsy.logins.login_password`). There is no shared login:
    the broker binds each client id to its login, so processes sharing one would take each
    other's sessions.
    """

    url: str
    passwords: Mapping[str, str] = field(default_factory=dict)
    topic_root: str = "marsy"

    def __post_init__(self) -> None:
        parsed = urllib.parse.urlsplit(self.url)
        if parsed.scheme not in ("mqtt", "tcp") or not parsed.hostname:
            raise ValueError(f"--broker {self.url!r}: expected mqtt://[user:password@]host:port")
        self.host = parsed.hostname
        self.port = parsed.port or 1883
        self._login = (
            urllib.parse.unquote(parsed.username or ""),
            urllib.parse.unquote(parsed.password or ""),
        )

    def settings_for(self, user: str, **overrides: object) -> MqttSettings:
        role = role_of(user).value
        known = {**self.passwords}
        if self._login[0]:
            known.setdefault(self._login[0], self._login[1])
        if user in known:
            password = known[user]
        elif role in known:
            password = login_password(known[role], user)
        else:
            raise ValueError(
                f"no password for MQTT login {user!r}: give --broker-passwords with one password "
                "per MarsY role (each process signs in as its own login)"
            )
        fields: dict[str, object] = {
            "host": self.host,
            "port": self.port,
            "username": user,
            "password": password,
            "topic_root": self.topic_root,
        }
        fields.update(overrides)
        return MqttSettings.model_validate(fields)

    def describe(self) -> str:
        return f"the broker at {self.host}:{self.port}"


@dataclass
class ExternalStore:
    """An InfluxDB 1.x API that already runs (``--influx http://[user:password@]host:port``)."""

    raw_url: str

    def __post_init__(self) -> None:
        parsed = urllib.parse.urlsplit(self.raw_url)
        if parsed.scheme not in ("http", "https") or not parsed.hostname:
            raise ValueError(
                f"--influx {self.raw_url!r}: expected http(s)://[user:password@]host:port"
            )
        self.username = urllib.parse.unquote(parsed.username) if parsed.username else None
        self.password = urllib.parse.unquote(parsed.password or "")
        netloc = parsed.hostname + (f":{parsed.port}" if parsed.port else "")
        self._url = urllib.parse.urlunsplit((parsed.scheme, netloc, parsed.path, "", ""))

    @property
    def url(self) -> str:
        return self._url

    def settings(self, **overrides: object) -> InfluxSettings:
        fields: dict[str, object] = {"url": self._url, "username": self.username}
        if self.username is not None:
            fields["password"] = SecretStr(self.password)
        fields.update(overrides)
        return InfluxSettings.model_validate(fields)

    def settings_for(self, user: str, **overrides: object) -> InfluxSettings:
        """The URL's login, whatever the user: it is the only one known here."""
        return self.settings(**overrides)


@dataclass
class PrivateStore:
    """A store this machine runs (influxd or the embedded one), as a simulation uses it: each
    program as its role's user, reading back as ``report``."""

    server: InfluxAdmin

    @property
    def url(self) -> str:
        return self.server.url

    def settings(self, **overrides: object) -> InfluxSettings:
        return self.server.settings_for(REPORT, **overrides)

    def settings_for(self, user: str, **overrides: object) -> InfluxSettings:
        return self.server.settings_for(user, **overrides)


@dataclass
class RelayedBroker:
    """``inner`` as the simulation's clients reach it: through the relay on 127.0.0.1:``port``
    (see :mod:`marsy_sim.relay`), the link a fault plan may cut."""

    inner: Broker
    port: int
    topic_root: str = field(init=False)

    def __post_init__(self) -> None:
        self.topic_root = self.inner.topic_root

    def settings_for(self, user: str, **overrides: object) -> MqttSettings:
        relayed: dict[str, object] = {"host": "127.0.0.1", "port": self.port}
        return self.inner.settings_for(user, **{**relayed, **overrides})


@dataclass
class Servers:
    broker: Broker
    store: Store
    restartable_broker: LocalServer | None
    """The broker when this simulation runs it (the chaos monkey may restart it)."""
    lines: list[str]
    """What is used, for the operator."""
    restartable_store: LocalServer | None = None
    """The store when this simulation runs it (a fault plan may kill it)."""


def read_passwords(path: Path) -> dict[str, str]:
    """A credentials file: a JSON or TOML table of MarsY user to MQTT password."""
    text = path.read_text()
    raw = json.loads(text) if path.suffix == ".json" else tomllib.loads(text)
    table = raw.get("mqtt", raw) if isinstance(raw, dict) else None
    if not isinstance(table, dict) or not all(isinstance(v, str) for v in table.values()):
        raise ValueError(f'{path}: expected a table of user = "password"')
    unknown = set(table) - {str(u) for u in all_users()}
    if unknown:
        raise ValueError(f"{path}: no MarsY user named {sorted(unknown)[0]!r}")
    return dict(table)


def private_broker(folder: Path, embedded: bool = False) -> tuple[LocalServer, str, str]:
    """A broker of this machine's own (not started yet): Mosquitto if installed, else the
    embedded one; with what it is and why, for the operator and for the run's record."""
    if installed("mosquitto") and not embedded:
        mosquitto = LocalMosquitto(folder / "mosquitto")
        return mosquitto, "mosquitto", f"mosquitto on 127.0.0.1:{mosquitto.port} (private)"
    from devservers.embedded.broker.instance import EmbeddedBroker

    inner = EmbeddedBroker(folder / "embedded-broker")
    why = "as asked" if embedded else "mosquitto is not installed"
    return inner, "embedded", f"embedded MQTT 5 broker on 127.0.0.1:{inner.port} ({why})"


def private_store(folder: Path, embedded: bool = False) -> tuple[LocalServer, str, str]:
    """A store of this machine's own (not started yet): influxd if installed, else the embedded
    one; with what it is and why."""
    if installed("influxd") and not embedded:
        influxd = LocalInfluxd(folder / "influxd")
        return influxd, "influxd", f"influxd at {influxd.url} (private)"
    from devservers.embedded.tsdb.instance import EmbeddedInfluxd

    inner = EmbeddedInfluxd(folder / "embedded-tsdb")
    why = "as asked" if embedded else "influxd is not installed"
    return inner, "embedded", f"embedded time-series store at {inner.url} ({why})"


@contextmanager
def open_servers(
    folder: Path,
    *,
    broker_url: str | None = None,
    broker_passwords: Mapping[str, str] | None = None,
    influx_url: str | None = None,
    embedded: bool = False,
) -> Iterator[Servers]:
    """Start (or reach) the broker and the store; stops what it started on the way out."""
    lines: list[str] = []
    record: dict[str, dict[str, str]] = {}
    with ExitStack() as stack:
        broker: Broker
        restartable: LocalServer | None = None
        if broker_url is not None:
            external = ExternalBroker(broker_url, dict(broker_passwords or {}))
            broker = external
            lines.append(f"broker: {external.describe()} (not started here)")
            record["broker"] = {"kind": "external", "address": f"{external.host}:{external.port}"}
        else:
            server, kind, line = private_broker(folder, embedded)
            restartable = stack.enter_context(server)
            broker = cast(Broker, server)
            lines.append(f"broker: {line}")
            record["broker"] = {"kind": kind}
        store: Store
        own_store: LocalServer | None = None
        if influx_url is not None:
            store = ExternalStore(influx_url)
            lines.append(f"store: InfluxDB at {store.url} (not started here)")
            record["store"] = {"kind": "external", "url": store.url}
        else:
            server, kind, line = private_store(folder, embedded)
            own_store = stack.enter_context(server)
            store = PrivateStore(cast(InfluxAdmin, own_store))
            lines.append(f"store: {line}")
            record["store"] = {"kind": kind, "url": store.url}
        (folder / SERVERS_FILE).write_text(json.dumps(record, indent=2) + "\n")
        yield Servers(broker, store, restartable, lines, own_store)


class StoreBusy(RuntimeError):
    """A run's own store still runs but does not answer: nothing may start on its files."""


def live_store(run: Path) -> ExternalStore | None:
    """The private store of a run that still flies, to read through; ``None`` if it has stopped.

    Starting a store on a live one's files would rewrite its configuration and have two servers
    on the same data and log. Live is: the run's login is accepted where the run's store
    listened. Something there that refuses the login is another server that took the port
    since; something that takes the connection but does not answer (a frozen store) raises
    :class:`StoreBusy`.
    """
    record = _store_record(run)
    folder = run / ("embedded-tsdb" if record.get("kind") == "embedded" else "influxd")
    url = record.get("url") or _influxd_url(folder / "influxdb.conf")
    login = _run_login(folder)
    if record.get("kind") == "external" or url is None or login is None:
        return None
    parsed = urllib.parse.urlsplit(url)
    conn = http.client.HTTPConnection(parsed.hostname or "127.0.0.1", parsed.port, timeout=3.0)
    token = base64.b64encode(":".join(login).encode()).decode()
    try:
        try:
            conn.connect()
        except OSError:
            return None
        try:
            conn.request(
                "GET", "/query?q=SHOW+DATABASES", headers={"Authorization": f"Basic {token}"}
            )
            status = conn.getresponse().status
        except OSError:
            raise StoreBusy(
                f"the store of run {run} at {url} takes connections but does not answer: it "
                "still runs (frozen?); wait for the run to end or stop it, then try again"
            ) from None
    finally:
        conn.close()
    if status != 200:
        return None
    user, password = (urllib.parse.quote(part, safe="") for part in login)
    return ExternalStore(url.replace("://", f"://{user}:{password}@", 1))


def _store_record(run: Path) -> dict[str, str]:
    try:
        record = json.loads((run / SERVERS_FILE).read_text()).get("store", {})
    except FileNotFoundError:
        record = {"kind": "influxd"}  # runs made before the file existed
    return {str(key): str(value) for key, value in record.items()}


def _influxd_url(conf: Path) -> str | None:
    """Where a run's influxd served HTTP, from its configuration (runs that did not record it)."""
    try:
        address = tomllib.loads(conf.read_text())["http"]["bind-address"]
    except (OSError, tomllib.TOMLDecodeError, KeyError, TypeError):
        return None
    return f"http://{address}"


def _run_login(folder: Path) -> tuple[str, str] | None:
    """The login to read a run's store with: its ``report`` user where it has one, else its
    admin (runs made before the role users)."""
    try:
        users = json.loads((folder / "users.json").read_text())
        if isinstance(users.get("report"), str):
            return "report", users["report"]
    except (OSError, ValueError, AttributeError):
        pass
    try:
        admin = json.loads((folder / "admin.json").read_text())
        return str(admin["username"]), str(admin["password"])
    except (OSError, ValueError, KeyError, TypeError):
        return None


@contextmanager
def open_store(run: Path, influx_url: str | None = None) -> Iterator[Store]:
    """The store a past run wrote to: the external one it names (``influx_url`` then gives the
    login), its private store read through while the run still flies, else that store started on
    the run's data again. :class:`StoreBusy` if the run's store runs but does not answer."""
    record = _store_record(run)
    kind = record.get("kind")
    if influx_url is not None:
        yield ExternalStore(influx_url)
    elif kind == "external":
        yield ExternalStore(record["url"])
    elif (live := live_store(run)) is not None:
        yield live
    elif kind == "embedded":
        from devservers.embedded.tsdb.instance import EmbeddedInfluxd

        with EmbeddedInfluxd(run / "embedded-tsdb") as embedded:
            yield PrivateStore(embedded)
    else:
        with LocalInfluxd(run / "influxd") as influxd:
            yield PrivateStore(influxd)
