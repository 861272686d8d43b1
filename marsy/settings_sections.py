"""The sections of a settings file, shared by the process families: how to reach the broker
(``[mqtt]``), the store (``[influx]``), the recorders' defences (``[ingest]``), the mission clock
(``[clock]``).

Apart from :mod:`marsy.settings` (the families and their loading) because these are plain
validated values that adapters receive on their own: the bus takes an :class:`MqttSettings`, the
store an :class:`InfluxSettings`, whatever family they were read with.
"""

from __future__ import annotations

import ipaddress
import re
from pathlib import Path
from typing import Annotated

from pydantic import AfterValidator, BaseModel, ConfigDict, Field, SecretStr

from marsy.clock import MissionClock
from marsy.protocol.topics import Topics

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
