"""Settings: one validated object per process family, built once in ``main()`` and passed down.

Values come from (highest first) keyword arguments, environment variables with the family's
prefix (nested keys joined by ``__``, e.g. ``MARSY_GROUND_MQTT__PORT=1884``) and an optional TOML
file. Secrets are :class:`SecretStr` and never appear in :meth:`MarsySettings.redacted`. A bad
value stops the process at start with :class:`SettingsError` naming the key.
"""

from __future__ import annotations

import contextvars
import tomllib
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any, ClassVar, Self

from pydantic import BaseModel, ConfigDict, Field, SecretStr, ValidationError
from pydantic_settings import (
    BaseSettings,
    PydanticBaseSettingsSource,
    SettingsConfigDict,
    TomlConfigSettingsSource,
)

from marsy.clock import MissionClock
from marsy.protocol.enums import Device
from marsy.protocol.topics import Topics


class SettingsError(ValueError):
    """A setting is missing or invalid; the message names the key as the user would set it."""


class TlsSettings(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")

    ca_file: Path
    cert_file: Path | None = None
    key_file: Path | None = None


class MqttSettings(BaseModel):
    """How a process reaches the broker, and as whom."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    host: str = "127.0.0.1"
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


_config_file: contextvars.ContextVar[Path | None] = contextvars.ContextVar(
    "marsy_config_file", default=None
)


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
        sources: list[PydanticBaseSettingsSource] = [init_settings, env_settings]
        path = _config_file.get()
        if path is not None:
            sources.append(TomlConfigSettingsSource(settings_cls, toml_file=path))
        return tuple(sources)

    @classmethod
    def load(cls, config_file: Path | None = None, **overrides: Any) -> Self:
        """Build and validate the settings once, at a process's entry point."""
        if config_file is not None:
            _check_toml(config_file)
        with _using_config(config_file):
            try:
                return cls(**overrides)
            except ValidationError as exc:
                raise SettingsError(_describe(cls, exc)) from None

    def redacted(self) -> dict[str, Any]:
        """The settings as a dict safe to log: secrets show as ``**********``."""
        return self.model_dump(mode="json")


@contextmanager
def _using_config(path: Path | None) -> Iterator[None]:
    token = _config_file.set(path)
    try:
        yield
    finally:
        _config_file.reset(token)


def _check_toml(path: Path) -> None:
    try:
        tomllib.loads(path.read_text())
    except OSError as exc:
        raise SettingsError(f"config file {path}: {exc.strerror}") from None
    except tomllib.TOMLDecodeError as exc:
        raise SettingsError(f"config file {path}: {exc}") from None


def _describe(cls: type[MarsySettings], exc: ValidationError) -> str:
    prefix = str(cls.model_config.get("env_prefix", ""))
    lines = []
    for error in exc.errors(include_url=False):
        dotted = ".".join(str(part) for part in error["loc"])
        env = prefix + "__".join(str(part) for part in error["loc"]).upper()
        lines.append(f"{dotted} (env {env}): {error['msg']}")
    return f"invalid {cls.family} settings: " + "; ".join(lines)


class GroundSettings(MarsySettings):
    """Settings of the ground services (command, telemetry, calculator, ...).

    One model for the family: each service reads the fields it needs.
    """

    model_config = SettingsConfigDict(env_prefix="MARSY_GROUND_")
    family: ClassVar[str] = "ground"

    influx: InfluxSettings = InfluxSettings()
    ingest: IngestSettings = IngestSettings()
    http_host: str = "127.0.0.1"
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
