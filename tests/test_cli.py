"""The ``marsy`` command line, run as the installed console script."""

from __future__ import annotations

import re
import shutil
import subprocess
import sys
import tomllib
from pathlib import Path

import pytest
from click.testing import CliRunner

from marsy.brokerconf import password_hash
from marsy_cli.main import COMMANDS, EXTRA_OF, cli

REPO = Path(__file__).resolve().parents[1]


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


def imported_by(*argv: str) -> set[str]:
    """The top-level modules ``python -m marsy_cli ARGV`` imports (``-X importtime``)."""
    result = subprocess.run(
        [sys.executable, "-X", "importtime", "-m", "marsy_cli", *argv],
        capture_output=True,
        text=True,
        check=True,
    )
    return {
        line.split("|")[-1].strip().split(".")[0]
        for line in result.stderr.splitlines()
        if line.startswith("import time:")
    }


@pytest.mark.parametrize("argv", [("agent", "--help"), ("--help",), ("firmware", "--help")])
def test_the_command_line_imports_no_ground_or_laptop_code(argv: tuple[str, ...]) -> None:
    imported = imported_by(*argv)
    assert "marsy_cli" in imported and "click" in imported, "importtime printed nothing?"
    heavy = {"flask", "matplotlib", "rich", "ground", "devservers", "marsy_sim"}
    assert not imported & heavy, sorted(imported & heavy)
    if argv[0] == "agent":
        assert "firmware_sim" not in imported


def test_every_command_is_listed_with_its_help() -> None:
    result = CliRunner().invoke(cli, ["--help"])
    assert result.exit_code == 0, result.output
    for name in COMMANDS:
        assert re.search(rf"^  {name} +\S", result.output, re.MULTILINE), name


def test_each_library_named_by_the_missing_extra_message_belongs_to_that_extra() -> None:
    extras = tomllib.loads((REPO / "pyproject.toml").read_text())["project"][
        "optional-dependencies"
    ]

    def names(extra: str) -> set[str]:
        found: set[str] = set()
        for requirement in extras[extra]:
            name = re.split(r"[<>=\[ ]", requirement, maxsplit=1)[0].lower()
            found |= names(requirement[6:-1]) if name == "marsy" else {name}
        return found

    for module, extra in EXTRA_OF.items():
        library = "flask" if module == "werkzeug" else module  # Flask brings Werkzeug
        assert library in names(extra), (module, extra)
