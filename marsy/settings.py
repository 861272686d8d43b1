"""Settings: one validated object per process family, built once in ``main()`` and passed down.

Values come from (highest first) keyword arguments, environment variables with the family's
prefix (nested keys joined by ``__``, e.g. ``MARSY_GROUND_MQTT__PORT=1884``) and an optional TOML
file. Secrets are :class:`SecretStr` and never appear in :meth:`MarsySettings.redacted`.

A bad value stops the process at start with one :class:`SettingsError` line naming the key where
it was set: ``MARSY_GROUND_MQTT__PORT``, ``MARSY_GROUND_MQTT:port`` (a key inside that variable's
JSON) or ``ground.toml:mqtt.port``. An unknown key in the file is refused too (a typo there would
silently leave a setting at its default); an environment variable with the family's prefix that
names no setting is only warned about, since the environment is shared with other programs.

The sections every family shares (``[mqtt]``, ``[influx]``, ...) are
:mod:`marsy.settings_sections`; reading the sources and naming a bad key,
:mod:`marsy.settings_sources`. Both are importable from here, as callers always have.
"""

from __future__ import annotations

import logging
from pathlib import Path
from typing import Any, ClassVar, Self

from pydantic import Field, SecretStr, ValidationError
from pydantic_settings import (
    BaseSettings,
    InitSettingsSource,
    PydanticBaseSettingsSource,
    SettingsConfigDict,
)

from marsy.protocol.enums import Device
from marsy.settings_sections import (
    ClockSettings,
    Host,
    InfluxSettings,
    IngestSettings,
    MqttSettings,
    TlsSettings,
)
from marsy.settings_sources import (
    File,
    SettingsError,
    describe,
    read_env,
    read_sources,
    read_toml,
)

__all__ = [
    "ClockSettings",
    "EdgeSettings",
    "GroundSettings",
    "Host",
    "InfluxSettings",
    "IngestSettings",
    "MarsySettings",
    "MqttSettings",
    "SettingsError",
    "TlsSettings",
]

logger = logging.getLogger(__name__)


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
        read = read_sources.get()
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
        file = File(str(config_file), read_toml(config_file)) if config_file else None
        env = read_env(cls, cls.family)
        if env.unknown:
            logger.warning(
                "ignoring environment %s: no %s setting of that name",
                ", ".join(env.unknown),
                cls.family,
            )
        token = read_sources.set((env.values, file.values if file else {}))
        try:
            return cls(**overrides)
        except ValidationError as exc:
            raise SettingsError(describe(cls, cls.family, exc, overrides, env, file)) from None
        finally:
            read_sources.reset(token)

    def redacted(self) -> dict[str, Any]:
        """The settings as a dict safe to log: secrets show as ``**********``."""
        return self.model_dump(mode="json")


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
    launch_window: float = Field(default=120.0, ge=0)
    """Command: mission seconds from a mission's first go/no-go poll during which a weather
    no-go holds the launch instead of scrubbing it; 0 scrubs on the first no-go."""
    go_no_go_interval: float = Field(default=10.0, gt=0)
    """Command: mission seconds between two go/no-go polls while the launch is held."""


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
