"""The broker's listeners as the roles render them: TLS by default, the lab switch as the README
says, and the agents and services connecting the way the broker listens.

Each case applies the ``mosquitto`` role alone (``connection: local``, everything under a
temporary root) or renders an agent's or service's settings template with the role's defaults,
through Ansible itself. The default drop-in is then run by Mosquitto, and the kernel's socket
table says where each port listens.
"""

from __future__ import annotations

import getpass
import ipaddress
import json
import secrets
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from devservers import free_port
from devservers.certs import make_certificates
from devservers.process import ServerProcess, find_binary, port_open
from marsy.brokerconf import all_users
from marsy.settings import EdgeSettings, GroundSettings
from tests.ansible.deployment import ANSIBLE, REPO, ansible_env, tool

pytestmark = pytest.mark.integration

PLAYBOOK = """\
- name: The broker role alone
  hosts: localhost
  connection: local
  gather_facts: false
  roles:
    - mosquitto
"""
PLAIN_PORT = 1883


@pytest.fixture(scope="module")
def tls_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """What ``marsy deploy certs`` makes, on the controller."""
    folder = tmp_path_factory.mktemp("tls")
    make_certificates(folder)
    return folder


def ansible(
    argv: list[str], home: Path, variables: dict[str, Any]
) -> subprocess.CompletedProcess[str]:
    extra = home / "vars.json"
    extra.write_text(json.dumps({"ansible_python_interpreter": sys.executable, **variables}))
    env = {**ansible_env(home), "ANSIBLE_ROLES_PATH": str(ANSIBLE / "roles")}
    return subprocess.run(
        [*argv, f"--extra-vars=@{extra}"],
        cwd=home,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )


def broker_role(tmp_path: Path, **variables: Any) -> subprocess.CompletedProcess[str]:
    """``mosquitto`` applied under ``tmp_path/root`` with ``variables`` over a minimal inventory."""
    (tmp_path / "home").mkdir(exist_ok=True)
    playbook = tmp_path / "home" / "broker.yml"
    playbook.write_text(PLAYBOOK)
    base = {
        "marsy_root": str(tmp_path / "root"),
        "marsy_source_dir": str(REPO),
        "marsy_manage_system": False,
        "marsy_manage_services": False,
        "marsy_mqtt_port": PLAIN_PORT,
        "marsy_mqtt_passwords": {str(user): secrets.token_urlsafe(8) for user in all_users()},
    }
    argv = [tool("ansible-playbook"), "--inventory=localhost,", str(playbook)]
    return ansible(argv, tmp_path / "home", {**base, **variables})


def dropin(tmp_path: Path, **variables: Any) -> str:
    result = broker_role(tmp_path, **variables)
    assert result.returncode == 0, (result.stdout + result.stderr)[-4000:]
    return (tmp_path / "root" / "etc/mosquitto/conf.d/marsy.conf").read_text()


def listeners(text: str) -> list[str]:
    return [line for line in text.splitlines() if line.startswith("listener ")]


def test_by_default_plain_mqtt_is_loopback_only_and_tls_serves_every_interface(
    tmp_path: Path, tls_dir: Path
) -> None:
    text = dropin(tmp_path, marsy_tls_dir=str(tls_dir))
    assert listeners(text) == [f"listener {PLAIN_PORT} 127.0.0.1", "listener 8883"]
    marsy_dir = tmp_path / "root" / "etc/mosquitto/marsy"
    tls_block = text.split("listener 8883\n", 1)[1]
    assert f"cafile {marsy_dir / 'ca.crt'}\n" in tls_block
    assert f"certfile {marsy_dir / 'server.crt'}\n" in tls_block
    assert (marsy_dir / "server.key").read_bytes() == (tls_dir / "server.key").read_bytes()


def test_the_lab_switch_turns_tls_off_and_keeps_plain_mqtt_on_loopback(tmp_path: Path) -> None:
    text = dropin(tmp_path, marsy_mqtt_tls=False)
    assert listeners(text) == [f"listener {PLAIN_PORT} 127.0.0.1"]
    assert "cafile" not in text
    assert not (tmp_path / "root" / "etc/mosquitto/marsy/server.key").exists()


def test_plain_mqtt_on_every_interface_only_when_asked_and_tls_is_off(tmp_path: Path) -> None:
    text = dropin(tmp_path, marsy_mqtt_tls=False, marsy_mqtt_bind="")
    assert listeners(text) == [f"listener {PLAIN_PORT}"]


def test_plain_mqtt_on_every_interface_beside_tls_is_refused(tmp_path: Path, tls_dir: Path) -> None:
    result = broker_role(tmp_path, marsy_tls_dir=str(tls_dir), marsy_mqtt_bind="")
    assert result.returncode != 0
    assert "the plain listener beside TLS serves this host only" in result.stdout
    assert not (tmp_path / "root" / "etc/mosquitto/conf.d/marsy.conf").exists()


def test_tls_by_default_needs_the_certificates_folder(tmp_path: Path) -> None:
    result = broker_role(tmp_path)
    assert result.returncode != 0
    assert "marsy_tls_dir is not set" in result.stdout


def listening(port: int) -> set[str]:
    """The local addresses a TCP socket listens on at ``port`` (from /proc/net/tcp and tcp6)."""
    found = set()
    for table in ("tcp", "tcp6"):
        for line in Path(f"/proc/net/{table}").read_text().splitlines()[1:]:
            fields = line.split()
            address, hex_port = fields[1].rsplit(":", 1)
            if fields[3] == "0A" and int(hex_port, 16) == port:  # 0A: LISTEN
                found.add(_address(address))
    return found


def _address(hex_address: str) -> str:
    raw = bytes.fromhex(hex_address)
    if len(raw) == 4:
        return ".".join(str(b) for b in reversed(raw))
    words = [raw[i : i + 4][::-1] for i in range(0, 16, 4)]  # each 32-bit word is host-endian
    return str(ipaddress.IPv6Address(b"".join(words)))


@pytest.fixture
def running(tmp_path: Path) -> Iterator[list[ServerProcess]]:
    started: list[ServerProcess] = []
    yield started
    for process in started:
        process.stop()


def run_mosquitto(root: Path, ports: tuple[int, ...], started: list[ServerProcess]) -> None:
    """Mosquitto as Debian's package starts it, on the installed drop-in."""
    workdir = root.parent / "mosquitto"
    (workdir / "data").mkdir(parents=True)
    conf = workdir / "mosquitto.conf"
    conf.write_text(
        f"persistence true\npersistence_location {workdir}/data/\n"
        f"log_dest file {workdir}/mosquitto.log\nuser {getpass.getuser()}\n"
        f"include_dir {root / 'etc/mosquitto/conf.d'}\n"
    )
    process = ServerProcess(
        "mosquitto",
        [find_binary("mosquitto", "mosquitto"), "-c", str(conf)],
        workdir / "mosquitto.log",
        lambda: all(port_open(port) for port in ports),
    )
    started.append(process)
    process.start()


def test_the_default_broker_listens_where_its_drop_in_says(
    tmp_path: Path, tls_dir: Path, running: list[ServerProcess]
) -> None:
    plain, tls = free_port(), free_port()
    dropin(tmp_path, marsy_tls_dir=str(tls_dir), marsy_mqtt_port=plain, marsy_mqtt_tls_port=tls)
    run_mosquitto(tmp_path / "root", (plain, tls), running)
    assert listening(plain) == {"127.0.0.1"}
    assert listening(tls) & {"0.0.0.0", "::"}, listening(tls)


def test_the_lab_broker_asked_for_every_interface_listens_on_them(
    tmp_path: Path, running: list[ServerProcess]
) -> None:
    plain = free_port()
    dropin(tmp_path, marsy_mqtt_tls=False, marsy_mqtt_bind="", marsy_mqtt_port=plain)
    run_mosquitto(tmp_path / "root", (plain,), running)
    assert listening(plain) & {"0.0.0.0", "::"}, listening(plain)
    assert "127.0.0.1" not in listening(plain)


def render(tmp_path: Path, role: str, template: str, item: str, **variables: Any) -> Path:
    """``template`` of ``role`` rendered with the role's and marsy_base's defaults."""
    home = tmp_path / "home"
    home.mkdir(exist_ok=True)
    dest = tmp_path / f"{item}.toml"
    roles = ANSIBLE / "roles"
    base = {
        "item": item,
        "marsy_root": str(tmp_path / "root"),
        "marsy_mqtt_host": "ground.example.org",
        "marsy_mqtt_port": PLAIN_PORT,
        "marsy_mqtt_passwords": {str(user): "pw" for user in all_users()},
        "marsy_influx_url": "http://127.0.0.1:8086",
        "marsy_influx_passwords": {
            name: "pw"
            for name in ("admin", "marsy", "grafana", "telemetry", "payload", "calculator")
        },
        "marsy_api_tokens": {item: "token", "operator": "token"},
    }
    argv = [
        tool("ansible"),
        "localhost",
        "--inventory=localhost,",
        "--connection=local",
        "--module-name=ansible.builtin.template",
        f"--args=src={roles / role / 'templates' / template} dest={dest}",
        f"--extra-vars=@{roles / 'marsy_base/defaults/main.yml'}",
        f"--extra-vars=@{roles / role / 'defaults/main.yml'}",
    ]
    result = ansible(argv, home, {**base, **variables})
    assert result.returncode == 0, (result.stdout + result.stderr)[-4000:]
    return dest


@pytest.mark.parametrize("tls", [None, False])
def test_agents_and_services_connect_the_way_the_broker_listens(
    tmp_path: Path, tls: bool | None
) -> None:
    variables = {} if tls is None else {"marsy_mqtt_tls": tls}
    agent = EdgeSettings.load(
        render(tmp_path, "edge_agent", "agent.toml.j2", "rocket", **variables)
    ).mqtt
    service = GroundSettings.load(
        render(tmp_path, "ground_services", "ground.toml.j2", "weather", **variables)
    ).mqtt
    ca_file = tmp_path / "root" / "etc/marsy/ca.crt"
    for mqtt in (agent, service):
        if tls is None:  # the default: TLS, on the broker's default TLS port
            assert mqtt.port == 8883
            assert mqtt.tls is not None and mqtt.tls.ca_file == ca_file
        else:
            assert mqtt.port == PLAIN_PORT
            assert mqtt.tls is None
