"""The serial frame format between a sensor board and its agent; pure functions over bytes.

Every frame, in either direction::

    offset  size  field
    0       2     start marker  A5 5A
    2       1     length L: bytes from ``board`` to the end of ``body`` (8 + 8 + 1 + 1 + body)
    3       1     board id      1 rocket, 2 booster, 3 satellite, 4 suit
    4       1     frame type    1 telemetry, 2 command, 3 ack, 4 event
    5       4     sequence      uint32 LE, per board and direction, wraps at 2**32
    9       8     device time   float64 LE, seconds since the Unix epoch on the mission clock
    17      L-14  body          by frame type, below
    3+L     2     CRC           CRC-16/CCITT-FALSE (poly 0x1021, init 0xFFFF) over bytes 2..2+L

The sequence is the board's frame number: every frame a board produces takes the next one,
whether anyone reads it or not (a full line drops bytes, an agent is stopped or dead), so a gap
in the numbers an agent reads is the count of frames lost before it could number them. An event
repeated for safety and an ack answered again keep their first number; a board counts from 0
again at power-on and after a reboot.
A command's sequence is its token.

Bodies (all little endian):

- telemetry: the flight phase code (uint8, as the board's flight computer sees it), a uint64
  presence mask (bit i = the i-th parameter of the device in dictionary order is present), then
  for each present parameter a float32 (int parameters: int32; bool: int32 0/1). A sensor
  dropout is a cleared bit, never a fake value.
- command: action code (uint8), token (uint32, the agent's handle for the correlation id),
  level (float32, throttle percent; 0 otherwise).
- ack: token (uint32), action code (uint8), accepted (uint8 0/1), reason length (uint8), reason
  (ASCII, at most 120 bytes).
- event: event code (uint8), detail length (uint8), detail (ASCII, at most 120 bytes).

Worked example: the rocket's frame number 7, at t = 1 800 000 000.5 s, in ascent, reporting
only ``altitude`` (parameter 0) = 1234.5 m and ``mach`` (parameter 7) = 0.5::

    A5 5A                     start
    1F                        length 31 = 1+1+4+8 + 1 + 8 + 2*4
    01                        board: rocket
    01                        type: telemetry
    07 00 00 00               sequence 7
    00 00 20 80 74 D2 DA 41   device time 1800000000.5 (float64)
    02                        phase: ascent
    81 00 00 00 00 00 00 00   presence: bits 0 and 7
    00 50 9A 44               1234.5 (float32)
    00 00 00 3F               0.5 (float32)
    B2 EE                     CRC-16/CCITT-FALSE of bytes 2..33 (0xEEB2)

(``tests/protocol/test_framing.py`` checks this example byte for byte.) Garbage between frames,
a wrong length or a bad CRC costs the bytes up to the next start marker: the parser counts them
and resynchronises; it never raises on bad input.
"""

from __future__ import annotations

import binascii
import struct
from collections.abc import Mapping
from dataclasses import dataclass, field
from enum import IntEnum
from types import MappingProxyType

from marsy.protocol.enums import CommandAction, Device, EventType, FlightPhase
from marsy.protocol.parameters import Parameter, Value, ValueType, parameters_of

START = b"\xa5\x5a"
_HEADER = struct.Struct("<BBBId")  # length, board, type, sequence, device time
_HEADER_FIXED = 1 + 1 + 4 + 8  # the part of ``length`` before the body
MAX_TEXT = 120
MAX_FRAME = 2 + 1 + 255 + 2


class FrameType(IntEnum):
    TELEMETRY = 1
    COMMAND = 2
    ACK = 3
    EVENT = 4


BOARD_IDS: Mapping[Device, int] = MappingProxyType(
    {Device.ROCKET: 1, Device.BOOSTER: 2, Device.SATELLITE: 3, Device.SUIT: 4}
)
_DEVICE_OF = {code: device for device, code in BOARD_IDS.items()}

# Codes on the wire are fixed here, not derived from enum order: a firmware must not change
# meaning because someone added an enum member in the middle.
ACTION_CODES: Mapping[CommandAction, int] = MappingProxyType(
    {
        CommandAction.STATUS: 1,
        CommandAction.IGNITE: 2,
        CommandAction.THROTTLE: 3,
        CommandAction.SEPARATE: 4,
        CommandAction.DETACH: 5,
        CommandAction.EJECT: 6,
        CommandAction.DESTRUCT: 7,
        CommandAction.INTERVIEW: 8,
    }
)
_ACTION_OF = {code: action for action, code in ACTION_CODES.items()}
EVENT_CODES: Mapping[EventType, int] = MappingProxyType(
    {
        EventType.MISSION_STARTED: 1,
        EventType.GO_NO_GO: 2,
        EventType.LIFTOFF: 3,
        EventType.MAX_Q: 4,
        EventType.THROTTLE_DOWN: 5,
        EventType.THROTTLE_UP: 6,
        EventType.MECO: 7,
        EventType.STAGE_SEPARATION: 8,
        EventType.BOOSTER_LANDED: 9,
        EventType.BOOSTER_LOST: 10,
        EventType.SECO: 11,
        EventType.ORBIT: 12,
        EventType.PAYLOAD_DETACHED: 13,
        EventType.INTERVIEW: 14,
        EventType.MISSION_COMPLETE: 15,
        EventType.ENGINE_FAILURE: 16,
        EventType.EXPLOSION_IMMINENT: 17,
        EventType.ABORT: 18,
        EventType.EJECTION: 19,
        EventType.DROGUE_DEPLOYED: 20,
        EventType.MAIN_DEPLOYED: 21,
        EventType.CAPSULE_LANDED: 22,
        EventType.SELF_DESTRUCT: 23,
        EventType.EXPLOSION: 24,
        EventType.BOOSTBACK_BURN: 25,
        EventType.ENTRY_BURN: 26,
        EventType.LANDING_BURN: 27,
    }
)
_EVENT_OF = {code: event for event, code in EVENT_CODES.items()}
PHASE_CODES: Mapping[FlightPhase, int] = MappingProxyType(
    {
        FlightPhase.PAD: 1,
        FlightPhase.ASCENT: 2,
        FlightPhase.MAX_Q: 3,
        FlightPhase.UPPER_STAGE: 4,
        FlightPhase.ORBIT: 5,
        FlightPhase.COAST: 6,
        FlightPhase.REENTRY: 7,
        FlightPhase.LANDING_BURN: 8,
        FlightPhase.ABORT: 9,
        FlightPhase.PARACHUTES: 10,
        FlightPhase.LANDED: 11,
        FlightPhase.DESTROYED: 12,
    }
)
_PHASE_OF = {code: phase for phase, code in PHASE_CODES.items()}


class FrameError(ValueError):
    """A frame cannot be built (a value the format cannot carry)."""


@dataclass(frozen=True)
class TelemetryFrame:
    device: Device
    seq: int
    time: float
    phase: FlightPhase
    values: Mapping[str, Value]


@dataclass(frozen=True)
class CommandFrame:
    device: Device
    seq: int
    time: float
    action: CommandAction
    token: int
    level: float = 0.0


@dataclass(frozen=True)
class AckFrame:
    device: Device
    seq: int
    time: float
    token: int
    action: CommandAction
    accepted: bool
    reason: str = ""


@dataclass(frozen=True)
class EventFrame:
    device: Device
    seq: int
    time: float
    event: EventType
    detail: str = ""


Frame = TelemetryFrame | CommandFrame | AckFrame | EventFrame


@dataclass
class ParseResult:
    """What one :func:`parse` call found: frames, bytes to keep, and what was thrown away.

    ``bad_frames`` counts frames refused (bad length, CRC or body) and runs of noise between
    frames (a frame whose start marker was hit cannot be told from noise).
    """

    frames: list[Frame] = field(default_factory=list)
    rest: bytes = b""
    dropped_bytes: int = 0
    bad_frames: int = 0


# --- encoding ---------------------------------------------------------------------------------


def _text(value: str) -> bytes:
    raw = value.encode("ascii", "replace")[:MAX_TEXT]
    return struct.pack("<B", len(raw)) + raw


def _telemetry_body(device: Device, phase: FlightPhase, values: Mapping[str, Value]) -> bytes:
    mask = 0
    packed = []
    for index, param in enumerate(parameters_of(device)):
        if param.name not in values:
            continue
        mask |= 1 << index
        value = values[param.name]
        packed.append(struct.pack("<f" if param.type is ValueType.FLOAT else "<i", value))
    unknown = set(values) - {p.name for p in parameters_of(device)}
    if unknown:
        raise FrameError(f"{device} has no parameter {sorted(unknown)[0]!r}")
    return struct.pack("<BQ", PHASE_CODES[phase], mask) + b"".join(packed)


def encode(frame: Frame) -> bytes:
    """The bytes of one frame, start marker to CRC."""
    if isinstance(frame, TelemetryFrame):
        kind, body = FrameType.TELEMETRY, _telemetry_body(frame.device, frame.phase, frame.values)
    elif isinstance(frame, CommandFrame):
        kind = FrameType.COMMAND
        body = struct.pack("<BIf", ACTION_CODES[frame.action], frame.token, frame.level)
    elif isinstance(frame, AckFrame):
        kind = FrameType.ACK
        body = struct.pack(
            "<IBB", frame.token, ACTION_CODES[frame.action], int(frame.accepted)
        ) + _text(frame.reason)
    else:
        kind = FrameType.EVENT
        body = struct.pack("<B", EVENT_CODES[frame.event]) + _text(frame.detail)
    length = _HEADER_FIXED + len(body)
    if length > 255:
        raise FrameError(f"frame body of {len(body)} bytes does not fit")
    inner = _HEADER.pack(length, BOARD_IDS[frame.device], kind, frame.seq % 2**32, frame.time)
    inner += body
    return START + inner + struct.pack("<H", binascii.crc_hqx(inner, 0xFFFF))


# --- decoding ---------------------------------------------------------------------------------


_VALUE = {ValueType.FLOAT: struct.Struct("<f"), ValueType.INT: struct.Struct("<i")}


def _decode_telemetry(device: Device, body: bytes) -> tuple[FlightPhase, Mapping[str, Value]]:
    phase_code, mask = struct.unpack_from("<BQ", body)
    params: tuple[Parameter, ...] = parameters_of(device)
    if mask >> len(params):
        raise ValueError("presence bit beyond the dictionary")
    values: dict[str, Value] = {}
    offset = 9
    for index, param in enumerate(params):
        if mask & (1 << index):
            (raw,) = _VALUE.get(param.type, _VALUE[ValueType.INT]).unpack_from(body, offset)
            offset += 4
            values[param.name] = bool(raw) if param.type is ValueType.BOOL else raw
    if offset != len(body):
        raise ValueError("telemetry body length does not match its presence mask")
    return _PHASE_OF[phase_code], MappingProxyType(values)


def _decode_text(body: bytes, offset: int) -> str:
    (size,) = struct.unpack_from("<B", body, offset)
    raw = body[offset + 1 : offset + 1 + size]
    if len(raw) != size or offset + 1 + size != len(body):
        raise ValueError("text length does not match the frame")
    return raw.decode("ascii", "replace")


def _decode(inner: bytes) -> Frame:
    _, board, kind, seq, time = _HEADER.unpack_from(inner)
    device = _DEVICE_OF[board]
    body = inner[_HEADER.size :]
    if kind == FrameType.TELEMETRY:
        phase, values = _decode_telemetry(device, body)
        return TelemetryFrame(device, seq, time, phase, values)
    if kind == FrameType.COMMAND:
        action, token, level = struct.unpack("<BIf", body)
        return CommandFrame(device, seq, time, _ACTION_OF[action], token, level)
    if kind == FrameType.ACK:
        token, action, accepted = struct.unpack_from("<IBB", body)
        reason = _decode_text(body, 6)
        return AckFrame(device, seq, time, token, _ACTION_OF[action], bool(accepted), reason)
    if kind == FrameType.EVENT:
        (event,) = struct.unpack_from("<B", body)
        return EventFrame(device, seq, time, _EVENT_OF[event], _decode_text(body, 1))
    raise ValueError(f"unknown frame type {kind}")


def parse(buffer: bytes) -> ParseResult:
    """Decode every complete frame in ``buffer``; keep an incomplete tail in ``rest``.

    Never raises on bad input: garbage and frames with a bad length, CRC or body are dropped,
    counted, and the scan resumes at the next start marker.
    """
    result = ParseResult()
    pos = 0
    end = len(buffer)
    while pos < end:
        start = buffer.find(START, pos)
        if start < 0:
            # keep a trailing A5: it may be the first half of the next marker
            keep = 1 if buffer.endswith(START[:1]) else 0
            if end - pos - keep > 0:
                result.dropped_bytes += end - pos - keep
                result.bad_frames += 1
            pos = end - keep
            break
        if start > pos:
            result.dropped_bytes += start - pos
            result.bad_frames += 1  # a run of noise: a frame whose start marker was hit, or junk
        if start + 3 > end:
            pos = start
            break
        length = buffer[start + 2]
        frame_end = start + 3 + length + 2
        if length < _HEADER_FIXED:
            result.bad_frames += 1
            result.dropped_bytes += 2
            pos = start + 2
            continue
        if frame_end > end:
            pos = start
            break
        inner = buffer[start + 2 : start + 3 + length]
        (crc,) = struct.unpack_from("<H", buffer, start + 3 + length)
        if binascii.crc_hqx(inner, 0xFFFF) != crc:
            result.bad_frames += 1
            result.dropped_bytes += 2
            pos = start + 2  # the length may be garbage: resync just past this marker
            continue
        try:
            result.frames.append(_decode(inner))
        except (KeyError, ValueError, struct.error):
            result.bad_frames += 1
            result.dropped_bytes += frame_end - start
        pos = frame_end
    result.rest = bytes(buffer[pos:])
    return result
