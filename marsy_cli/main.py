"""``marsy``: the entry point. Sub-commands live in their own modules and are imported lazily,
so ``marsy agent`` on a Pi never imports ground code and ``--help`` stays fast."""

from __future__ import annotations

import logging

import click

from marsy import __version__
from marsy_cli.agent import agent
from marsy_cli.broker import broker
from marsy_cli.deploy import deploy
from marsy_cli.firmware import firmware
from marsy_cli.report import export, replay, report
from marsy_cli.serve import serve
from marsy_cli.sim import sim


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="marsy")
@click.option(
    "--log-level",
    type=click.Choice(["DEBUG", "INFO", "WARNING", "ERROR"], case_sensitive=False),
    default="INFO",
    show_default=True,
)
def cli(log_level: str) -> None:
    """MarsY: fly a crewed rocket launch as a fleet of small programs."""
    logging.basicConfig(
        level=log_level.upper(),
        format="%(asctime)s %(levelname)-7s %(name)s: %(message)s",
    )


cli.add_command(agent)
cli.add_command(broker)
cli.add_command(deploy)
cli.add_command(firmware)
cli.add_command(export)
cli.add_command(replay)
cli.add_command(report)
cli.add_command(serve)
cli.add_command(sim)


def main() -> None:
    cli()
