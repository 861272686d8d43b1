"""``marsy serve <service>``: run one ground service until SIGTERM or Ctrl-C.

Each service is a package ``ground/<name>/`` whose ``service`` module has
``run(settings: GroundSettings, stop: threading.Event) -> None``; it is imported only here, so
the rest of the command line never loads Flask or the ground code.

``marsy serve telemetry --workers N`` runs the flight recorder as N processes on one shared
subscription: this process starts each (``--worker K``, the same command line otherwise), starts
again any that ends, and answers ``/health`` for them all.
"""

from __future__ import annotations

import importlib
import logging
import signal
import sys
import threading
from pathlib import Path

import click

from marsy.logins import MAX_INGEST_WORKERS
from marsy.settings import GroundSettings, SettingsError
from marsy_cli.settings import SettingsExit, load_settings

logger = logging.getLogger(__name__)

SCALED = ("telemetry",)
"""The services that run as several workers on a shared subscription."""

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
@click.option(
    "--workers",
    type=click.IntRange(1, MAX_INGEST_WORKERS),
    default=1,
    show_default=True,
    help=f"Processes sharing the stream ({', '.join(SCALED)} only).",
)
@click.option("--worker", type=click.IntRange(1, MAX_INGEST_WORKERS), default=None, hidden=True)
def serve(
    service: str, config: Path | None, port: int | None, workers: int, worker: int | None
) -> None:
    """Run the ground SERVICE."""
    if (workers > 1 or worker is not None) and service not in SCALED:
        raise click.BadParameter(f"{service} runs as one process", param_hint="--workers")
    overrides: dict[str, object] = {} if port is None else {"http_port": port}
    settings = load_settings(GroundSettings, config, **overrides)
    logging.getLogger().setLevel(settings.log_level)
    if worker is None:
        logger.info("%s settings: %s", service, settings.redacted())
    module = importlib.import_module(f"ground.{service}.service")
    stop = threading.Event()
    for sig in (signal.SIGINT, signal.SIGTERM):
        signal.signal(sig, lambda *_: stop.set())

    def command(index: int, worker_port: int) -> list[str]:
        argv = [sys.executable, "-m", "marsy_cli", "serve", service, "--worker", str(index)]
        argv += ["--port", str(worker_port)]
        return argv + ([] if config is None else ["--config", str(config)])

    try:
        if workers > 1:
            module.run_workers(settings, stop, workers, command)
        elif worker is not None:
            module.run(settings, stop, worker=worker)
        else:
            module.run(settings, stop)
    except SettingsError as exc:  # a service's own check at start (peers' URLs, criteria file)
        raise SettingsExit(exc) from None
