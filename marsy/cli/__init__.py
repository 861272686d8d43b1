"""The ``marsy`` command line: one entry point for every MarsY program."""

from marsy.cli.main import main

__all__ = ["main"]
