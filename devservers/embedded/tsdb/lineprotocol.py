"""Line protocol: the points of a write body, with influxd's per-line errors.

A pure function over the body. A line is ``measurement[,tag=value...] field=value[,...]
[timestamp]``; a backslash escapes a comma, space or equals sign in names (and a quote or a
backslash in a string field), as MarsY's writers and influxd have it. A line influxd refuses is
refused with its reason (``unable to parse '...': missing fields``). A newline always ends a
line here, even inside a quoted string: MarsY flattens newlines in the strings it writes, and
influxd's rarer readings of them (a quoted or escaped newline joining two lines) are not served.
"""

from __future__ import annotations

import math
import re

from devservers.embedded.tsdb.points import (
    FieldValue,
    LineError,
    Parsed,
    Point,
    default_time,
    series_key,
    timestamp,
)

_BLANK = " \t\0"
_UNESCAPED = {sep: re.compile(rf"(?<!\\){sep}") for sep in ", ="}
"""A separator not escaped: influxd looks one character back."""
_FIELD = re.compile(
    r"([^\\,= ]*(?:\\(?:.|$)[^\\,= ]*)*)"  # the key: quotes are plain characters there
    r'(?:=([^\\", ]*(?:(?:"[^"\\]*(?:\\.[^"\\]*)*"|\\(?:.|$))[^\\", ]*)*))?'  # quotes quote
)
_PLAIN_FIELD = re.compile(r'([^\s,\\"=]+)=("[^"\\]*"|[^\s,\\"=]+)')
_PLAIN_FIELDS = re.compile(rf"{_PLAIN_FIELD.pattern}(?:,{_PLAIN_FIELD.pattern})*")
"""Fields without escapes: most lines, read by one expression."""
_UNESCAPE_NAME = re.compile(r'\\([, ="])')
_UNESCAPE_TAG = re.compile(r"\\([, =])")
_UNESCAPE_STRING = re.compile(r'\\([\\"])')
_INTEGER = re.compile(r"-?[0-9]+i")
_FLOAT = re.compile(r"-?(?:[0-9]+\.?[0-9]*|\.[0-9]+)(?:[eE][-+]?[0-9]+)?")
_SCIENTIFIC = re.compile(r"[-0-9.]*[eE][-+0-9.eE]*")
_STAMP = re.compile(r"-?[0-9]*")
BOOLEANS = {
    **dict.fromkeys(("t", "T", "true", "True", "TRUE"), True),
    **dict.fromkeys(("f", "F", "false", "False", "FALSE"), False),
}


def parse(body: bytes, precision: str = "n", now_ns: int = 0) -> Parsed:
    """All the points of ``body`` and an error per line influxd would refuse."""
    default = default_time(now_ns, precision)
    points: list[Point] = []
    errors: list[str] = []
    for raw in body.decode("utf-8", "replace").split("\n"):
        line = raw.lstrip(_BLANK)
        if not line or line[0] == "#":
            continue
        try:
            points.append(_point(line, default, precision))
        except LineError as exc:
            errors.append(f"unable to parse '{line}': {exc}")
    return Parsed(points, errors)


def _split(text: str, sep: str) -> list[str]:
    """``text`` cut at each ``sep`` not escaped (influxd looks one character back)."""
    return text.split(sep) if "\\" not in text else _UNESCAPED[sep].split(text)


def _point(line: str, default: int, precision: str) -> Point:
    if line[0] == ",":
        raise LineError("missing measurement")
    end = _unescaped(line, " ")
    key = line[:end] if end >= 0 else line
    measurement, *tag_texts = _split(key, ",")
    written = [_tag(text) for text in tag_texts]  # escaped: influxd sorts and compares so
    if len(key) == len(line):
        raise LineError("missing fields")
    tags = tuple(sorted(written))
    if len({k for k, _ in tags}) != len(tags):
        raise LineError("duplicate tags")
    if "\\" in key:
        tags = tuple((_UNESCAPE_TAG.sub(r"\1", k), _UNESCAPE_TAG.sub(r"\1", v)) for k, v in tags)
        measurement = _UNESCAPE_NAME.sub(r"\1", measurement)
    series = key if "\\" not in key and list(tags) == written else series_key(measurement, tags)
    fields, end = _fields(line, len(key) + 1)
    rest = line[end:].lstrip(_BLANK)
    if not rest:
        return Point(measurement, tags, series, fields, default)
    plain = rest.isdigit() and rest.isascii()  # the usual: a timestamp and nothing after it
    stamp = rest if plain else _STAMP.match(rest).group()  # type: ignore[union-attr]
    after = rest[len(stamp) :]
    if after[:1] not in ("", " "):
        raise LineError("bad timestamp")
    try:
        time = timestamp(_parse_int(stamp), precision)
    except ValueError as exc:
        raise LineError(str(exc)) from None
    if after.strip(" "):
        raise LineError("point is invalid")
    return Point(measurement, tags, series, fields, time)


def _tag(text: str) -> tuple[str, str]:
    if not text or text[0] == "=":
        raise LineError("missing tag key")
    equals = _unescaped(text, "=")
    if equals < 0 or equals + 1 == len(text):
        raise LineError("missing tag value")
    if _unescaped(text, "=", equals + 2) >= 0:  # influxd looks from the value's 2nd character
        raise LineError("invalid tag format")
    return text[:equals], text[equals + 1 :]


def _unescaped(text: str, sep: str, start: int = 0) -> int:
    """Where the first ``sep`` not escaped is, from ``start``; -1 if none."""
    if "\\" not in text:
        return text.find(sep, start)
    found = _UNESCAPED[sep].search(text, start)
    return -1 if found is None else found.start()


def _fields(line: str, start: int) -> tuple[tuple[tuple[str, FieldValue], ...], int]:
    """The fields from ``start`` (blanks first skipped) and where they end.

    influxd reads every ``key=value`` before it checks how they are joined, so a value's error
    comes before a missing ``=`` or a stray comma, even in a later field."""
    while start < len(line) and line[start] in _BLANK:
        start += 1
    plain = _PLAIN_FIELDS.match(line, start)
    if plain is not None and (plain.end() == len(line) or line[plain.end()] == " "):
        pairs: list[tuple[str, FieldValue]] = []
        for name, raw in _PLAIN_FIELD.findall(plain.group()):
            value = _plain_value(raw)
            if value is None:
                break  # a value to refuse: read again below, for influxd's reason
            pairs.append((name, value))
        else:
            return tuple(pairs), plain.end()
    fields: list[tuple[str, FieldValue]] = []
    malformed = False
    pos = start
    while True:
        match = _FIELD.match(line, pos)
        assert match is not None  # both parts may be empty
        name, raw = match.groups()
        pos = match.end()
        if raw is None:
            malformed = True
        elif not name:
            raise LineError("missing field key")
        elif raw:
            name = _UNESCAPE_NAME.sub(r"\1", name) if "\\" in name else name
            fields.append((name, _value(raw)))
        if pos < len(line) and line[pos] == '"':
            raise LineError("unbalanced quotes")
        if raw == "":
            raise LineError("missing field value")
        if pos == len(line) or line[pos] == " ":
            break
        pos += 1  # a comma, or the equals sign after a value
    if malformed or not fields:
        raise LineError("invalid field format")
    return tuple(fields), pos


def _plain_value(raw: str) -> FieldValue | None:
    """The value of a field without escapes, or ``None`` for :func:`_value` to decide."""
    first = raw[0]
    if first == '"':
        return raw[1:-1]
    if first not in "0123456789.-":
        return BOOLEANS.get(raw)
    if not raw.isascii() or "_" in raw:  # Python's int() and float() take more than Go's
        return None
    try:
        if raw[-1] == "i":
            number = int(raw[:-1])
            return number if -(2**63) <= number < 2**63 else None
        value = float(raw)
    except ValueError:
        return None
    return value if math.isfinite(value) else None


def _value(raw: str) -> FieldValue:
    first = raw[0]
    if first == '"':
        inner = raw[1:-1]  # as influxd takes it, even from ``"a"b``
        return _UNESCAPE_STRING.sub(r"\1", inner) if "\\" in inner else inner
    if first not in "0123456789.-Nn":
        if first not in "tfTF" or (len(raw) > 1 and raw not in BOOLEANS):
            raise LineError("invalid boolean")
        return BOOLEANS[raw]
    if _INTEGER.fullmatch(raw):
        try:
            return _parse_int(raw[:-1])
        except ValueError as exc:
            raise LineError(f"unable to parse integer {raw[:-1]}: {exc}") from None
    if _FLOAT.fullmatch(raw):
        value = float(raw)
        if math.isinf(value):
            raise LineError("invalid float")
        return value
    raise LineError("invalid float" if _SCIENTIFIC.fullmatch(raw) else "invalid number")


def _parse_int(text: str) -> int:
    """Go's ``strconv.ParseInt(text, 10, 64)``, with its error texts."""
    try:
        number = int(text)
    except ValueError:
        raise ValueError(f'strconv.ParseInt: parsing "{text}": invalid syntax') from None
    if not -(2**63) <= number < 2**63:
        raise ValueError(f'strconv.ParseInt: parsing "{text}": value out of range')
    return number
