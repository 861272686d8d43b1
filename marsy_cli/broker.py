"""``marsy broker``: render the Mosquitto configuration, ACL and password file."""

from __future__ import annotations

import tomllib
from pathlib import Path

import click

from marsy.brokerconf import POLICY, acl_text, password_file_text
from marsy.logins import LoginError, login_passwords


@click.group()
def broker() -> None:
    """Mosquitto configuration generated from the MarsY contract."""


@broker.command("config")
@click.option("--out", type=click.Path(file_okay=False, path_type=Path), required=True)
@click.option("--root", default="+", show_default=True, help="Topic root the ACL allows.")
def config(out: Path, root: str) -> None:
    """Write the broker policy (marsy.conf) and the ACL (acl) into OUT."""
    out.mkdir(parents=True, exist_ok=True)
    (out / "marsy.conf").write_text(POLICY)
    (out / "acl").write_text(acl_text(root))
    click.echo(f"wrote {out / 'marsy.conf'} and {out / 'acl'}")


@broker.command("passwd")
@click.argument("users_file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--out", type=click.Path(dir_okay=False, path_type=Path), required=True)
def passwd(users_file: Path, out: Path) -> None:
    """Write Mosquitto's password file from USERS_FILE (TOML: [users] role = "password").

    Every login of a role is written: the role's own, and its second connections
    (``payload.recorder``...) with passwords derived from the role's.

    The same users and passwords always give the same file, so re-running changes nothing.
    """
    try:
        users = tomllib.loads(users_file.read_text()).get("users", {})
    except tomllib.TOMLDecodeError as exc:
        raise click.BadParameter(str(exc), param_hint="USERS_FILE") from None
    bad = [name for name, pw in users.items() if not isinstance(pw, str) or not pw]
    if not users or bad:
        raise click.BadParameter(
            f"needs a [users] table of non-empty passwords (bad: {', '.join(bad) or 'none'})",
            param_hint="USERS_FILE",
        )
    try:
        logins = login_passwords(users)  # a second login of a role derives from the role's
    except LoginError as exc:
        raise click.BadParameter(str(exc), param_hint="USERS_FILE") from None
    out.write_text(password_file_text(sorted(logins.items())))
    out.chmod(0o600)
    click.echo(f"wrote {len(logins)} logins to {out}")
