"""Message models: everything that crosses a process boundary on the MQTT bus.

Every message is a frozen pydantic model with ``extra="forbid"`` and carries the same envelope:
schema version, mission id, source, a per-source monotonically increasing sequence number and
the source's own timestamp (mission clock, seconds since the Unix epoch). The ``kind`` tag makes
:data:`Message` a discriminated union, so a consumer decodes any payload with one call and
dispatches on the model type, never on a hand-written ``kind`` check.
"""

from __future__ import annotations

from typing import Annotated, Any, ClassVar, Literal, Self, TypeVar, get_args

from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    StringConstraints,
    TypeAdapter,
    ValidationError,
    model_validator,
)

from marsy.protocol.enums import (
    AlertRule,
    CommandAction,
    Device,
    EventType,
    FlightPhase,
    LogLevel,
    MissionState,
    PresenceState,
    Severity,
)
from marsy.protocol.errors import ContractError
from marsy.protocol.parameters import BY_DEVICE, Value, coerce_value

SCHEMA_VERSION: Literal[1] = 1
MAX_PAYLOAD_BYTES = 64 * 1024
"""Bigger payloads are refused before parsing: no message of the contract comes close."""

Identifier = Annotated[str, StringConstraints(pattern=r"^[a-z][a-z0-9_-]{0,63}$")]
"""A source or client name: lower case, safe as one MQTT topic level and an InfluxDB tag."""
MissionId = Annotated[str, StringConstraints(pattern=r"^[A-Za-z0-9][A-Za-z0-9_-]{0,63}$")]
CorrelationId = Annotated[str, StringConstraints(pattern=r"^[A-Za-z0-9_-]{8,64}$")]
Name = Annotated[str, StringConstraints(min_length=1, max_length=64)]
Text = Annotated[str, StringConstraints(max_length=2000)]
Seq = Annotated[int, Field(ge=0, lt=2**63)]
Timestamp = Annotated[float, Field(ge=0.0, lt=1.0e11)]
Detail = dict[Annotated[str, StringConstraints(max_length=64)], str | float | int | bool]


class _Model(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid", allow_inf_nan=False)


class _Envelope(_Model):
    schema_version: Literal[1] = SCHEMA_VERSION
    mission_id: MissionId
    source: Identifier
    seq: Seq
    ts: Timestamp


class _Measurements(_Envelope):
    """Values keyed by parameter name, checked against the dictionary for ``device``."""

    devices: ClassVar[frozenset[Device]]
    device: Device
    phase: FlightPhase
    values: Annotated[dict[str, Value], Field(min_length=1, max_length=64)]

    @model_validator(mode="before")
    @classmethod
    def _check_values(cls, data: Any) -> Any:
        if not isinstance(data, dict) or not isinstance(data.get("values"), dict):
            return data
        device = data.get("device", cls.model_fields["device"].default)
        if not isinstance(device, str) or device not in cls.devices:
            return data  # the device field's own validation reports it
        device = Device(device)
        known = BY_DEVICE[device]
        typed: dict[str, Value] = {}
        for name, raw in data["values"].items():
            if name not in known:
                raise ValueError(f"values.{name}: {device} has no such parameter")
            try:
                typed[name] = coerce_value(known[name], raw)
            except ValueError as exc:
                raise ValueError(f"values.{name}: {exc}") from None
        return {**data, "values": typed}


class DeviceTelemetry(_Measurements):
    """One sample of a vehicle's sensor board (rocket, booster, satellite)."""

    devices = frozenset({Device.ROCKET, Device.BOOSTER, Device.SATELLITE})
    kind: Literal["telemetry"] = "telemetry"
    device: Literal[Device.ROCKET, Device.BOOSTER, Device.SATELLITE]


class AstronautVitals(_Measurements):
    """One sample of the astronaut's suit: vital signs and suit state."""

    devices = frozenset({Device.SUIT})
    kind: Literal["vitals"] = "vitals"
    device: Literal[Device.SUIT] = Device.SUIT
    astronaut: Name


class DeviceCommand(_Envelope):
    """A request to a device; answered by exactly one :class:`CommandAck` per command id."""

    kind: Literal["command"] = "command"
    command_id: CorrelationId
    device: Device
    action: CommandAction
    level: Annotated[float, Field(ge=0.0, le=100.0)] | None = None
    """Throttle level in percent; required for THROTTLE, absent otherwise."""
    text: Text | None = None
    """Free text for INTERVIEW questions."""

    @model_validator(mode="after")
    def _level_iff_throttle(self) -> Self:
        if (self.action is CommandAction.THROTTLE) != (self.level is not None):
            raise ValueError("level: required for throttle and only for throttle")
        return self


class CommandAck(_Envelope):
    """The device's answer: accepted, or rejected with the reason."""

    kind: Literal["ack"] = "ack"
    command_id: CorrelationId
    device: Device
    action: CommandAction
    accepted: bool
    reason: Text | None = None
    detail: Annotated[Detail, Field(max_length=64)] = Field(default_factory=dict)

    @model_validator(mode="after")
    def _reason_when_rejected(self) -> Self:
        if not self.accepted and not self.reason:
            raise ValueError("reason: a rejection must say why")
        return self


class MissionEvent(_Envelope):
    """Something that happened to the mission, as seen by its source."""

    kind: Literal["event"] = "event"
    event: EventType
    device: Device | None = None
    detail: Text = ""


class MissionStatus(_Envelope):
    """The mission's state and phase, published retained by Command."""

    kind: Literal["mission"] = "mission"
    state: MissionState
    phase: FlightPhase
    detail: Text = ""


class LogRecord(_Envelope):
    kind: Literal["log"] = "log"
    level: LogLevel
    message: Text


class WebcastLine(_Envelope):
    """A line of live commentary (or of the astronaut interview)."""

    kind: Literal["webcast"] = "webcast"
    speaker: Name
    text: Text


class Alert(_Envelope):
    """A danger the calculator spotted, or the all-clear when ``cleared`` is true."""

    kind: Literal["alert"] = "alert"
    device: Device
    rule: AlertRule
    severity: Literal[Severity.YELLOW, Severity.RED]
    cleared: bool = False
    parameter: Identifier | None = None
    value: float | None = None
    limit: float | None = None
    message: Text = ""


Count = Annotated[int, Field(ge=0, lt=2**63)]


class StreamCount(_Model):
    """One stream of one mission (its messages of one kind) as the device's agent numbered it."""

    numbered: Count
    """Messages the agent numbered: the stream's next sequence number, what it sent."""
    dropped: Count = 0
    """Of those, dropped by the agent itself: its outbox's bound, a full disk with a full
    memory, or a crash while the disk was full. The rest went to the broker."""


class AgentCounters(_Model):
    """What one agent counted, from its board's line to its broker, for one mission.

    The streams are keyed by the ``kind`` of their messages (``telemetry`` or ``vitals``,
    ``event``, ``ack``, ``log``, ``health``, ``counters``). Samples taken on ``standby``,
    before the agent learnt its mission, are numbered apart and reported apart, never as part
    of the mission. Frames are counted per mission across the agent's restarts; the disk's
    figures since the agent started.
    """

    frames_read: Count
    """Intact frames read from the board while on this mission."""
    frames_bad: Count
    """Damaged frames the line threw away (bad checksum, garbage) while on this mission."""
    frames_refused: Count
    """Intact frames the contract refused (not numbered) while on this mission."""
    frames_missed: Count = 0
    """Frames the board numbered that never reached the reader intact while on this mission
    (gaps in the board's frame numbers: lost before the agent could number them; the damaged
    ones among them are in ``frames_bad`` too)."""
    write_failures: Count
    """Outbox transactions the disk refused since the agent started."""
    held: Count
    """Messages waiting in memory for the disk right now."""
    held_total: Count
    """Messages that had to wait in memory since the agent started."""
    dropped_full: Count
    """Of those, dropped because the memory was full too (counted in their streams)."""
    streams: dict[Identifier, StreamCount]
    standby: dict[Identifier, StreamCount] = Field(default_factory=dict)


class DeviceCounters(_Envelope):
    """One agent's :class:`AgentCounters` for the mission it flies, retained: the latest word
    of a device on what it sent, for a ledger read after the flight (also in its heartbeats)."""

    kind: Literal["counters"] = "counters"
    device: Device
    counters: AgentCounters


class DeviceHealth(_Envelope):
    """A device agent's periodic heartbeat: is its serial line, queue and link healthy?"""

    kind: Literal["health"] = "health"
    device: Device
    uptime: Annotated[float, Field(ge=0.0)]
    frames_ok: Annotated[int, Field(ge=0)]
    frames_bad: Annotated[int, Field(ge=0)]
    queue_depth: Annotated[int, Field(ge=0)]
    dropped: Annotated[int, Field(ge=0)]
    """Messages the agent had to drop since it was installed: its outbox's bound (oldest
    first), or a full disk with a full memory (see ``counters`` for where)."""
    reconnects: Annotated[int, Field(ge=0)]
    board_online: bool
    counters: AgentCounters | None = None
    """What the agent counted of this mission (agents before these counters send none)."""


class ServiceHealth(_Envelope):
    """A ground service's heartbeat on its own health topic, about once a second.

    Whoever hears it knows the bus carries that service's messages right now (the calculator
    hears its own, a loopback through the broker); a recorder adds how fresh the store is, so a
    stale store or a lagging ingest is told apart from a silent vehicle.
    """

    kind: Literal["service_health"] = "service_health"
    uptime: Annotated[float, Field(ge=0.0)]
    ingest_lag: Annotated[float, Field(ge=0.0)] | None = None
    """Mission seconds between now and the newest sample handed to the store (recorders)."""
    last_write: Timestamp | None = None
    """Mission time of the last write the store confirmed (recorders)."""
    pending: Annotated[int, Field(ge=0)] = 0
    """Messages received and not yet durable (recorders)."""
    store_ok: bool | None = None
    """Whether the store took the last write (recorders; ``None`` for other services)."""


class DeadLetter(_Model):
    """A message a consumer could not accept, set aside with the reason (never silently lost).

    Like presence it may carry no mission: the refused payload may not have had one.
    """

    kind: Literal["deadletter"] = "deadletter"
    schema_version: Literal[1] = SCHEMA_VERSION
    mission_id: MissionId | None = None
    source: Identifier
    seq: Seq
    ts: Timestamp
    topic: Annotated[str, StringConstraints(max_length=256)]
    field: Annotated[str, StringConstraints(max_length=256)]
    reason: Text
    size: Annotated[int, Field(ge=0)]
    excerpt: Annotated[str, StringConstraints(max_length=512)]
    """The start of the refused payload, decoded leniently, for whoever investigates."""


class DevicePresence(_Model):
    """Retained online/offline status of one MQTT client (also its last will).

    Unlike other messages it may carry no mission: a device is online before any mission starts.
    """

    kind: Literal["presence"] = "presence"
    schema_version: Literal[1] = SCHEMA_VERSION
    mission_id: MissionId | None = None
    source: Identifier
    seq: Seq
    ts: Timestamp
    state: PresenceState


Message = Annotated[
    DeviceTelemetry
    | AstronautVitals
    | DeviceCommand
    | CommandAck
    | MissionEvent
    | MissionStatus
    | LogRecord
    | WebcastLine
    | Alert
    | DeviceHealth
    | DeviceCounters
    | ServiceHealth
    | DeadLetter
    | DevicePresence,
    Field(discriminator="kind"),
]

_MESSAGE = TypeAdapter[Message](Message)
MESSAGE_TYPES: tuple[type[BaseModel], ...] = get_args(get_args(Message)[0])
_KINDS = frozenset(model.model_fields["kind"].default for model in MESSAGE_TYPES)
M = TypeVar("M", bound=BaseModel)


def _contract_error(exc: ValidationError) -> ContractError:
    first = exc.errors(include_url=False)[0]
    location = [str(part) for part in first["loc"]]
    if location and location[0] in _KINDS:
        location = location[1:]  # the union's tag, not a field of the payload
    reason = first["msg"].removeprefix("Value error, ")
    if first["type"] == "value_error":
        # the contract's own validators name the field first: "values.altitude: ..."
        head, sep, tail = reason.partition(": ")
        if sep and head and " " not in head:
            location.append(head)
            reason = tail
    if first["type"] in ("union_tag_invalid", "union_tag_not_found"):
        location = ["kind"]
    if not location or first["type"] == "json_invalid":
        location = ["<payload>"]
    field = ".".join(part or '""' for part in location)
    return ContractError(field, reason, errors=exc.error_count())


def _checked_size(raw: bytes | str) -> bytes | str:
    if len(raw) > MAX_PAYLOAD_BYTES:
        raise ContractError("<payload>", f"{len(raw)} bytes, more than {MAX_PAYLOAD_BYTES}")
    return raw


def decode_message(raw: bytes | str) -> Message:
    """Parse and validate any MarsY message; :class:`ContractError` for anything else."""
    try:
        return _MESSAGE.validate_json(_checked_size(raw))
    except ValidationError as exc:
        raise _contract_error(exc) from None


def decode_as(model: type[M], raw: bytes | str) -> M:
    """Parse ``raw`` as exactly ``model``; :class:`ContractError` for anything else."""
    try:
        return model.model_validate_json(_checked_size(raw))
    except ValidationError as exc:
        raise _contract_error(exc) from None


def build(model: type[M], **fields: Any) -> M:
    """Construct a message from Python values, with the contract's error on bad input."""
    try:
        return model.model_validate(fields)
    except ValidationError as exc:
        raise _contract_error(exc) from None


def kind_of(model: type[BaseModel]) -> str:
    """The ``kind`` tag of a message model (``telemetry``, ``event``...)."""
    return str(model.model_fields["kind"].default)


def measurement_model(device: Device) -> type[DeviceTelemetry] | type[AstronautVitals]:
    """The model of ``device``'s samples: the suit's are the astronaut's vitals, the
    vehicles' are telemetry."""
    return AstronautVitals if device is Device.SUIT else DeviceTelemetry


def measurement(
    device: Device, *, astronaut: str | None = None, **fields: Any
) -> DeviceTelemetry | AstronautVitals:
    """One sample of ``device``'s sensor board as its message (see :func:`measurement_model`;
    the suit's need ``astronaut``). :class:`ContractError` on bad input, as :func:`build`."""
    if device is Device.SUIT:
        return build(AstronautVitals, device=device, astronaut=astronaut, **fields)
    return build(DeviceTelemetry, device=device, **fields)


def encode_message(message: BaseModel) -> bytes:
    """The wire form of a message: compact UTF-8 JSON."""
    return message.model_dump_json().encode()
