"""Private server instances: loud when missing, localhost only, stopped for real."""

from __future__ import annotations

from pathlib import Path

import pytest

from devservers import LocalInfluxd, LocalMosquitto, ServerUnavailable
from devservers.process import find_binary, port_open

pytestmark = pytest.mark.integration


def test_a_missing_binary_says_what_to_install() -> None:
    with pytest.raises(ServerUnavailable, match="apt-get install some-package"):
        find_binary("marsy-no-such-server", "some-package")


def test_mosquitto_listens_on_loopback_only_and_stops(tmp_path: Path) -> None:
    broker = LocalMosquitto(tmp_path)
    conf = (tmp_path / "mosquitto.conf").read_text()
    assert f"listener {broker.port} 127.0.0.1" in conf
    with broker:
        assert port_open(broker.port)
        pid = broker.process.pid
    assert not broker.process.running()
    assert not Path(f"/proc/{pid}").exists()
    assert not port_open(broker.port)


def test_influxd_listens_on_loopback_only_with_auth(tmp_path: Path) -> None:
    server = LocalInfluxd(tmp_path)
    conf = (tmp_path / "influxdb.conf").read_text()
    assert f'bind-address = "127.0.0.1:{server.port}"' in conf
    assert "auth-enabled = true" in conf
    with server:
        assert port_open(server.port)
    assert not port_open(server.port)


def test_free_ports_are_never_handed_out_twice() -> None:
    from devservers import free_port

    ports = [free_port() for _ in range(200)]
    assert len(set(ports)) == len(ports)
