"""What each role's install weighs: a fresh virtualenv per role, its site-packages on disk.

Builds the wheel as the Ansible controller does (``marsy deploy wheel``) and installs it as each
role does, from PyPI (pip's cache makes a second run quicker): the bare wheel on a Pi (the
agent), ``[ground]`` on the ground host, ``[sim]`` on a laptop, ``[test]`` for a developer (the
whole set). Printed per install: ``du`` of site-packages, the distributions, the install's wall
time; for the agent's, the MarsY packages it carries but never imports. Goal: the agent's is a
small fraction of the ground's.

    .venv/bin/python bench/install_size.py
    .venv/bin/python bench/install_size.py --smoke      # the agent's install only
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

from marsy_cli.deploy import build_wheel

REPO = Path(__file__).resolve().parents[1]
ROLES = {"agent": "", "ground": "[ground]", "laptop": "[sim]", "everything": "[test]"}
"""Install -> the extras it asks of the wheel."""
NOT_THE_AGENTS = ("ground", "devservers", "marsy_sim")
"""MarsY packages in the wheel a running agent never imports (firmware_sim serves the lab)."""


@dataclass(frozen=True)
class Install:
    role: str
    site_packages_kb: int
    distributions: list[str]
    seconds: float
    unused_kb: int


def du_kb(*paths: Path) -> int:
    du = ["du", "-sk", "-c", *map(str, paths)]
    out = subprocess.run(du, capture_output=True, text=True, check=True)
    return int(out.stdout.splitlines()[-1].split()[0])


def install(wheel: Path, role: str, folder: Path) -> Install:
    """A virtualenv without pip (this one's pip installs into it), then the role's install."""
    venv = folder / role
    subprocess.run([sys.executable, "-m", "venv", "--without-pip", str(venv)], check=True)
    pip = [sys.executable, "-m", "pip", "--disable-pip-version-check", "--python", str(venv)]
    began = time.perf_counter()
    subprocess.run([*pip, "install", "-q", f"{wheel}{ROLES[role]}"], check=True)
    seconds = time.perf_counter() - began
    listed = subprocess.run([*pip, "list", "--format=json"], capture_output=True, check=True)
    names = sorted(d["name"] for d in json.loads(listed.stdout))
    (site,) = venv.glob("lib/python3*/site-packages")
    unused = [site / name for name in NOT_THE_AGENTS if (site / name).exists()]
    return Install(role, du_kb(site), names, seconds, du_kb(*unused) if unused else 0)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--smoke", action="store_true", help="the agent's install only")
    roles = ["agent"] if parser.parse_args().smoke else list(ROLES)
    with tempfile.TemporaryDirectory(prefix="marsy-bench-") as tmp:
        wheel = build_wheel(REPO, Path(tmp) / "dist")
        installs = [install(wheel, role, Path(tmp)) for role in roles]
    print(f"{wheel.name}, a fresh virtualenv per install, du of its site-packages:")
    for done in installs:
        extras = ROLES[done.role] or "(bare wheel)"
        print(
            f"  {done.role:<10} {extras:<12} {done.site_packages_kb / 1024:7.1f} MB  "
            f"{len(done.distributions):3} distributions  installed in {done.seconds:5.1f} s"
        )
    agent = installs[0]
    print(f"  agent's distributions: {', '.join(agent.distributions)}")
    print(
        f"  of which MarsY code an agent never imports ({', '.join(NOT_THE_AGENTS)}): "
        f"{agent.unused_kb / 1024:.1f} MB"
    )
    if len(installs) > 1:
        ground = installs[1]
        print(f"  agent / ground = {agent.site_packages_kb / ground.site_packages_kb:.2f}")
    forbidden = {"flask", "matplotlib", "rich", "numpy"} & {d.lower() for d in agent.distributions}
    if forbidden:
        raise SystemExit(f"the agent's install has {sorted(forbidden)}")


if __name__ == "__main__":
    main()
