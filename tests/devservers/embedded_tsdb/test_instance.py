"""The embedded store as a process: crash-safe writes, a kept login, clean stops, bad input."""

from __future__ import annotations

import socket
import threading
from pathlib import Path

import pytest

from devservers.embedded.tsdb.instance import EmbeddedInfluxd
from devservers.influx_admin import ping
from devservers.process import port_open
from marsy.protocol import Device
from marsy.store import InfluxHttp, InfluxRejected, TelemetryReader
from marsy.store.schema import timestamp_ns

pytestmark = pytest.mark.integration

T0 = 1_800_000_000.0


def client(server: EmbeddedInfluxd) -> InfluxHttp:
    settings = server.settings()
    return InfluxHttp(settings.url, username=settings.username, password=settings.password)


def lines(first: int, count: int, source: str = "rocket") -> bytes:
    return "\n".join(
        f"rocket,mission=m1,source={source} altitude={s * 1.5},seq={s}i {timestamp_ns(T0 + s / 10)}"
        for s in range(first, first + count)
    ).encode()


def test_acknowledged_points_and_the_login_survive_a_kill(tmp_path: Path) -> None:
    server = EmbeddedInfluxd(tmp_path / "tsdb")
    server.start()
    http = client(server)
    try:
        http.create_database("flight")
        http.write("flight", lines(0, 500))
        server.kill()  # right after the 204: no clean shutdown
    finally:
        http.close()
    again = EmbeddedInfluxd(tmp_path / "tsdb")  # a later run on the same folder
    assert (again.username, again.password) == (server.username, server.password)
    with again:
        http = client(again)
        try:
            assert TelemetryReader(http, "flight").count(Device.ROCKET, "m1") == 500
        finally:
            http.close()
    assert "Embedded time-series store stopped" in (tmp_path / "tsdb" / "tsdb.log").read_text()


def test_it_listens_on_loopback_and_stops_on_sigterm(tmp_path: Path) -> None:
    server = EmbeddedInfluxd(tmp_path)
    with server:
        assert ping(server.port)
        assert server.url == f"http://127.0.0.1:{server.port}"
    assert not server.process.running()
    assert not port_open(server.port)


def test_garbage_gets_a_4xx_and_the_server_goes_on(tmp_path: Path) -> None:
    with EmbeddedInfluxd(tmp_path) as server:
        with socket.create_connection(("127.0.0.1", server.port), timeout=5) as sock:
            sock.sendall(b"\x00\xffnot http at all\r\n\r\n")
            assert sock.recv(1024).startswith(b"HTTP/1.")
        http = client(server)
        try:
            http.create_database("flight")
            with pytest.raises(InfluxRejected, match="unable to parse"):
                http.write("flight", b"\x00\xff garbage")
            with pytest.raises(InfluxRejected, match="error parsing query"):
                http.query("SELEC FROM WHERE", "flight")
            with pytest.raises(InfluxRejected, match="not supported by the embedded"):
                http.query("SELECT FROM WHERE", "flight")
            assert http.ping()
        finally:
            http.close()


def test_writers_and_readers_at_once(tmp_path: Path) -> None:
    with EmbeddedInfluxd(tmp_path) as server:
        http = client(server)
        http.create_database("flight")
        reader = TelemetryReader(http, "flight")
        errors: list[BaseException] = []

        def write(source: str) -> None:
            try:
                for batch in range(10):
                    http.write("flight", lines(batch * 200, 200, source))
            except BaseException as exc:  # reported by the test thread
                errors.append(exc)
            finally:
                http.release()

        def read() -> None:
            try:
                for i in range(30):  # the calculator's reads: the last 2 s, the newest point
                    reader.window(Device.ROCKET, "m1", T0 + i * 5, T0 + i * 5 + 2)
                    reader.latest(Device.ROCKET, "m1", T0 + i * 5 + 2)
            except BaseException as exc:
                errors.append(exc)
            finally:
                http.release()

        threads = [threading.Thread(target=write, args=(f"s{i}",)) for i in range(4)]
        threads += [threading.Thread(target=read) for _ in range(2)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(60)
        try:
            assert errors == []
            assert reader.count(Device.ROCKET, "m1") == 4 * 2000
        finally:
            http.close()
