"""``python -m marsy_cli``: the same as the ``marsy`` console script."""

from marsy_cli.main import main

main()
