"""``marsy deploy``: what an installation is made of, produced on the controller.

- ``dashboards``: Grafana's datasources and dashboards, generated from the parameter dictionary;
- ``certs``: a CA and a broker certificate for Mosquitto's TLS listener;
- ``wheel``: the MarsY wheel the Ansible roles install on every host, byte-identical when the
  source is, so a second deployment of the same code copies nothing and restarts nothing.
"""

from __future__ import annotations

import fnmatch
import os
import shutil
import subprocess
import sys
import tempfile
import tomllib
from pathlib import Path

import click

REPRODUCIBLE_EPOCH = "315532800"
"""1980-01-01, the earliest time a zip entry holds: every file of the wheel gets it."""


@click.group()
def deploy() -> None:
    """Build what Ansible deploys: dashboards, broker certificates, the wheel."""


@deploy.command("dashboards")
@click.option("--out", type=click.Path(file_okay=False, path_type=Path), required=True)
def dashboards(out: Path) -> None:
    """Write Grafana's provisioning files (datasources, dashboards) into OUT."""
    from ground.grafana import write

    written = write(out)
    click.echo(f"wrote {len(written)} files under {out}")


@deploy.command("certs")
@click.option("--out", type=click.Path(file_okay=False, path_type=Path), required=True)
@click.option(
    "--host",
    "hosts",
    multiple=True,
    required=True,
    help="A name or address clients use to reach the broker (repeat for each).",
)
@click.option("--days", type=click.IntRange(1, 3650), default=825, show_default=True)
def certs(out: Path, hosts: tuple[str, ...], days: int) -> None:
    """Make a new CA and a broker certificate for HOSTS in OUT."""
    from devservers.certs import CertificateError, make_certificates

    try:
        made = make_certificates(out, hosts, days=days)
    except CertificateError as exc:
        raise click.ClickException(str(exc)) from None
    click.echo(f"{made.ca_cert}: give to every client (MqttSettings.tls.ca_file)")
    click.echo(f"{made.server_cert}, {made.server_key}: the broker's (ansible-vault the key)")
    click.echo(f"{made.ca_key}: keep offline; it signs the next broker certificate")


@deploy.command("wheel")
@click.option("--out", type=click.Path(file_okay=False, path_type=Path), required=True)
@click.option(
    "--source",
    type=click.Path(exists=True, file_okay=False, path_type=Path),
    default=Path("."),
    show_default=True,
    help="The MarsY source tree (where pyproject.toml is).",
)
def wheel(out: Path, source: Path) -> None:
    """Build the MarsY wheel into OUT and print its path."""
    try:
        built = build_wheel(source, out)
    except (OSError, ValueError, subprocess.CalledProcessError) as exc:
        detail = getattr(exc, "stderr", None) or exc
        raise click.ClickException(f"wheel build failed: {detail}") from None
    click.echo(str(built))


def build_wheel(source: Path, out: Path) -> Path:
    """Build from a clean copy of the packages, so the same source gives the same bytes.

    setuptools builds inside the source tree and keeps ``build/`` between runs, where a removed
    module would linger and end up in the wheel; a fresh copy has no such leftovers.
    """
    project = tomllib.loads((source / "pyproject.toml").read_text())
    patterns = project["tool"]["setuptools"]["packages"]["find"]["include"]
    readme = project["project"].get("readme")
    out.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(prefix="marsy-wheel-") as scratch:
        tree = Path(scratch) / "src"
        tree.mkdir()
        for name in ("pyproject.toml", readme):
            if name:
                shutil.copy2(source / name, tree / name)
        top = [pattern.split(".")[0] for pattern in patterns]  # "marsy*", not "marsy.*"
        for package in sorted(source.iterdir()):
            wanted = any(fnmatch.fnmatch(package.name, pattern) for pattern in top)
            if wanted and (package / "__init__.py").is_file():
                shutil.copytree(
                    package, tree / package.name, ignore=shutil.ignore_patterns("__pycache__")
                )
        dist = Path(scratch) / "dist"
        env = {**os.environ, "SOURCE_DATE_EPOCH": REPRODUCIBLE_EPOCH}
        subprocess.run(
            [sys.executable, "-m", "pip", "wheel", "--quiet", "--no-deps", "-w", dist, tree],
            check=True,
            capture_output=True,
            text=True,
            env=env,
        )
        (built,) = dist.glob("*.whl")
        target = out / built.name
        shutil.copyfile(built, target)
    return target
