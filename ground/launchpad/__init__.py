"""The launchpad service: checks the rocket through an acknowledged command, orders the launch."""
