"""What every onboard agent shares: the serial link to its board, and (soon) the agent loop."""
