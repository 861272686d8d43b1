"""``marsy``: the entry point. Each sub-command's module is imported only when that command runs
(or ``marsy --help`` lists them), so ``marsy agent`` on a Pi imports neither the ground, the
simulation nor their libraries, which the agent's install does not even have."""

from __future__ import annotations

import importlib
import logging

import click

from marsy import __version__

COMMANDS: dict[str, str] = {
    "agent": "marsy_cli.agent:agent",
    "broker": "marsy_cli.broker:broker",
    "deploy": "marsy_cli.deploy:deploy",
    "export": "marsy_cli.report:export",
    "firmware": "marsy_cli.firmware:firmware",
    "replay": "marsy_cli.report:replay",
    "report": "marsy_cli.report:report",
    "serve": "marsy_cli.serve:serve",
    "sim": "marsy_cli.sim:sim",
}
"""Command name -> ``module:attribute`` of its click command."""

EXTRA_OF: dict[str, str] = {
    "flask": "ground",
    "werkzeug": "ground",
    "matplotlib": "ground",
    "rich": "sim",
}
"""A library outside the agent's install -> the extra of pyproject.toml that brings it."""


class LazyGroup(click.Group):
    """A group that imports a command's module when the command is asked for."""

    def list_commands(self, ctx: click.Context) -> list[str]:
        return sorted(COMMANDS)

    def get_command(self, ctx: click.Context, cmd_name: str) -> click.Command | None:
        target = COMMANDS.get(cmd_name)
        if target is None:
            return None
        module, _, attribute = target.partition(":")
        command = getattr(importlib.import_module(module), attribute)
        assert isinstance(command, click.Command), target
        return command

    def invoke(self, ctx: click.Context) -> object:
        """A command of a role this install lacks ends on one line naming the extra to add."""
        try:
            return super().invoke(ctx)
        except ModuleNotFoundError as exc:
            extra = EXTRA_OF.get((exc.name or "").partition(".")[0])
            if extra is None:
                raise
            command = ctx.invoked_subcommand or "this command"
            raise click.ClickException(
                f"marsy {command} needs {exc.name}, which this install lacks: "
                f"install MarsY with its {extra!r} extra (pip install 'marsy[{extra}]')"
            ) from None


@click.group(cls=LazyGroup, context_settings={"help_option_names": ["-h", "--help"]})
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


def main() -> None:
    cli()
