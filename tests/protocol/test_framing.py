"""The serial frame codec: the documented bytes, round trips, and survival in line noise."""

from __future__ import annotations

import random
import struct

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from marsy.protocol import (
    CommandAction,
    Device,
    EventType,
    FlightPhase,
    ValueType,
    parameters_of,
)
from marsy.protocol.framing import (
    ACTION_CODES,
    EVENT_CODES,
    PHASE_CODES,
    AckFrame,
    CommandFrame,
    EventFrame,
    Frame,
    FrameError,
    TelemetryFrame,
    encode,
    parse,
)

WORKED_EXAMPLE = bytes.fromhex(
    "a55a 1f 01 01 07000000 0000208074d2da41 02 8100000000000000 00509a44 0000003f b2ee".replace(
        " ", ""
    )
)


def test_the_documented_example_byte_for_byte() -> None:
    frame = TelemetryFrame(
        Device.ROCKET, 7, 1_800_000_000.5, FlightPhase.ASCENT, {"altitude": 1234.5, "mach": 0.5}
    )
    assert encode(frame) == WORKED_EXAMPLE
    assert parse(WORKED_EXAMPLE).frames == [frame]


def test_every_enum_member_has_a_wire_code() -> None:
    assert set(ACTION_CODES) == set(CommandAction)
    assert set(EVENT_CODES) == set(EventType)
    assert set(PHASE_CODES) == set(FlightPhase)
    for table in (ACTION_CODES, EVENT_CODES, PHASE_CODES):
        assert len(set(table.values())) == len(table)


def _f32(value: float) -> float:
    return float(struct.unpack("<f", struct.pack("<f", value))[0])


@st.composite
def telemetry_frames(draw: st.DrawFn) -> TelemetryFrame:
    device = draw(st.sampled_from(Device))
    params = parameters_of(device)
    chosen = draw(st.lists(st.sampled_from(params), unique=True))
    values = {}
    for p in chosen:
        if p.type is ValueType.INT:
            values[p.name] = draw(st.integers(int(p.valid_min), int(p.valid_max)))
        else:
            values[p.name] = _f32(draw(st.floats(p.valid_min, p.valid_max, allow_nan=False)))
    return TelemetryFrame(
        device,
        draw(st.integers(0, 2**32 - 1)),
        draw(st.floats(0, 1e10)),
        draw(st.sampled_from(FlightPhase)),
        values,
    )


ascii_text = st.text(alphabet=st.characters(min_codepoint=32, max_codepoint=126), max_size=120)
frames = st.one_of(
    telemetry_frames(),
    st.builds(
        CommandFrame,
        device=st.sampled_from(Device),
        seq=st.integers(0, 2**32 - 1),
        time=st.floats(0, 1e10),
        action=st.sampled_from(CommandAction),
        token=st.integers(0, 2**32 - 1),
        level=st.sampled_from([0.0, 80.0, 57.5]),
    ),
    st.builds(
        AckFrame,
        device=st.sampled_from(Device),
        seq=st.integers(0, 2**32 - 1),
        time=st.floats(0, 1e10),
        token=st.integers(0, 2**32 - 1),
        action=st.sampled_from(CommandAction),
        accepted=st.booleans(),
        reason=ascii_text,
    ),
    st.builds(
        EventFrame,
        device=st.sampled_from(Device),
        seq=st.integers(0, 2**32 - 1),
        time=st.floats(0, 1e10),
        event=st.sampled_from(EventType),
        detail=ascii_text,
    ),
)


@settings(max_examples=300)
@given(frames)
def test_every_frame_round_trips(frame: Frame) -> None:
    result = parse(encode(frame))
    assert result.frames == [frame]
    assert (result.rest, result.dropped_bytes, result.bad_frames) == (b"", 0, 0)


@settings(max_examples=100)
@given(st.lists(frames, min_size=1, max_size=20), st.data())
def test_a_stream_split_anywhere_decodes_the_same(
    frame_list: list[Frame], data: st.DataObject
) -> None:
    stream = b"".join(encode(f) for f in frame_list)
    cuts = sorted(data.draw(st.lists(st.integers(0, len(stream)), max_size=10)))
    decoded: list[Frame] = []
    rest = b""
    for a, b in zip([0, *cuts], [*cuts, len(stream)], strict=True):
        result = parse(rest + stream[a:b])
        decoded += result.frames
        rest = result.rest
        assert result.bad_frames == 0
    assert decoded == frame_list


@settings(max_examples=300)
@given(st.binary(max_size=600))
def test_garbage_never_raises(noise: bytes) -> None:
    result = parse(noise)
    assert result.dropped_bytes + len(result.rest) <= len(noise) + 2
    assert len(result.rest) < 261


def test_five_percent_corruption_every_bad_frame_rejected_every_good_one_decoded() -> None:
    rng = random.Random(5)
    sent: list[Frame] = []
    wire = bytearray()
    clean: list[bool] = []
    for seq in range(5000):
        device = Device.ROCKET if seq % 2 else Device.SUIT
        values = {
            p.name: _f32(rng.uniform(p.valid_min, min(p.valid_max, 1e6)))
            for p in parameters_of(device)
            if p.type is ValueType.FLOAT
        }
        raw = bytearray(
            encode(TelemetryFrame(device, seq, 1.8e9 + seq / 10, FlightPhase.ASCENT, values))
        )
        hit = False
        for i in range(len(raw)):
            if rng.random() < 0.05:  # 5 % of the bytes on the line are garbage
                raw[i] ^= rng.randrange(1, 256)
                hit = True
        sent.append(TelemetryFrame(device, seq, 1.8e9 + seq / 10, FlightPhase.ASCENT, values))
        clean.append(not hit)
        wire += raw
    decoded: list[Frame] = []
    rest = b""
    bad = 0
    for start in range(0, len(wire), 97):  # arrives in odd-sized chunks, as from a UART
        result = parse(rest + bytes(wire[start : start + 97]))
        decoded += result.frames
        bad += result.bad_frames
        rest = result.rest
    good_sent = [f for f, ok in zip(sent, clean, strict=True) if ok]
    assert decoded == good_sent, "every intact frame decodes, and nothing else does"
    assert bad >= len(sent) - len(good_sent) > 0
    print(f"\n{len(sent) - len(good_sent)} of {len(sent)} frames corrupted; {bad} rejections")


def test_values_the_format_cannot_carry_are_refused() -> None:
    with pytest.raises(FrameError, match="no parameter"):
        encode(TelemetryFrame(Device.BOOSTER, 1, 1.0, FlightPhase.COAST, {"heart_rate": 60.0}))
