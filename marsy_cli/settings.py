"""Settings at a command's entry point: a bad one ends the command with one line and exit 2.

Exit 2 is click's code for a command started wrong (nothing ran); the line is
:class:`marsy.settings.SettingsError`'s, naming each bad key where it was set.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any, TypeVar

import click

from marsy.settings import MarsySettings, SettingsError

S = TypeVar("S", bound=MarsySettings)


class SettingsExit(click.ClickException):
    """``Error: <the settings error>`` on stderr, exit code 2."""

    exit_code = 2

    def __init__(self, error: SettingsError) -> None:
        super().__init__(" ".join(str(error).split()))


def load_settings(cls: type[S], config: Path | None, **overrides: Any) -> S:
    """``cls.load(config, **overrides)``, a bad setting ending the command cleanly."""
    try:
        return cls.load(config, **overrides)
    except SettingsError as exc:
        raise SettingsExit(exc) from None
