"""A Pi's install: the ``edge_agent`` role alone puts the bare wheel in MarsY's virtualenv, the
agent's libraries and nothing of the ground's or the laptop's, and the agent flies from it.

The role is applied under a temporary root (``connection: local``) with the wheel
``marsy deploy wheel`` builds; pip fetches the agent's dependencies as on a Pi. The installed
agent then connects to a private Mosquitto with the settings the role wrote, under
``python -X importtime``, which lists every module it imported. (The site test puts every role
on one host: there the ground role's extra is checked.)
"""

from __future__ import annotations

import json
import subprocess
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from devservers import LocalMosquitto
from marsy.mqtt import MqttBus
from marsy.protocol import DevicePresence, PresenceState, decode_as
from marsy_cli.deploy import build_wheel
from tests.ansible.deployment import ANSIBLE, REPO, ansible_env, run, tool

pytestmark = pytest.mark.integration

PLAYBOOK = """\
- name: An onboard agent's host
  hosts: localhost
  connection: local
  gather_facts: false
  roles:
    - edge_agent
"""
NOT_ON_A_PI = ("flask", "werkzeug", "matplotlib", "numpy", "rich", "pytest")
"""Distributions of the ground's, the laptop's and the tests' extras."""
NEVER_IMPORTED = ("flask", "matplotlib", "rich", "ground", "devservers", "marsy_sim")
"""Top-level modules a running agent must not import (the wheel has the last three)."""


@dataclass(frozen=True)
class AgentHost:
    root: Path
    venv: Path
    broker: LocalMosquitto

    def python(self, *args: str, timeout: float = 60) -> subprocess.CompletedProcess[str]:
        # Run from the root, not the repository, whose packages the current folder would shadow.
        return subprocess.run(
            [str(self.venv / "bin" / "python"), *args],
            cwd=self.root,
            capture_output=True,
            text=True,
            check=False,
            timeout=timeout,
        )


@pytest.fixture(scope="module")
def agent_host(tmp_path_factory: pytest.TempPathFactory) -> Iterator[AgentHost]:
    base = tmp_path_factory.mktemp("agent-host")
    root = base / "root"
    wheel = build_wheel(REPO, base / "controller" / "dist")
    with LocalMosquitto(base / "mosquitto") as broker:
        playbook = base / "agent.yml"
        playbook.write_text(PLAYBOOK)
        extra = base / "vars.json"
        extra.write_text(
            json.dumps(
                {
                    "ansible_python_interpreter": sys.executable,
                    "marsy_root": str(root),
                    "marsy_manage_system": False,
                    "marsy_manage_services": False,
                    "marsy_base_python": sys.executable,
                    "marsy_base_wheel": str(wheel),
                    "marsy_base_pip_args": ["--no-compile"],
                    "marsy_mqtt_host": "127.0.0.1",
                    "marsy_mqtt_port": broker.port,
                    "marsy_mqtt_tls": False,
                    "marsy_topic_root": broker.topic_root,
                    "marsy_mqtt_passwords": dict(broker.passwords),
                    "edge_agent_devices": ["rocket"],
                }
            )
        )
        env = {**ansible_env(base / "ansible-home"), "ANSIBLE_ROLES_PATH": str(ANSIBLE / "roles")}
        playbook_argv = [tool("ansible-playbook"), "--inventory=localhost,", str(playbook)]
        run([*playbook_argv, f"--extra-vars=@{extra}"], env)
        yield AgentHost(root, root / "opt/marsy/venv", broker)


def test_the_agent_install_has_no_ground_or_laptop_library(agent_host: AgentHost) -> None:
    listed = agent_host.python("-m", "pip", "list", "--format=json", "--disable-pip-version-check")
    assert listed.returncode == 0, listed.stderr
    installed = {d["name"].lower() for d in json.loads(listed.stdout)}
    assert {"marsy", "paho-mqtt", "pyserial", "pydantic", "pydantic-settings", "click"} <= installed
    assert not installed & set(NOT_ON_A_PI), installed
    for module in ("flask", "matplotlib"):
        result = agent_host.python("-c", f"import {module}")
        assert result.returncode == 1
        assert f"No module named '{module}'" in result.stderr


def test_the_installed_agent_flies_without_importing_them(agent_host: AgentHost) -> None:
    config = agent_host.root / "etc/marsy/agent-rocket.toml"
    argv = [str(agent_host.venv / "bin" / "python"), "-X", "importtime", "-m", "marsy_cli"]
    agent = subprocess.Popen(
        [*argv, "agent", "rocket", "--config", str(config), "--serial", "loop://"],
        cwd=agent_host.root,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        text=True,
    )
    watcher = MqttBus(agent_host.broker.settings_for("observer"), persistent=False)
    try:
        watcher.subscribe(watcher.topics.presence("rocket"))
        watcher.start()
        deadline = time.monotonic() + 30
        online = False
        while not online and time.monotonic() < deadline and agent.poll() is None:
            delivery = watcher.receive(0.5)
            if delivery is not None:
                watcher.ack(delivery)
                presence = decode_as(DevicePresence, delivery.payload)
                online = presence.state is PresenceState.ONLINE
        assert online, "the installed agent never said it was online"
    finally:
        watcher.stop(timeout=1)
        agent.terminate()
        _, log = agent.communicate(timeout=20)
    assert agent.returncode == 0, log[-3000:]
    imported = {
        line.split("|")[-1].strip().split(".")[0]
        for line in log.splitlines()
        if line.startswith("import time:")
    }
    assert "edge" in imported and "paho" in imported, "importtime printed nothing?"
    assert not imported & set(NEVER_IMPORTED), sorted(imported & set(NEVER_IMPORTED))


def test_a_ground_command_names_the_extra_it_needs(agent_host: AgentHost) -> None:
    result = agent_host.python("-m", "marsy_cli", "serve", "weather")
    assert result.returncode == 1
    assert "Traceback" not in result.stderr, result.stderr
    last = result.stderr.strip().splitlines()[-1]  # after the settings logged at start
    assert last.startswith("Error: marsy serve needs flask"), result.stderr
    assert "pip install 'marsy[ground]'" in last
