"""The exact reading of a line: a port of influxd 1.6's scanner (``models/points.go``).

Slower than the regular expression of :mod:`lineprotocol`, it takes any line and refuses what
influxd refuses with influxd's reason, down to which lines a quoted newline or an escaped one
joins.
"""

from __future__ import annotations

import math
import re

from devservers.embedded.tsdb.points import (
    BOOLEANS,
    MAX_KEY_LENGTH,
    FieldValue,
    LineError,
    Point,
    series_key,
    timestamp,
)

_TAG_KEY, _TAG_VALUE, _FIELDS = range(3)


def _skip_whitespace(buf: str, i: int) -> int:
    while i < len(buf) and buf[i] in " \t\0":
        i += 1
    return i


def scan_line(buf: str, i: int) -> tuple[int, str]:
    """Where the line starting at ``i`` ends: a newline outside a field's quoted string."""
    start = i
    quoted = fields = False
    equals = commas = 0
    size = len(buf)
    while i < size:
        char = buf[i]
        if char == "\\":
            i += 2
            continue
        if char == " ":
            fields = True
        if fields:
            if not quoted and char == "=":
                i += 1
                equals += 1
                continue
            if not quoted and char == ",":
                i += 1
                commas += 1
                continue
            if char == '"' and equals > commas:
                i += 1
                quoted = not quoted
                continue
        if char == "\n" and not quoted:
            break
        i += 1
    return i, buf[start:i]


def parse_block(
    block: str, default: int, precision: str, points: list[Point], errors: list[str]
) -> None:
    if not block:
        return
    start = _skip_whitespace(block, 0)
    if start >= len(block) or block[start] == "#":
        return
    if block[-1] == "\n":
        block = block[:-1]
    line = block[start:]
    try:
        points.append(_parse_point(line, default, precision))
    except LineError as exc:
        errors.append(f"unable to parse '{line}': {exc}")


def _parse_point(buf: str, default: int, precision: str) -> Point:
    pos, measurement_raw, tag_raws = _scan_key(buf)
    key_raw = measurement_raw + "".join("," + t for t in tag_raws)
    key_size = len(key_raw.encode())
    if key_size > MAX_KEY_LENGTH:
        raise LineError(f"max key length exceeded: {key_size} > {MAX_KEY_LENGTH}")
    pos, field_text = _scan_fields(buf, pos)
    if not field_text:
        raise LineError("missing fields")
    raw_fields = list(_walk_fields(field_text))
    for name, _ in raw_fields:
        size = key_size + 4 + len(name.encode())
        if size > MAX_KEY_LENGTH:
            raise LineError(f"max key length exceeded: {size} > {MAX_KEY_LENGTH}")
    pos, stamp = _scan_time(buf, pos)
    if not stamp:
        time = default
    else:
        try:
            time = timestamp(_parse_int(stamp), precision)
        except ValueError as exc:
            raise LineError(str(exc)) from None
        if buf[pos:].strip(" "):
            raise LineError("point is invalid")
    measurement = _unescape(measurement_raw)
    tags = tuple(_split_tag(t) for t in tag_raws)
    fields = tuple((_unescape(name), _field_value(raw)) for name, raw in raw_fields)
    return Point(measurement, tags, series_key(measurement, tags), fields, time)


def _scan_key(buf: str) -> tuple[int, str, list[str]]:
    """The measurement and the tags (escaped, sorted by key) and where the fields start."""
    i = _skip_whitespace(buf, 0)
    start = i
    state, i = _scan_measurement(buf, i)
    if state == _FIELDS:
        return i, buf[start:i], []
    measurement_end = i - 1
    starts: list[int] = []
    while state != _FIELDS:
        if state == _TAG_KEY:
            starts.append(i)
            i = _scan_tag_key(buf, i)
            state = _TAG_VALUE
        else:
            state, i = _scan_tag_value(buf, i)
    bounds = [*starts[1:], i + 1]
    raws = [buf[s : e - 1] for s, e in zip(starts, bounds, strict=True)]
    keys = [_scan_to(raw, 0, "=") for raw in raws]
    if len(set(keys)) != len(keys):
        raise LineError("duplicate tags")
    order = sorted(range(len(raws)), key=lambda n: keys[n])  # stable, as influxd's insertion sort
    return i, buf[start:measurement_end], [raws[n] for n in order]


def _scan_measurement(buf: str, i: int) -> tuple[int, int]:
    if i >= len(buf) or buf[i] == ",":
        raise LineError("missing measurement")
    while True:
        i += 1
        if i >= len(buf):
            raise LineError("missing fields")
        if buf[i - 1] == "\\":
            continue
        if buf[i] == ",":
            return _TAG_KEY, i + 1
        if buf[i] == " ":
            return _FIELDS, i


def _scan_tag_key(buf: str, i: int) -> int:
    if i >= len(buf) or buf[i] in " ,=":
        raise LineError("missing tag key")
    while True:
        i += 1
        if i >= len(buf) or (buf[i] in " ," and buf[i - 1] != "\\"):
            raise LineError("missing tag value")
        if buf[i] == "=" and buf[i - 1] != "\\":
            return i + 1


def _scan_tag_value(buf: str, i: int) -> tuple[int, int]:
    if i >= len(buf) or buf[i] in ", ":
        raise LineError("missing tag value")
    while True:
        i += 1
        if i >= len(buf):
            raise LineError("missing fields")
        escaped = buf[i - 1] == "\\"
        if buf[i] == "=" and not escaped:
            raise LineError("invalid tag format")
        if buf[i] == "," and not escaped:
            return _TAG_KEY, i + 1
        if buf[i] == " " and not escaped:
            return _FIELDS, i


def _scan_fields(buf: str, i: int) -> tuple[int, str]:
    start = _skip_whitespace(buf, i)
    i = start
    quoted = False
    equals = commas = 0
    size = len(buf)
    while i < size:
        char = buf[i]
        if char == "\\" and i + 1 < size:
            i += 2
            continue
        if char == '"' and equals > commas:
            quoted = not quoted
            i += 1
            continue
        if char == "=" and not quoted:
            equals += 1
            if buf[i - 1] in " ," and buf[i - 2] != "\\":
                raise LineError("missing field key")
            if i + 1 >= size or buf[i + 1] in ", ":
                raise LineError("missing field value")
            following = buf[i + 1]
            if following in "0123456789.-Nn":
                i = _scan_number(buf, i + 1)
                continue
            if following != '"':
                i = _scan_boolean(buf, i + 1)
                continue
        if char == "," and not quoted:
            commas += 1
        if char == " " and not quoted:
            break
        i += 1
    if quoted:
        raise LineError("unbalanced quotes")
    if equals == 0 or commas != equals - 1:
        raise LineError("invalid field format")
    return i, buf[start:i]


def _scan_number(buf: str, i: int) -> int:
    start = i
    size = len(buf)
    is_int = is_unsigned = decimal = scientific = False
    if i < size and buf[i] == "-":
        i += 1
        if i == size:
            raise LineError("invalid number")
    while i < size:
        char = buf[i]
        if char in ", ":
            break
        if char == "i" and i > start and not (is_int or is_unsigned):
            is_int = True
            i += 1
            continue
        if char == "u" and i > start and not (is_int or is_unsigned):
            is_unsigned = True
            i += 1
            continue
        if char == ".":
            if decimal:
                raise LineError("invalid number")
            decimal = True
        if i > start and char in "eE":
            scientific = True
            i += 1
            continue
        if char in "+-" and buf[i - 1] in "eE":
            i += 1
            continue
        if i + 2 < size and char in "Nn":
            raise LineError("invalid number")
        if not ("0" <= char <= "9" or char == "."):
            raise LineError("invalid number")
        i += 1
    _check_number(buf[start:i], is_int, is_unsigned, decimal, scientific)
    return i


def _check_number(
    text: str, is_int: bool, is_unsigned: bool, decimal: bool, scientific: bool
) -> None:
    """What influxd checks once a number is scanned: its form, and its range when it may not
    fit."""
    if (is_int or is_unsigned) and (decimal or scientific):
        raise LineError("invalid number")
    digits = len(text) - is_int - decimal - (text[0] == "-")
    if digits == 0:
        raise LineError("invalid number")
    if is_int:
        if text[-1] != "i":
            raise LineError("invalid number")
        number = text[:-1]
        if len(number) >= 19:
            try:
                _parse_int(number)
            except ValueError as exc:
                raise LineError(f"unable to parse integer {number}: {exc}") from None
    elif is_unsigned:
        raise LineError("invalid number")  # influxd 1.6 leaves unsigned integers switched off
    elif scientific or len(text) >= 25:
        try:
            value = float(text)
        except ValueError:
            raise LineError("invalid float") from None
        if math.isinf(value):
            raise LineError("invalid float")


def _scan_boolean(buf: str, i: int) -> int:
    start = i
    if i < len(buf) and buf[i] not in "tfTF":
        raise LineError("invalid boolean")
    i += 1
    while i < len(buf) and buf[i] not in ", ":
        i += 1
    if i - start > 1 and buf[start:i] not in BOOLEANS:
        raise LineError("invalid boolean")
    return i


def _scan_time(buf: str, i: int) -> tuple[int, str]:
    start = _skip_whitespace(buf, i)
    i = start
    while i < len(buf):
        char = buf[i]
        if char in "\n ":
            break
        if i == start and char == "-":
            i += 1
            continue
        if not "0" <= char <= "9":
            raise LineError("bad timestamp")
        i += 1
    return i, buf[start:i]


def _parse_int(text: str) -> int:
    """Go's ``strconv.ParseInt(text, 10, 64)``, with its error texts."""
    try:
        number = int(text)
    except ValueError:
        raise ValueError(f'strconv.ParseInt: parsing "{text}": invalid syntax') from None
    if not -(2**63) <= number < 2**63:
        raise ValueError(f'strconv.ParseInt: parsing "{text}": value out of range')
    return number


def _scan_to(buf: str, i: int, stop: str) -> str:
    start = i
    while i < len(buf) and not (buf[i] == stop and (i == start or buf[i - 1] != "\\")):
        i += 1
    return buf[start:i]


def _scan_field_value(buf: str, i: int) -> int:
    quoted = False
    size = len(buf)
    while i < size:
        char = buf[i]
        if char == "\\" and i + 1 < size and buf[i + 1] in '"\\':
            i += 2
            continue
        if char == '"':
            quoted = not quoted
        elif char == "," and not quoted:
            break
        i += 1
    return i


def _walk_fields(text: str) -> list[tuple[str, str]]:
    """(escaped key, raw value) of each field, in order."""
    found: list[tuple[str, str]] = []
    i = 0
    while i < len(text):
        name = _scan_to(text, i, "=")
        start = i + len(name) + 1
        end = _scan_field_value(text, start)
        found.append((name, text[start:end]))
        i = end + 1
    return found


_UNESCAPE = re.compile(r'\\([, ="])')
_UNESCAPE_TAG = re.compile(r"\\([, =])")
_UNESCAPE_STRING = re.compile(r'\\([\\"])')


def _unescape(text: str) -> str:
    return _UNESCAPE.sub(r"\1", text) if "\\" in text else text


def _split_tag(raw: str) -> tuple[str, str]:
    key = _scan_to(raw, 0, "=")
    value = raw[len(key) + 1 :]
    if "\\" not in raw:
        return key, value
    return _UNESCAPE_TAG.sub(r"\1", key), _UNESCAPE_TAG.sub(r"\1", value)


def _field_value(raw: str) -> FieldValue:
    first = raw[0]
    if first == '"':
        inner = raw[1:-1]
        return _UNESCAPE_STRING.sub(r"\1", inner) if "\\" in inner else inner
    if first in "0123456789-.nNiIu":
        return int(raw[:-1]) if raw[-1] == "i" else float(raw)
    return BOOLEANS[raw]
