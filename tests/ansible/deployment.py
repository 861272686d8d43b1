"""Running Ansible from the test suite: the site playbook on the test inventory.

The test inventory (ansible/inventories/test) puts every group on localhost with
``connection: local`` and turns off everything system-wide; this module hands it what changes
per run: the root folder, the servers' ports, certificates, and the secrets, as an
ansible-vault encrypted file like the one a real inventory keeps.
"""

from __future__ import annotations

import json
import os
import re
import secrets
import shutil
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

from marsy.brokerconf import all_users
from marsy.store.users import ADMIN, role_grants

REPO = Path(__file__).resolve().parents[2]
ANSIBLE = REPO / "ansible"
BIN = Path(sys.executable).parent
INFLUX_USERS = (ADMIN, *role_grants())
_RECAP = re.compile(r"^(\S+)\s+:\s+(.*)$")


def tool(name: str) -> str:
    """An Ansible command of this virtualenv (the test extra installs them)."""
    path = BIN / name
    if not path.exists():
        raise AssertionError(f"{path} is missing: install the test extra (make test does)")
    return str(path)


def ansible_env(home: Path) -> dict[str, str]:
    """Ansible's settings from ansible/ansible.cfg; its scratch and cache files in ``home``."""
    return {
        **os.environ,
        "ANSIBLE_CONFIG": str(ANSIBLE / "ansible.cfg"),
        "ANSIBLE_HOME": str(home),
        "ANSIBLE_LOCAL_TEMP": str(home / "tmp"),
        "ANSIBLE_REMOTE_TEMP": str(home / "remote-tmp"),  # "remote" is this machine here
        "XDG_CACHE_HOME": str(home / "cache"),
        "ANSIBLE_NOCOLOR": "1",
        "NO_COLOR": "1",
        "PATH": f"{BIN}{os.pathsep}{os.environ.get('PATH', '')}",
    }


def run(argv: list[str], env: dict[str, str], timeout: float = 300) -> str:
    """Run an Ansible command in ansible/; fail the test with its output if it fails."""
    result = subprocess.run(
        argv, cwd=ANSIBLE, env=env, capture_output=True, text=True, check=False, timeout=timeout
    )
    output = result.stdout + result.stderr
    command = " ".join([Path(argv[0]).name, *argv[1:3]])
    assert result.returncode == 0, f"{command} exited {result.returncode}:\n{output[-6000:]}"
    return output


_NOT_SOURCE = shutil.ignore_patterns(
    ".git", ".venv", "runs", "build", "dist", "*.egg-info", "__pycache__", ".*_cache", ".hypothesis"
)


def snapshot(destination: Path) -> Path:
    """A copy of the source tree to deploy from: edits made while the test runs (a second run
    follows a minute later) must not count as changes the playbook should not have made."""
    shutil.copytree(REPO, destination, ignore=_NOT_SOURCE)
    return destination


def _secret() -> str:
    # Quotes and a backslash: every file and statement a secret goes into must escape it.
    return secrets.token_urlsafe(12) + "'\"\\"


@dataclass(frozen=True)
class Secrets:
    mqtt: dict[str, str]
    influx: dict[str, str]
    tokens: dict[str, str]

    @classmethod
    def random(cls, callers: tuple[str, ...]) -> Secrets:
        return cls(
            mqtt={str(user): _secret() for user in all_users()},
            influx={name: _secret() for name in INFLUX_USERS},
            tokens={name: secrets.token_urlsafe(16) for name in callers},
        )

    def all(self) -> list[str]:
        return [*self.mqtt.values(), *self.influx.values(), *self.tokens.values()]

    def vault_file(self, path: Path, password_file: Path, env: dict[str, str]) -> Path:
        """The secrets as an encrypted vars file (JSON is YAML), as an inventory keeps them."""
        plain = {
            "vault_mqtt_passwords": self.mqtt,
            "vault_influx_passwords": self.influx,
            "vault_api_tokens": self.tokens,
        }
        path.write_text(json.dumps(plain))
        password_file.write_text(secrets.token_urlsafe(24))
        encrypt = [tool("ansible-vault"), "encrypt", f"--vault-password-file={password_file}"]
        run([*encrypt, str(path)], env)
        return path


@dataclass(frozen=True)
class Run:
    """One playbook run: what it printed and its PLAY RECAP."""

    output: str
    recap: dict[str, dict[str, int]]

    def count(self, what: str) -> int:
        return sum(host[what] for host in self.recap.values())

    def changed_tasks(self) -> list[str]:
        """The tasks (and handlers) that reported a change, for a failure message."""
        changed: list[str] = []
        task = ""
        for line in self.output.splitlines():
            if line.startswith(("TASK [", "RUNNING HANDLER [")):
                task = line[line.index("[") + 1 : line.index("]")]
            elif line.startswith("changed:") and task not in changed:
                changed.append(task)
        return changed


def play(
    extra_vars: Path,
    vault: Path,
    vault_password: Path,
    env: dict[str, str],
    playbook: str = "site.yml",
) -> Run:
    """``ansible-playbook site.yml`` (or another ``playbook``) on the test inventory."""
    output = run(
        [
            tool("ansible-playbook"),
            "--inventory=inventories/test",
            f"--extra-vars=@{extra_vars}",
            f"--extra-vars=@{vault}",
            f"--vault-password-file={vault_password}",
            playbook,
        ],
        env,
        timeout=600,
    )
    return Run(output, parse_recap(output))


def parse_recap(output: str) -> dict[str, dict[str, int]]:
    """``PLAY RECAP`` as ``{host: {"ok": n, "changed": n, ...}}``."""
    _, marker, tail = output.rpartition("PLAY RECAP")
    assert marker, f"no PLAY RECAP in:\n{output[-3000:]}"
    recap: dict[str, dict[str, int]] = {}
    for line in tail.splitlines()[1:]:
        match = _RECAP.match(line.strip())
        if match:
            counts = dict(item.split("=") for item in match.group(2).split())
            recap[match.group(1)] = {key: int(value) for key, value in counts.items()}
    assert recap, f"empty PLAY RECAP in:\n{tail}"
    return recap
