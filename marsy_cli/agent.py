"""``marsy agent <device>``: run one onboard agent until SIGTERM or Ctrl-C."""

from __future__ import annotations

import logging
import signal
import threading
from pathlib import Path

import click

from marsy.protocol import Device
from marsy.settings import EdgeSettings
from marsy_cli.settings import load_settings

logger = logging.getLogger(__name__)


@click.command()
@click.argument("device", type=click.Choice([str(d) for d in Device]))
@click.option(
    "--config",
    type=click.Path(dir_okay=False, exists=True, path_type=Path),
    default=None,
    help="TOML settings file (env MARSY_EDGE_* override it).",
)
@click.option("--serial", "serial_url", default=None, help="Board port (pyserial URL).")
def agent(device: str, config: Path | None, serial_url: str | None) -> None:
    """Run the onboard agent of DEVICE: serial in, QoS-1 MQTT out."""
    from edge.agents import behaviour_for
    from edge.runtime.factory import open_agent

    overrides: dict[str, object] = {"device": device}
    if serial_url:
        overrides["serial_url"] = serial_url
    settings = load_settings(EdgeSettings, config, **overrides)
    logging.getLogger().setLevel(settings.log_level)
    logger.info("settings: %s", settings.redacted())
    stop = threading.Event()
    for sig in (signal.SIGINT, signal.SIGTERM):
        signal.signal(sig, lambda *_: stop.set())
    open_agent(settings, behaviour_for(settings.device)).run(stop)
