"""Bundled scenario files (TOML), read by firmware_sim.scenario."""
