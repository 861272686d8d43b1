"""The ``marsy`` command line: one entry point for every MarsY program."""

from marsy_cli.main import main

__all__ = ["main"]
