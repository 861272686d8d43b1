"""What every onboard agent shares: the agent (:mod:`edge.runtime.agent`) and its parts, built
with its transports by :func:`edge.runtime.factory.open_agent`."""
