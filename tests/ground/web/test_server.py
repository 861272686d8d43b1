"""The body limit on a real socket, against a service started the way every service is (its
app in :class:`ground.web.HttpServer`): a 20 MB body is refused from its headers, the server
does not read what it refused, and it keeps answering."""

from __future__ import annotations

import json
import socket
import urllib.request
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from ground.weather.app import create_app
from ground.weather.source import SCRIPTS, ScriptedSource
from ground.weather.station import Station
from ground.web import MAX_BODY, HttpServer
from ground.web import server as server_module
from marsy.clock import MissionClock
from marsy.settings import GroundSettings

TOKEN = "op-secret"
TWENTY_MB = 20 * 2**20
CALM = {
    "wind_speed": 3.0,
    "wind_gust": 5.0,
    "precipitation": 0.0,
    "lightning_distance": None,
    "temperature": 18.0,
}


@pytest.fixture
def weather(tmp_path: Path) -> Iterator[HttpServer]:
    clock = MissionClock()
    settings = GroundSettings.load(state_dir=tmp_path, api_tokens={"operator": TOKEN})
    server = HttpServer(
        create_app(settings, Station(ScriptedSource(SCRIPTS["calm"], clock), clock))
    )
    server.start()
    yield server
    server.stop()


def head(method: str, path: str, **headers: str | int) -> bytes:
    lines = [f"{method} {path} HTTP/1.1", "Host: weather", f"Authorization: Bearer {TOKEN}"]
    lines += [f"{name.replace('_', '-')}: {value}" for name, value in headers.items()]
    return ("\r\n".join(lines) + "\r\n\r\n").encode()


def answer(connection: socket.socket) -> tuple[int, dict[str, str], Any]:
    """One whole answer (status, headers, JSON body), read within the socket's timeout."""
    data = b""
    while b"\r\n\r\n" not in data:
        chunk = connection.recv(65536)
        assert chunk, f"connection closed before a whole answer: {data!r}"
        data += chunk
    top, _, rest = data.partition(b"\r\n\r\n")
    status_line, *header_lines = top.decode().split("\r\n")
    headers = {k.lower(): v.strip() for k, _, v in (h.partition(":") for h in header_lines)}
    length = int(headers["content-length"])
    while len(rest) < length:
        chunk = connection.recv(65536)
        assert chunk, "connection closed inside the answer's body"
        rest += chunk
    return int(status_line.split()[1]), headers, json.loads(rest[:length])


def closed(connection: socket.socket) -> bool:
    """Whether the server has closed the connection (end of stream or reset)."""
    try:
        return connection.recv(65536) == b""
    except ConnectionError:
        return True


def still_answers(server: HttpServer) -> None:
    with urllib.request.urlopen(f"{server.url}/go", timeout=5) as go:
        assert json.load(go)["go"] is True
    put = urllib.request.Request(
        f"{server.url}/conditions",
        data=json.dumps(CALM).encode(),
        method="PUT",
        headers={"Authorization": f"Bearer {TOKEN}", "Content-Type": "application/json"},
    )
    with urllib.request.urlopen(put, timeout=5) as imposed:
        assert json.load(imposed)["source"] == "operator:operator"


def test_a_20_mb_body_is_refused_after_its_first_bytes(weather: HttpServer) -> None:
    with socket.create_connection((weather.host, weather.port), timeout=5) as connection:
        connection.sendall(
            head("PUT", "/conditions", Content_Type="application/json", Content_Length=TWENTY_MB)
            + b'{"wind_speed": '
        )
        status, headers, body = answer(connection)
        assert status == 413, "answered while the client has sent 15 bytes of 20 MB"
        assert body["error"]["code"] == "too_large"
        assert f"{MAX_BODY}-byte limit" in body["error"]["message"]
        assert headers["connection"] == "close"
        assert closed(connection), "closed at once, not waiting for the 20 MB"
    still_answers(weather)


def test_the_refused_body_is_not_read_the_connection_is_closed(weather: HttpServer) -> None:
    with socket.create_connection((weather.host, weather.port), timeout=5) as connection:
        connection.sendall(head("GET", "/go", Content_Length=TWENTY_MB))
        assert answer(connection)[0] == 413, "any route, a GET with a body included"
        sent = 0
        with pytest.raises(ConnectionError):
            while sent < TWENTY_MB:
                sent += connection.send(b"x" * 65536)
        assert sent < TWENTY_MB / 2, f"the server took {sent} bytes of a body it refused"
    still_answers(weather)


def test_a_body_refused_for_its_size_is_not_invited(weather: HttpServer) -> None:
    with socket.create_connection((weather.host, weather.port), timeout=5) as connection:
        connection.sendall(
            head(
                "PUT",
                "/conditions",
                Content_Type="application/json",
                Content_Length=TWENTY_MB,
                Expect="100-continue",
            )
        )
        status, _, body = answer(connection)
        assert (status, body["error"]["code"]) == (413, "too_large"), "no 100 Continue first"


def chunked(data: bytes, size: int = 16384) -> Iterator[bytes]:
    for start in range(0, len(data), size):
        piece = data[start : start + size]
        yield f"{len(piece):x}\r\n".encode() + piece + b"\r\n"


CHUNKED_PUT = head(
    "PUT", "/conditions", Content_Type="application/json", Transfer_Encoding="chunked"
)


def test_a_chunked_body_is_refused_past_the_limit(weather: HttpServer) -> None:
    with socket.create_connection((weather.host, weather.port), timeout=5) as connection:
        connection.sendall(CHUNKED_PUT)
        for chunk in chunked(b" " * (MAX_BODY + 16384)):
            connection.sendall(chunk)
        status, _, body = answer(connection)
        assert (status, body["error"]["code"]) == (413, "too_large"), "no end chunk was sent"
    still_answers(weather)


def test_a_chunked_body_of_the_limit_is_taken(weather: HttpServer) -> None:
    conditions = json.dumps(CALM).encode()
    whole = conditions + b" " * (MAX_BODY - len(conditions))
    with socket.create_connection((weather.host, weather.port), timeout=5) as connection:
        connection.sendall(CHUNKED_PUT + b"".join(chunked(whole)) + b"0\r\n\r\n")
        status, _, body = answer(connection)
        assert (status, body["source"]) == (200, "operator:operator")


def test_a_silent_client_loses_its_connection(
    weather: HttpServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(server_module._BoundedHandler, "timeout", 0.3)
    with socket.create_connection((weather.host, weather.port), timeout=5) as connection:
        connection.sendall(
            head("PUT", "/conditions", Content_Type="application/json", Content_Length=100)
            + b'{"wind_speed"'
        )
        status, _, _ = answer(connection)
        assert status == 400, "the body never came whole"
        assert closed(connection)
    still_answers(weather)
