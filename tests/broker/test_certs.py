"""``marsy deploy certs``: a CA and a broker certificate that openssl itself accepts."""

from __future__ import annotations

import stat
import subprocess
from pathlib import Path

from click.testing import CliRunner

from devservers.process import find_binary
from marsy_cli.main import cli


def test_the_command_makes_a_ca_and_a_certificate_for_every_name(tmp_path: Path) -> None:
    out = tmp_path / "tls"
    hosts = ["--host", "broker.marsy.lan", "--host", "10.0.0.5"]
    result = CliRunner().invoke(cli, ["deploy", "certs", "--out", str(out), *hosts])
    assert result.exit_code == 0, result.output
    assert "keep offline" in result.output
    assert sorted(p.name for p in out.iterdir()) == ["ca.crt", "ca.key", "server.crt", "server.key"]
    for key in ("ca.key", "server.key"):
        assert stat.S_IMODE((out / key).stat().st_mode) == 0o600
    openssl = find_binary("openssl", "openssl")
    verified = subprocess.run(
        [openssl, "verify", "-CAfile", str(out / "ca.crt"), str(out / "server.crt")],
        capture_output=True,
        text=True,
        check=False,
    )
    assert verified.returncode == 0, verified.stderr
    text = subprocess.run(
        [openssl, "x509", "-in", str(out / "server.crt"), "-noout", "-text"],
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    assert "DNS:broker.marsy.lan, IP Address:10.0.0.5" in text
    assert "TLS Web Server Authentication" in text
