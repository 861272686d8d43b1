"""Every contract model round-trips, and junk of every kind raises the one ContractError."""

from __future__ import annotations

import contextlib
import json
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from pydantic import BaseModel

from marsy.protocol import (
    MESSAGE_TYPES,
    AstronautVitals,
    ContractError,
    Device,
    DeviceTelemetry,
    FlightPhase,
    decode_as,
    decode_message,
    encode_message,
    measurement,
)
from tests.protocol.strategies import BY_TYPE, messages

FAST = settings(max_examples=60, suppress_health_check=[HealthCheck.too_slow])


@pytest.mark.parametrize("model", MESSAGE_TYPES, ids=lambda m: m.__name__)
@FAST
@given(data=st.data())
def test_round_trip_through_the_wire(model: type[BaseModel], data: st.DataObject) -> None:
    message = data.draw(BY_TYPE[model])
    wire = encode_message(message)
    assert decode_message(wire) == message
    assert decode_as(model, wire) == message
    assert type(decode_message(wire)) is model


def _valid_telemetry() -> dict[str, Any]:
    return {
        "kind": "telemetry",
        "schema_version": 1,
        "mission_id": "m-1",
        "source": "rocket",
        "seq": 7,
        "ts": 1_800_000_000.5,
        "device": "rocket",
        "phase": "ascent",
        "values": {"altitude": 1200.5, "engines_running": 9},
    }


def _with(**changes: Any) -> bytes:
    doc = _valid_telemetry()
    for key, value in changes.items():
        if value is _DELETE:
            del doc[key]
        else:
            doc[key] = value
    return json.dumps(doc).encode()


_DELETE = object()


def test_the_valid_baseline_decodes() -> None:
    message = decode_message(_with())
    assert isinstance(message, DeviceTelemetry)
    assert message.values == {"altitude": 1200.5, "engines_running": 9}


@pytest.mark.parametrize(
    ("raw", "field"),
    [
        (b"\x00\xff\xfe garbage", "<payload>"),
        (b"", "<payload>"),
        (b"[1, 2, 3]", "<payload>"),
        (b'{"kind": "telemetry"', "<payload>"),
        (_with(kind="nonsense"), "kind"),
        (_with(kind=_DELETE), "kind"),
        (_with(schema_version=2), "schema_version"),
        (_with(seq="seven"), "seq"),
        (_with(seq=-1), "seq"),
        (_with(ts=None), "ts"),
        (_with(mission_id=_DELETE), "mission_id"),
        (_with(mission_id="has space"), "mission_id"),
        (_with(source="x" * 5000), "source"),
        (_with(device="suit"), "device"),
        (_with(phase="warp"), "phase"),
        (_with(values={}), "values"),
        (_with(values={"altitude": "high"}), "values.altitude"),
        (_with(values={"altitude": True}), "values.altitude"),
        (_with(values={"altitude": 1e12}), "values.altitude"),
        (_with(values={"engines_running": 8.5}), "values.engines_running"),
        (_with(values={"heart_rate": 80}), "values.heart_rate"),
        (_with(extra_field=1), "extra_field"),
        (_with(values={"altitude": "NaN"}), "values.altitude"),
        (_with(ts=float("nan")), "ts"),
        (_with(values={"altitude": float("inf")}), "values.altitude"),
        (_with(padding="y" * 70_000), "<payload>"),
    ],
)
def test_junk_raises_contract_error_naming_the_field(raw: bytes, field: str) -> None:
    with pytest.raises(ContractError) as caught:
        decode_message(raw)
    assert caught.value.field == field


def test_rejection_without_reason_is_refused() -> None:
    ack = {
        "kind": "ack",
        "mission_id": "m",
        "source": "rocket",
        "seq": 1,
        "ts": 1.0,
        "command_id": "cmd-0001",
        "device": "rocket",
        "action": "detach",
        "accepted": False,
    }
    with pytest.raises(ContractError) as caught:
        decode_message(json.dumps(ack))
    assert caught.value.field == "reason"


@settings(max_examples=300)
@given(st.binary(max_size=512))
def test_arbitrary_bytes_never_raise_anything_else(raw: bytes) -> None:
    with contextlib.suppress(ContractError):
        decode_message(raw)


json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(max_size=50),
    lambda inner: (
        st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=10), inner, max_size=4)
    ),
    max_leaves=10,
)


@settings(max_examples=300, suppress_health_check=[HealthCheck.too_slow])
@given(message=messages, key=st.text(max_size=20), value=json_values, data=st.data())
def test_mutated_messages_decode_or_raise_contract_error(
    message: BaseModel, key: str, value: Any, data: st.DataObject
) -> None:
    doc = json.loads(encode_message(message))
    target = data.draw(st.sampled_from([*doc.keys(), key]))
    doc[target] = value
    try:
        decoded = decode_message(json.dumps(doc))
    except ContractError as exc:
        assert exc.field
    else:
        assert type(decoded) in MESSAGE_TYPES


def test_a_board_sample_is_vitals_for_the_suit_and_telemetry_for_a_vehicle() -> None:
    common = {"mission_id": "M1", "seq": 3, "ts": 10.0, "phase": FlightPhase.ASCENT}
    vitals = measurement(
        Device.SUIT, astronaut="Thomas", source="suit", values={"heart_rate": 90}, **common
    )
    assert isinstance(vitals, AstronautVitals) and vitals.astronaut == "Thomas"
    rocket = measurement(
        Device.ROCKET, astronaut="Thomas", source="rocket", values={"altitude": 1.0}, **common
    )
    assert isinstance(rocket, DeviceTelemetry) and rocket.device is Device.ROCKET
    with pytest.raises(ContractError) as refused:
        measurement(Device.SUIT, source="suit", values={"heart_rate": 90}, **common)
    assert refused.value.field == "astronaut"
