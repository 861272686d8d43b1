"""``marsy serve <service>``: run one ground service until SIGTERM or Ctrl-C.

Each service is a package ``ground/<name>/`` whose ``service`` module has
``run(settings: GroundSettings, stop: threading.Event) -> None``; it is imported only here, so
the rest of the command line never loads Flask or the ground code.
"""

from __future__ import annotations

import importlib
import logging
import signal
import threading
from pathlib import Path

import click

from marsy.settings import GroundSettings, SettingsError
from marsy_cli.settings import SettingsExit, load_settings

logger = logging.getLogger(__name__)

SERVICES = (
    "command",
    "weather",
    "launchpad",
    "staging",
    "payload",
    "telemetry",
    "calculator",
    "webcaster",
)


@click.command()
@click.argument("service", type=click.Choice(SERVICES))
@click.option(
    "--config",
    type=click.Path(dir_okay=False, exists=True, path_type=Path),
    default=None,
    help="TOML settings file (env MARSY_GROUND_* override it).",
)
@click.option(
    "--port", type=click.IntRange(0, 65535), default=None, help="HTTP port (0: a free one)."
)
def serve(service: str, config: Path | None, port: int | None) -> None:
    """Run the ground SERVICE."""
    overrides: dict[str, object] = {} if port is None else {"http_port": port}
    settings = load_settings(GroundSettings, config, **overrides)
    logging.getLogger().setLevel(settings.log_level)
    logger.info("%s settings: %s", service, settings.redacted())
    module = importlib.import_module(f"ground.{service}.service")
    stop = threading.Event()
    for sig in (signal.SIGINT, signal.SIGTERM):
        signal.signal(sig, lambda *_: stop.set())
    try:
        module.run(settings, stop)
    except SettingsError as exc:  # a service's own check at start (peers' URLs, criteria file)
        raise SettingsExit(exc) from None
