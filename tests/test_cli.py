"""The ``marsy`` command line, run as the installed console script."""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

from click.testing import CliRunner

from marsy.brokerconf import password_hash
from marsy_cli.main import cli


def test_marsy_help_from_the_installed_script() -> None:
    script = shutil.which("marsy", path=str(Path(sys.executable).parent))
    assert script is not None, "the install step must put `marsy` on the venv's PATH"
    result = subprocess.run([script, "--help"], capture_output=True, text=True, check=True)
    assert "MarsY" in result.stdout
    assert "broker" in result.stdout


def test_broker_passwd_is_deterministic(tmp_path: Path) -> None:
    users = tmp_path / "users.toml"
    users.write_text('[users]\nrocket = "r0ck"\nsuit = "s00t"\n')
    runner = CliRunner()
    outputs = []
    for name in ("a", "b"):
        out = tmp_path / name
        result = runner.invoke(cli, ["broker", "passwd", str(users), "--out", str(out)])
        assert result.exit_code == 0, result.output
        outputs.append(out.read_text())
    assert outputs[0] == outputs[1]
    assert outputs[0].splitlines()[0] == f"rocket:{password_hash('rocket', 'r0ck')}"
    assert (tmp_path / "a").stat().st_mode & 0o077 == 0


def test_broker_passwd_refuses_a_bad_file(tmp_path: Path) -> None:
    users = tmp_path / "users.toml"
    users.write_text('[users]\nrocket = ""\n')
    result = CliRunner().invoke(cli, ["broker", "passwd", str(users), "--out", str(tmp_path / "p")])
    assert result.exit_code == 2
    assert "rocket" in result.output


def test_broker_config_writes_policy_and_acl(tmp_path: Path) -> None:
    result = CliRunner().invoke(
        cli, ["broker", "config", "--out", str(tmp_path), "--root", "marsy"]
    )
    assert result.exit_code == 0, result.output
    assert "user suit" in (tmp_path / "acl").read_text()
    assert "topic write marsy/vitals/suit" in (tmp_path / "acl").read_text()
    assert "allow_anonymous false" in (tmp_path / "marsy.conf").read_text()
