"""Line protocol read as influxd 1.6 reads it: values, escapes, and its exact error texts."""

from __future__ import annotations

import pytest

from devservers.embedded.tsdb.lineprotocol import parse
from devservers.embedded.tsdb.points import (
    MAX_TIME,
    MIN_TIME,
    TIME_RANGE_ERROR,
    Parsed,
    Point,
    default_time,
)
from marsy.protocol import Alert, AlertRule, Device, DeviceTelemetry, FlightPhase, Severity
from marsy.store.schema import alert_line, point_line


def one(line: bytes, precision: str = "n", now: int = 0) -> Point:
    parsed = parse(line, precision, now)
    assert parsed.errors == []
    assert len(parsed.points) == 1
    return parsed.points[0]


def error(line: bytes) -> str:
    parsed = parse(line)
    assert parsed.points == []
    assert len(parsed.errors) == 1
    return parsed.errors[0]


def test_a_marsy_telemetry_line() -> None:
    point = one(
        b'rocket,mission=m1,source=rocket altitude=1.0,seq=2i,phase="ascent",ok=true '
        b"1800000000000000000"
    )
    assert point.measurement == "rocket"
    assert point.tags == (("mission", "m1"), ("source", "rocket"))
    assert point.key == "rocket,mission=m1,source=rocket"
    assert point.fields == (("altitude", 1.0), ("seq", 2), ("phase", "ascent"), ("ok", True))
    assert point.time == 1800000000000000000


def test_field_types_keep_python_types_apart() -> None:
    fields = dict(one(b'm f=1,i=1i,s="1",b=t 5').fields)
    assert [type(fields[k]) for k in "fisb"] == [float, int, str, bool]


@pytest.mark.parametrize(
    ("text", "value"),
    [
        ("-.5", -0.5),
        (".5", 0.5),
        ("5.", 5.0),
        ("1E5", 100000.0),
        ("1e-5", 1e-05),
        ("00.5", 0.5),
        ("-9223372036854775808i", -(2**63)),
        ("t", True),
        ("T", True),
        ("true", True),
        ("True", True),
        ("TRUE", True),
        ("f", False),
        ("F", False),
        ("false", False),
        ("False", False),
        ("FALSE", False),
    ],
)
def test_numbers_and_booleans(text: str, value: object) -> None:
    (field,) = one(f"m v={text} 1".encode()).fields
    assert field == ("v", value)
    assert type(field[1]) is type(value)


def test_unsorted_tags_are_sorted_into_the_series_key() -> None:
    point = one(b"m,z=1,a=2 v=1 1")
    assert point.tags == (("a", "2"), ("z", "1"))
    assert point.key == "m,a=2,z=1"


def test_escapes_of_names_tags_and_strings() -> None:
    point = one(b'e\\ s,t\\,k=v\\=1\\ x f\\=x="a\\"b\\\\c\\d",g=1 5')
    assert point.measurement == "e s"
    assert point.tags == (("t,k", "v=1 x"),)
    assert point.key == "e\\ s,t\\,k=v\\=1\\ x"
    assert point.fields == (("f=x", 'a"b\\c\\d'), ("g", 1.0))


def test_quotes_are_plain_characters_in_names() -> None:
    point = one(b'"q",t="v" "f"="s" 5')
    assert (point.measurement, point.tags, point.fields) == (
        '"q"',
        (("t", '"v"'),),
        (('"f"', "s"),),
    )


def test_a_newline_ends_a_line_even_in_a_string() -> None:
    """MarsY flattens newlines in the strings it writes; influxd's reading of a quoted newline
    is not served."""
    parsed = parse(b'ml s="multi\nline",n=1 9\nml s="second" 10')
    assert [p.fields for p in parsed.points] == [(("s", "second"),)]
    assert parsed.errors == [
        "unable to parse 'ml s=\"multi': unbalanced quotes",
        "unable to parse 'line\",n=1 9': invalid field format",
    ]


def test_repeated_field_keys_are_all_kept_in_order() -> None:
    assert one(b"m a=1,a=2 3").fields == (("a", 1.0), ("a", 2.0))


def test_blank_lines_comments_and_extra_spacing() -> None:
    parsed = parse(b"\n\n# a comment\n   \nsp  a=1  11\n\tsp a=2 13\nsp a=3 14 ")
    assert parsed.errors == []
    assert [(p.fields, p.time) for p in parsed.points] == [
        ((("a", 1.0),), 11),
        ((("a", 2.0),), 13),
        ((("a", 3.0),), 14),
    ]


def test_a_missing_timestamp_is_now_truncated_to_the_precision() -> None:
    now = 1_800_000_000_123_456_789
    assert one(b"m a=1", "n", now).time == now
    assert one(b"m a=1", "ms", now).time == 1_800_000_000_123_000_000
    assert default_time(now, "s") == 1_800_000_000_000_000_000


@pytest.mark.parametrize(
    ("precision", "stamp", "ns"),
    [
        ("s", "1800000000", 1800000000000000000),
        ("ms", "1800000000001", 1800000000001000000),
        ("u", "1800000000000002", 1800000000000002000),
        ("ns", "5", 5),
        ("x", "1800000000", 1800000000),
    ],
)
def test_precisions(precision: str, stamp: str, ns: int) -> None:
    assert one(f"m a=1 {stamp}".encode(), precision).time == ns


def test_the_time_range_ends() -> None:
    assert one(f"m a=1 {MIN_TIME}".encode()).time == MIN_TIME
    assert one(f"m a=1 {MAX_TIME}".encode()).time == MAX_TIME
    assert error(f"m a=1 {MAX_TIME + 1}".encode()).endswith(TIME_RANGE_ERROR)


@pytest.mark.parametrize(
    ("line", "reason"),
    [
        ("bad line", "invalid field format"),
        ("m 1", "invalid field format"),
        ("m", "missing fields"),
        (",t=1 a=1", "missing measurement"),
        ("m,t= a=1 1", "missing tag value"),
        ("m,=v a=1 1", "missing tag key"),
        ("m,t=a,t=b a=1 1", "duplicate tags"),
        ("m,t=a=b a=1 1", "invalid tag format"),
        ("m a= 1", "missing field value"),
        ("m =1 1", "missing field key"),
        ("m a=1 1 extra", "point is invalid"),
        ("m a=1 1x", "bad timestamp"),
        ("m a=1i.0 1", "invalid number"),
        ("m a=NaN 1", "invalid number"),
        ("m a=1u 1", "invalid number"),
        ("m a=9i10 1", "invalid number"),
        ("m a=tru 1", "invalid boolean"),
        ("m a=1e400 1", "invalid float"),
        ("m a=1e 1", "invalid float"),
        ('m a="unterminated 1', "unbalanced quotes"),
        (
            "m a=99999999999999999999i 1",
            "unable to parse integer 99999999999999999999: "
            'strconv.ParseInt: parsing "99999999999999999999": value out of range',
        ),
        (
            "m a=1 99999999999999999999",
            'strconv.ParseInt: parsing "99999999999999999999": value out of range',
        ),
        ("m a=1 -", 'strconv.ParseInt: parsing "-": invalid syntax'),
        ("m a=1 9223372036854775807", TIME_RANGE_ERROR),
    ],
)
def test_influxd_error_texts(line: str, reason: str) -> None:
    assert error(line.encode()) == f"unable to parse '{line}': {reason}"


def test_good_lines_around_bad_ones_are_kept() -> None:
    parsed = parse(b"m a=1 1\nbad line\nworse\nm b=2 2")
    assert [p.time for p in parsed.points] == [1, 2]
    assert parsed.errors == [
        "unable to parse 'bad line': invalid field format",
        "unable to parse 'worse': missing fields",
    ]


def test_a_carriage_return_is_not_a_line_end() -> None:
    assert parse(b"sp a=1\r\nsp a=2 15") == Parsed(
        [Point("sp", (), "sp", (("a", 2.0),), 15)],
        ["unable to parse 'sp a=1\r': invalid number"],
    )


def test_the_lines_marsy_writes() -> None:
    telemetry = DeviceTelemetry(
        mission_id="M-1",
        source="rocket",
        seq=7,
        ts=1_800_000_000.5,
        device=Device.ROCKET,
        phase=FlightPhase.ASCENT,
        values={"altitude": 1e-05, "engines_running": 9},
    )
    alert = Alert(
        mission_id="M-1",
        source="calculator",
        seq=3,
        ts=1_800_000_001.0,
        device=Device.ROCKET,
        rule=AlertRule.LIMIT,
        severity=Severity.RED,
        cleared=False,
        parameter="dynamic_pressure",
        value=41_000.0,
        limit=40_000.0,
        message='q "high", \\ a, b=c\nnext',
    )
    parsed = parse(f"{point_line(telemetry)}\n{alert_line(alert)}".encode())
    assert parsed.errors == []
    rocket, red = parsed.points
    assert rocket.key == "rocket,mission=M-1,source=rocket"
    assert dict(rocket.fields) == {
        "altitude": 1e-05,
        "engines_running": 9,
        "seq": 7,
        "phase": "ascent",
    }
    assert rocket.time == 1_800_000_000_500_000_000
    assert dict(red.tags)["parameter"] == "dynamic_pressure"
    assert dict(red.fields)["message"] == 'q "high", \\ a, b=c next'
    assert dict(red.fields)["level"] == 2
