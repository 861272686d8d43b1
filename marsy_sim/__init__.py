"""The laptop simulation: every MarsY program as its own process on localhost."""
