"""JSON text as influxd's Go encoder writes it."""

from __future__ import annotations

import copy

import pytest

from devservers.embedded.tsdb.gojson import (
    encode,
    encode_rows,
    go_float,
    go_string,
    rfc3339,
)


@pytest.mark.parametrize(
    ("value", "text"),
    [
        (1.0, "1"),
        (100.0, "100"),
        (2.5, "2.5"),
        (-0.0, "-0"),
        (0.1, "0.1"),
        (1e20, "100000000000000000000"),
        (1e21, "1e+21"),
        (0.000001, "0.000001"),
        (1e-7, "1e-7"),
        (1.5e-7, "1.5e-7"),
        (1.5e-5, "0.000015"),
        (123456789012345678.0, "123456789012345680"),
        (2.0**60, "1152921504606847000"),
        (-1.5e300, "-1.5e+300"),
    ],
)
def test_floats(value: float, text: str) -> None:
    assert go_float(value) == text


def test_strings_escape_html_and_line_separators() -> None:
    assert go_string('<&>\u2028 \x01\x08\x0c\t"\\é') == (
        '"\\u003c\\u0026\\u003e\\u2028 \\u0001\\u0008\\u000c\\t\\"\\\\é"'
    )
    assert go_string("plain") == '"plain"'


def test_times_drop_trailing_zeros() -> None:
    assert rfc3339(1800000000100000000) == "2027-01-15T08:00:00.1Z"
    assert rfc3339(0) == "1970-01-01T00:00:00Z"
    assert rfc3339(-1) == "1969-12-31T23:59:59.999999999Z"
    assert rfc3339(-(2**63) + 2) == "1677-09-21T00:12:43.145224194Z"


def test_rows_at_c_speed_read_as_the_slow_encoder_writes() -> None:
    rows: list[list[object]] = [
        [1, 1.0, 2.5, -0.0, 1e21, 1e-7, 1.5e-5, "<a>", "x\bq", None, True, 2.0**60, "é", 1e16]
    ]
    assert encode_rows(copy.deepcopy(rows)) == encode(rows)
