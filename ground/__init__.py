"""Ground services: command, weather, launchpad, staging, payload, telemetry, webcaster."""
