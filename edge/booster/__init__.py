"""The booster's agent: its board streams descent and landing telemetry once separated."""
