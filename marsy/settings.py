"""Settings: one validated object per process family, built once in ``main()`` and passed down.

Values come from (highest first) keyword arguments, environment variables with the family's
prefix (nested keys joined by ``__``, e.g. ``MARSY_GROUND_MQTT__PORT=1884``) and an optional TOML
file. Secrets are :class:`SecretStr` and never appear in :meth:`MarsySettings.redacted`.

A bad value stops the process at start with one :class:`SettingsError` line naming the key where
it was set: ``MARSY_GROUND_MQTT__PORT``, ``MARSY_GROUND_MQTT:port`` (a key inside that variable's
JSON) or ``ground.toml:mqtt.port``. An unknown key in the file is refused too (a typo there would
silently leave a setting at its default); an environment variable with the family's prefix that
names no setting is only warned about, since the environment is shared with other programs.
"""

from __future__ import annotations

import contextvars
import ipaddress
import json
import logging
import os
import re
import tomllib
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from types import UnionType
from typing import Annotated, Any, ClassVar, Self, Union, get_args, get_origin

from pydantic import AfterValidator, BaseModel, ConfigDict, Field, SecretStr, ValidationError
from pydantic_settings import (
    BaseSettings,
    EnvSettingsSource,
    InitSettingsSource,
    PydanticBaseSettingsSource,
    SettingsConfigDict,
)
from pydantic_settings import SettingsError as SourceError

from marsy.clock import MissionClock
from marsy.protocol.enums import Device
from marsy.protocol.topics import Topics

logger = logging.getLogger(__name__)


class SettingsError(ValueError):
    """A setting is missing or invalid; the one-line message names the key where it was set."""


_LABEL = re.compile(r"(?!-)[A-Za-z0-9_-]{1,63}(?<!-)")


def _check_host(value: str) -> str:
    """An IP address or a host name, refused at start rather than when a socket is opened."""
    try:
        ipaddress.ip_address(value)
    except ValueError:
        labels = value.removesuffix(".").split(".")
        # A last label of digits only makes it a mistyped address (``999.1.1.1``), not a name.
        if not (
            len(value) <= 253
            and all(_LABEL.fullmatch(label) for label in labels)
            and not labels[-1].isdigit()
        ):
            raise ValueError("not an IP address or a host name") from None
    return value


Host = Annotated[str, AfterValidator(_check_host)]


class TlsSettings(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")

    ca_file: Path
    cert_file: Path | None = None
    key_file: Path | None = None


class MqttSettings(BaseModel):
    """How a process reaches the broker, and as whom."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    host: Host = "127.0.0.1"
    port: int = Field(default=1883, ge=1, le=65535)
    username: str | None = None
    password: SecretStr | None = None
    tls: TlsSettings | None = None
    topic_root: str = "marsy"
    keepalive: int = Field(default=30, ge=5, le=3600)
    session_expiry: int = Field(default=7 * 24 * 3600, ge=0)
    """Seconds the broker keeps a disconnected client's session and queued messages."""
    reconnect_min: float = Field(default=0.2, gt=0)
    reconnect_max: float = Field(default=10.0, gt=0)
    publish_timeout: float = Field(default=10.0, gt=0)
    max_inflight: int = Field(default=200, ge=1, le=65535)
    """QoS-1 publishes awaiting PUBACK before ``publish`` blocks (paho refuses past 65,535)."""
    receive_maximum: int = Field(default=10_000, ge=1, le=65535)
    """Unacknowledged deliveries the broker may have in flight to us (MQTT 5). A consumer that
    acks after a batched write needs several batches' worth, or the stream stalls."""

    @property
    def topics(self) -> Topics:
        return Topics(self.topic_root)


class InfluxSettings(BaseModel):
    """The InfluxDB HTTP API (1.x, 2.x through v1 compatibility, 3.x)."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    url: str = "http://127.0.0.1:8086"
    read_url: str | None = None
    """A separate endpoint (a replica) for the read side; defaults to ``url``."""
    username: str | None = None
    password: SecretStr | None = None
    flight_db: str = "flight"
    payload_db: str = "payload"
    batch_size: int = Field(default=1000, ge=1, le=100_000)
    flush_interval: float = Field(default=0.1, gt=0)
    timeout: float = Field(default=10.0, gt=0)


class IngestSettings(BaseModel):
    """The recorders' (telemetry ingest, payload) defences against a source that floods or lies.

    The devices send about ten samples a mission second each, plus a few events and heartbeats.
    """

    model_config = ConfigDict(frozen=True, extra="forbid")

    source_rate: float = Field(default=200.0, gt=0)
    """Messages a mission second one source (one topic name, one login) may average; past its
    budget a source's messages are refused before decoding (counted, never stored)."""
    source_burst: int = Field(default=10_000, ge=1)
    """Messages a source may send at once beyond its rate: the backlog a device forwards after a
    cut link, or the broker delivers to a restarted recorder, must fit in it."""
    dead_letters_per_second: float = Field(default=5.0, gt=0)
    """Dead letters per source published in full each wall second; the rest are counted and
    summarised in the next one."""
    seq_window: int = Field(default=100_000, ge=1)
    """How far beyond its highest (or below its lowest) sequence number of a mission a source
    may number a message before the ledger refuses it."""
    health_interval: float = Field(default=1.0, gt=0)
    """Wall seconds between two ``ServiceHealth`` heartbeats of a recorder."""


class ClockSettings(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")

    epoch: float = 0.0
    warp: float = Field(default=1.0, gt=0, le=1000)

    def clock(self) -> MissionClock:
        return MissionClock(epoch=self.epoch, warp=self.warp)


class MarsySettings(BaseSettings):
    """Fields every MarsY process has. Subclasses set ``env_prefix``."""

    model_config = SettingsConfigDict(
        env_prefix="MARSY_", env_nested_delimiter="__", extra="forbid", frozen=True
    )
    family: ClassVar[str] = "marsy"

    mqtt: MqttSettings = MqttSettings()
    clock: ClockSettings = ClockSettings()
    log_level: str = Field(default="INFO", pattern=r"^(DEBUG|INFO|WARNING|ERROR|CRITICAL)$")

    @classmethod
    def settings_customise_sources(
        cls,
        settings_cls: type[BaseSettings],
        init_settings: PydanticBaseSettingsSource,
        env_settings: PydanticBaseSettingsSource,
        dotenv_settings: PydanticBaseSettingsSource,
        file_secret_settings: PydanticBaseSettingsSource,
    ) -> tuple[PydanticBaseSettingsSource, ...]:
        read = _read_sources.get()
        if read is None:  # built directly (tests, embedded helpers): keywords over environment
            return (init_settings, env_settings)
        return (
            init_settings,
            *(InitSettingsSource(settings_cls, init_kwargs=data) for data in read),
        )

    @classmethod
    def load(cls, config_file: Path | None = None, **overrides: Any) -> Self:
        """Build and validate the settings once, at a process's entry point.

        Raises :class:`SettingsError` with one line naming each bad key where it was set, and
        logs one warning naming the environment variables that set nothing.
        """
        file = _File(str(config_file), _read_toml(config_file)) if config_file else None
        env = _read_env(cls)
        if env.unknown:
            logger.warning(
                "ignoring environment %s: no %s setting of that name",
                ", ".join(env.unknown),
                cls.family,
            )
        token = _read_sources.set((env.values, file.values if file else {}))
        try:
            return cls(**overrides)
        except ValidationError as exc:
            raise SettingsError(_describe(cls, exc, overrides, env, file)) from None
        finally:
            _read_sources.reset(token)

    def redacted(self) -> dict[str, Any]:
        """The settings as a dict safe to log: secrets show as ``**********``."""
        return self.model_dump(mode="json")


_read_sources: contextvars.ContextVar[tuple[dict[str, Any], ...] | None] = contextvars.ContextVar(
    "marsy_settings_sources", default=None
)
"""What :meth:`MarsySettings.load` read (environment, then file), below the keywords."""


@dataclass(frozen=True)
class _File:
    name: str
    values: dict[str, Any]


@dataclass(frozen=True)
class _Env:
    values: dict[str, Any]
    names: dict[tuple[str, ...], str]
    """Field path → the variable that set it: ("mqtt", "port") → ``MARSY_GROUND_MQTT__PORT``."""
    unknown: tuple[str, ...]


_UNKNOWN = object()


def _read_toml(path: Path) -> dict[str, Any]:
    try:
        return tomllib.loads(path.read_text())
    except OSError as exc:
        raise SettingsError(f"config file {path}: {exc.strerror}") from None
    except (tomllib.TOMLDecodeError, UnicodeDecodeError) as exc:
        raise SettingsError(f"config file {path}: {exc}") from None


def _read_env(cls: type[MarsySettings]) -> _Env:
    """The family's variables, checked before pydantic-settings parses them: a JSON value that
    does not parse is named here (it would be a traceback there), an unknown name set aside."""
    prefix = str(cls.model_config.get("env_prefix", "")).lower()
    delimiter = str(cls.model_config.get("env_nested_delimiter") or "__")
    names: dict[tuple[str, ...], str] = {}
    unknown: list[tuple[str, ...]] = []
    unknown_names: list[str] = []
    for name, value in sorted(os.environ.items()):
        if not name.lower().startswith(prefix):
            continue
        path = tuple(name[len(prefix) :].lower().split(delimiter))
        target = _target(cls, path)
        if target is _UNKNOWN:
            unknown.append(path)
            unknown_names.append(name)
            continue
        if _is_structured(target):
            try:
                json.loads(value)
            except ValueError as exc:
                # The value itself is not shown: it may hold a password or a token.
                msg = getattr(exc, "msg", str(exc))
                raise SettingsError(
                    f"invalid {cls.family} settings: {name}: not valid JSON ({msg})"
                ) from None
        names[path] = name
    try:
        values = EnvSettingsSource(cls)()
    except SourceError as exc:
        raise SettingsError(f"invalid {cls.family} settings: {prefix.upper()}*: {exc}") from None
    for path in unknown:
        _drop(values, path)
    return _Env(values, names, tuple(unknown_names))


def _unwrap(annotation: Any) -> Any:
    """``X | None`` → ``X``."""
    if get_origin(annotation) in (Union, UnionType):
        args = [arg for arg in get_args(annotation) if arg is not type(None)]
        if len(args) == 1:
            return args[0]
    return annotation


def _target(model: type[BaseModel], path: tuple[str, ...]) -> Any:
    """The type the settings key ``path`` holds, or ``_UNKNOWN`` if no field has that name."""
    target: Any = model
    for part in path:
        if isinstance(target, type) and issubclass(target, BaseModel):
            field = target.model_fields.get(part)
            if field is None:
                return _UNKNOWN
            target = _unwrap(field.annotation)
        elif get_origin(target) is dict and part:
            target = _unwrap(get_args(target)[1])
        else:
            return _UNKNOWN
    return target


def _is_structured(target: Any) -> bool:
    """Whether pydantic-settings reads an environment value for ``target`` as JSON."""
    if isinstance(target, type) and issubclass(target, BaseModel):
        return True
    return target in (dict, list) or get_origin(target) in (dict, list, tuple, set)


def _drop(values: dict[str, Any], path: tuple[str, ...]) -> None:
    node: Any = values
    for part in path[:-1]:
        node = node.get(part) if isinstance(node, dict) else None
    if isinstance(node, dict):
        node.pop(path[-1], None)


def _holds(values: Mapping[str, Any], path: tuple[str, ...]) -> bool:
    node: Any = values
    for part in path:
        if not isinstance(node, Mapping) or part not in node:
            return False
        node = node[part]
    return True


def _describe(
    cls: type[MarsySettings],
    exc: ValidationError,
    overrides: Mapping[str, Any],
    env: _Env,
    file: _File | None,
) -> str:
    problems = []
    for error in exc.errors(include_url=False):
        path = tuple(str(part) for part in error["loc"])
        message = (
            "unknown setting"
            if error["type"] == "extra_forbidden"
            else error["msg"].removeprefix("Value error, ")
        )
        problems.append(f"{_where(cls, path, overrides, env, file)}: {message}")
    return f"invalid {cls.family} settings: " + "; ".join(problems)


def _where(
    cls: type[MarsySettings],
    path: tuple[str, ...],
    overrides: Mapping[str, Any],
    env: _Env,
    file: _File | None,
) -> str:
    """Where the value at ``path`` was set, in the precedence :meth:`MarsySettings.load` uses."""
    dotted = ".".join(path)
    if not path:
        return "settings"
    if _holds(overrides, path):
        return f"argument {dotted}"
    if _holds(env.values, path):
        for depth in range(len(path), 0, -1):
            name = env.names.get(path[:depth])
            if name is not None:
                return name if depth == len(path) else f"{name}:{'.'.join(path[depth:])}"
    if file is not None and _holds(file.values, path):
        return f"{file.name}:{dotted}"
    variable = str(cls.model_config.get("env_prefix", "")) + "__".join(path).upper()
    return f"{variable} (or {dotted} in a config file)"


class GroundSettings(MarsySettings):
    """Settings of the ground services (command, telemetry, calculator, ...).

    One model for the family: each service reads the fields it needs.
    """

    model_config = SettingsConfigDict(env_prefix="MARSY_GROUND_")
    family: ClassVar[str] = "ground"

    influx: InfluxSettings = InfluxSettings()
    ingest: IngestSettings = IngestSettings()
    http_host: Host = "127.0.0.1"
    http_port: int = Field(default=0, ge=0, le=65535)
    """0 picks a free port (the process logs which)."""
    api_tokens: dict[str, SecretStr] = Field(default_factory=dict)
    """Caller name → bearer token accepted on this service's state-changing endpoints."""
    token: SecretStr | None = None
    """This service's own bearer token, sent when it calls another service."""
    services: dict[str, str] = Field(default_factory=dict)
    """Service name → base URL of the peers this service calls (``weather``, ``launchpad``...)."""
    state_dir: Path = Path("/var/lib/marsy")
    evaluation_period: float = Field(default=2.0, gt=0)
    """Calculator: mission seconds between two risk evaluations."""
    loss_of_signal: float = Field(default=5.0, gt=0)
    """Calculator: mission seconds a device must be silent on a live bus to be reported lost;
    also how long its own loopback may stay away, or the store trail the bus, before the
    ground's view counts as stale."""
    heartbeat_timeout: float = Field(default=12.0, gt=0)
    """Calculator: wall seconds after its last heartbeat that a device still counts as
    heartbeating, hence never lost (agents beat every 5 s: two may go missing)."""
    reconnect_grace: float = Field(default=12.0, ge=0)
    """Calculator: wall seconds more a device gets to speak once the calculator's own dropped
    broker connection is back (the agents' reconnect backoff reaches 10 s)."""


class EdgeSettings(MarsySettings):
    """Settings of an onboard agent (one per device)."""

    model_config = SettingsConfigDict(env_prefix="MARSY_EDGE_")
    family: ClassVar[str] = "edge"

    device: Device
    serial_url: str = "/dev/ttyUSB0"
    """pyserial URL of the sensor board: a device, a pty path, ``loop://``."""
    baudrate: int = Field(default=115200, ge=1200)
    state_dir: Path = Path("/var/lib/marsy")
    """Where the outbox (store-and-forward queue) and the command journal live."""
    outbox_capacity: int = Field(default=200_000, ge=10)
    replay_window: float = Field(default=15.0, gt=0)
    """Wall seconds of the broker's life after a PUBACK before the agent forgets the message.

    Mosquitto acknowledges a QoS-1 publish before it saves it, and saves only every
    ``autosave_interval`` (5 s, marsy/brokerconf.py): a broker killed before its next save comes
    back without it. Until then the agent keeps the message and publishes it again after every
    reconnect. Three save intervals leave room for a save delayed by a busy broker; a longer
    window costs only duplicates (dropped by the receivers) and a little disk.
    """
    heartbeat_interval: float = Field(default=5.0, gt=0)
    """Wall seconds between health messages."""
    command_timeout: float = Field(default=2.0, gt=0)
    """Wall seconds to wait for the board's answer to a command before nacking it."""
    command_ttl: float = Field(default=60.0, gt=0)
    """Mission seconds after which a queued command is refused as stale, not executed."""
    astronaut: str = "Thomas"
