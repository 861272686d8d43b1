"""``python -m marsy.cli``: the same as the ``marsy`` console script."""

from marsy.cli.main import main

main()
